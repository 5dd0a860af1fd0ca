//! Progress of long AWS operations (deploy, destroy) on stderr: a spinner with the
//! current status above which event lines scroll when stderr is a terminal, plain lines
//! otherwise (logs, CI, tests). stdout stays free for results and `--json`.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

pub struct Lines {
    spinner: Option<ProgressBar>,
    last_status: String,
}

impl Lines {
    pub fn new(what: &str) -> Lines {
        let spinner = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix} {msg} ({elapsed})")
                    .expect("valid template"),
            );
            bar.set_prefix(what.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Lines {
            spinner,
            last_status: String::new(),
        }
    }

    /// One line of history (an event, a step done).
    pub fn line(&mut self, text: impl AsRef<str>) {
        match &self.spinner {
            Some(bar) => bar.println(text.as_ref()),
            None => eprintln!("{}", text.as_ref()),
        }
    }

    /// The current state: the spinner's message on a terminal; elsewhere a line, only
    /// when it changes.
    pub fn status(&mut self, text: &str) {
        if text == self.last_status {
            return;
        }
        self.last_status = text.to_string();
        if let Some(bar) = &self.spinner {
            bar.set_message(text.to_string());
        }
    }

    /// Clears the spinner (also done on drop, so an error never leaves it spinning).
    pub fn finish(self) {}
}

impl Drop for Lines {
    fn drop(&mut self) {
        if let Some(bar) = &self.spinner {
            bar.finish_and_clear();
        }
    }
}
