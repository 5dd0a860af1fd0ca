//! Exit codes, the same for the same failure in every command, and the one way an
//! error chain is worded: each cause once, in order.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done (an input is valid; an execution succeeded) |
//! | 1 | the work failed: an invalid input, a failed execution, an AWS error |
//! | 2 | nothing could start: the command line or an input file could not be read or parsed |
//! | 130 | a local run was interrupted (SIGINT, SIGTERM, SIGHUP) and recorded `ABORTED` |

use std::process::ExitCode;

/// The input could not be read, or is not JSON; clap's usage errors use the same code.
pub(crate) const UNREADABLE: u8 = 2;
/// The input breaks the contract, or the work failed.
pub(crate) const FAILED: u8 = 1;
/// A local run stopped by a signal (the shell's 128 + SIGINT, whichever signal it was).
pub(crate) const INTERRUPTED: u8 = 130;

/// The exit code of a command that ended with `error`.
pub(crate) fn exit_code(error: &anyhow::Error) -> ExitCode {
    if error
        .chain()
        .any(|cause| cause.is::<crate::input::ReadError>())
    {
        ExitCode::from(UNREADABLE)
    } else {
        ExitCode::from(FAILED)
    }
}

/// `context: cause: root cause`, leaving out a cause that the message before it already
/// says (e.g. an `io::Error` whose text the context repeats, `(os error 2)` twice).
pub(crate) fn chain(error: &anyhow::Error) -> String {
    let mut said: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if text.is_empty() || said.iter().any(|earlier| earlier.contains(&text)) {
            continue;
        }
        said.push(text);
    }
    said.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_said_is_not_repeated() {
        let io = std::io::Error::from(std::io::ErrorKind::NotFound);
        let error = anyhow::Error::new(io).context("cannot read x.json: entity not found");
        assert_eq!(chain(&error), "cannot read x.json: entity not found");
        let error = anyhow::anyhow!("root").context("outer");
        assert_eq!(chain(&error), "outer: root");
    }

    /// Real chains of the local runner: an input file that is missing (a `ReadError`
    /// whose message already carries its io::Error), a state directory that cannot be
    /// created (anyhow context over the io::Error): `(os error 2)` once each.
    #[test]
    fn real_failures_say_their_cause_once() {
        let missing = std::path::Path::new("/nonexistent-automl/input.json");
        let error: anyhow::Error = crate::input::read(missing).unwrap_err().into();
        let text = chain(&error);
        assert_eq!(
            text,
            "/nonexistent-automl/input.json: cannot read: No such file or directory (os error 2)"
        );
        use anyhow::Context as _;
        let error = std::fs::create_dir("/nonexistent-automl/state/assets")
            .context("cannot create /nonexistent-automl/state/assets")
            .unwrap_err();
        let text = chain(&error);
        assert_eq!(text.matches("(os error 2)").count(), 1, "{text}");
        assert_eq!(text.matches("cannot create").count(), 1, "{text}");
    }
}
