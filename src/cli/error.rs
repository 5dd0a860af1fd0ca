//! Exit codes, the same for the same failure in every command, and the one way an
//! error chain is worded: each cause once, in order.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done (an input is valid; an execution succeeded) |
//! | 1 | the work failed: an invalid input, a failed execution, an AWS error |
//! | 2 | nothing could start: the command line or an input file could not be read or parsed |

use std::process::ExitCode;

/// The input could not be read, or is not JSON; clap's usage errors use the same code.
pub(crate) const UNREADABLE: u8 = 2;
/// The input breaks the contract, or the work failed.
pub(crate) const FAILED: u8 = 1;

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
}
