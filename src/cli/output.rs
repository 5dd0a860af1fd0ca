//! The one place that prints. Every command hands its results here: as text (their
//! `Display`) or, with `--json`, as JSON (their `Serialize`), chosen once from the global
//! flag. Progress of long work goes to stderr through the one spinner (on a terminal;
//! plain lines otherwise), so stdout stays free for results.
//!
//! Writes never fail the work: a closed stdout or stderr (`automl graph | head -1`,
//! `run --local ... 2>&1 | head -2`) is remembered and further output is dropped, while
//! the command goes on to its end and its exit code (ripgrep's rule: quiet on a broken
//! pipe; and a training run must not die because nobody reads its progress).

use crate::report::{Progress, Started};
use crate::sfn::Event;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// The output of one command.
pub(crate) struct Output {
    json: bool,
    spinner: Option<ProgressBar>,
    last_status: String,
    entered: BTreeMap<(usize, String, String), Instant>,
}

impl Output {
    pub(crate) fn new(json: bool) -> Output {
        Output {
            json,
            spinner: None,
            last_status: String::new(),
            entered: BTreeMap::new(),
        }
    }

    /// Whether results are JSON (`--json`).
    pub(crate) fn json(&self) -> bool {
        self.json
    }

    /// A command's result: one JSON document with `--json`, else its text.
    pub(crate) fn result<R: Serialize + Display>(&mut self, report: &R) {
        if self.json {
            let text = serde_json::to_string(report).expect("reports serialise");
            self.stdout(text);
        } else {
            let text = report.to_string();
            self.stdout(text.trim_end_matches('\n'));
        }
    }

    /// One line of result text on stdout.
    pub(crate) fn stdout(&mut self, line: impl Display) {
        let text = format!("{line}\n");
        self.suspended(|| write_all(&mut std::io::stdout().lock(), text.as_bytes()));
    }

    /// Text on stdout as it is (no newline added).
    pub(crate) fn stdout_raw(&mut self, text: &str) {
        self.suspended(|| write_all(&mut std::io::stdout().lock(), text.as_bytes()));
    }

    /// One line for people on stderr (diagnostics, notes, hints), above the spinner.
    pub(crate) fn stderr(&mut self, line: impl Display) {
        let text = line.to_string();
        match &self.spinner {
            Some(bar) => bar.println(text),
            None => write_all(
                &mut std::io::stderr().lock(),
                format!("{text}\n").as_bytes(),
            ),
        }
    }

    #[cfg_attr(not(feature = "aws"), allow(dead_code))] // used by the AWS commands only
    /// A question on stderr, without a newline (the answer is read by the caller).
    pub(crate) fn prompt(&mut self, question: impl Display) {
        let mut stderr = std::io::stderr().lock();
        write_all(&mut stderr, question.to_string().as_bytes());
        let _ = stderr.flush();
    }

    /// Clears the spinner; the next status starts a new one.
    pub(crate) fn finish(&mut self) {
        if let Some(bar) = self.spinner.take() {
            bar.finish_and_clear();
        }
        self.last_status.clear();
    }

    fn suspended(&self, write: impl FnOnce()) {
        match &self.spinner {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    fn spinner(&mut self) -> Option<&ProgressBar> {
        if self.spinner.is_none() && std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .expect("valid template"),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            self.spinner = Some(bar);
        }
        self.spinner.as_ref()
    }

    fn took(&mut self, depth: usize, machine: &str, state: &str) -> String {
        self.entered
            .remove(&(depth, machine.to_string(), state.to_string()))
            .map(|start| format!(" ({:.1}s)", start.elapsed().as_secs_f64()))
            .unwrap_or_default()
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Progress for Output {
    fn line(&mut self, text: &str) {
        self.stderr(text);
    }

    fn status(&mut self, text: &str) {
        if text == self.last_status {
            return;
        }
        self.last_status = text.to_string();
        if let Some(bar) = self.spinner() {
            bar.set_message(text.to_string());
        }
    }

    fn step(&mut self, text: &str) {
        if std::io::stderr().is_terminal() {
            self.status(text);
        } else {
            self.stderr(format!("{text} …"));
        }
    }

    fn output(&mut self, text: &str) {
        if !self.json {
            self.stdout(text);
        }
    }

    fn started(&mut self, started: &Started) {
        if self.json {
            let mut value = serde_json::to_value(started).expect("serialises");
            value["event"] = "started".into();
            self.stdout(value);
            return;
        }
        self.stdout(format!("execution: {}", started.execution_arn));
        if let Some(history) = &started.history {
            self.stdout(format!("history:   {history}"));
        }
        if let Some(console) = &started.console_url {
            self.stdout(format!("console:   {console}"));
        }
        self.stderr(&started.description);
    }

    fn event(&mut self, event: &Event) {
        if self.json {
            self.stdout(serde_json::to_string(event).expect("events serialise"));
            return;
        }
        let indent = |depth: usize| "  ".repeat(depth);
        let line = match event {
            Event::ExecutionStarted {
                depth,
                machine,
                name,
                ..
            } => Some(format!(
                "{}{machine}: started execution {name}",
                indent(*depth)
            )),
            Event::StateEntered {
                depth,
                machine,
                state,
            } => {
                self.entered
                    .insert((*depth, machine.clone(), state.clone()), Instant::now());
                self.status(&format!("{machine} › {state}"));
                None
            }
            Event::StateSucceeded {
                depth,
                machine,
                state,
            } => {
                let took = self.took(*depth, machine, state);
                Some(format!("{}{machine} › {state} ✓{took}", indent(*depth)))
            }
            Event::StateFailed {
                depth,
                machine,
                state,
                error,
                cause,
            } => {
                let took = self.took(*depth, machine, state);
                Some(format!(
                    "{}{machine} › {state} ✗{took}: {error}: {cause}",
                    indent(*depth)
                ))
            }
            Event::ExecutionEnded {
                depth,
                machine,
                status,
                ..
            } => Some(format!("{}{machine}: {status:?}", indent(*depth))),
            // Live on a terminal (the spinner's message, after the state), plain lines
            // otherwise; the log path always stays on screen.
            Event::TaskProgress { text } => {
                if self.spinner.is_some() && !text.starts_with("training log: ") {
                    let state = self
                        .last_status
                        .split(" · ")
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    self.status(&format!("{state} · {text}"));
                    None
                } else {
                    Some(format!("{}{text}", indent(2)))
                }
            }
        };
        if let Some(line) = line {
            self.stderr(line);
        }
    }
}

/// Writes, ignoring a closed pipe: output failures never stop the work.
fn write_all(stream: &mut impl Write, bytes: &[u8]) {
    let _ = stream.write_all(bytes).and_then(|()| stream.flush());
}

/// Prints a command's error, its whole chain once (`main` calls this and nothing else).
pub(crate) fn print_error(error: &anyhow::Error) {
    write_all(
        &mut std::io::stderr().lock(),
        format!("error: {}\n", crate::cli::error::chain(error)).as_bytes(),
    );
}
