//! `automl validate`: check an execution input against the contract, report every problem
//! with its JSON path, and optionally print the normalised input `run` would send.

use super::error::{FAILED, UNREADABLE};
use super::output::Output;
use super::Global;
use crate::input::{self, Normalized, Problem, ReadError};
use serde_json::{json, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Check an execution input file against the input contract, before anything starts:
/// every problem at once, each with its JSON path, what is wrong and how to fix it.
/// Exit status: 0 valid, 1 invalid, 2 unreadable file or bad JSON.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The input file, e.g. examples/train_evaluate.json (`-` reads standard input).
    input: PathBuf,
    /// Print the normalised input (what `automl run` sends to the Main state machine) on
    /// standard output.
    #[arg(long)]
    print: bool,
    /// Validate for `automl run --local`: data locations may also be plain file paths.
    #[arg(long)]
    local: bool,
}

pub(crate) fn run(args: Args, _global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    let stdin = args.input == Path::new("-");
    let name = if stdin {
        "<stdin>".to_string()
    } else {
        args.input.display().to_string()
    };
    let raw = if stdin {
        read_stdin()
    } else {
        input::read(&args.input)
    };
    let raw = match raw {
        Ok(raw) => raw,
        Err(error) => {
            if out.json() {
                print_json(out, &name, false, &[], &[], None, Some(&error));
            } else {
                out.stderr(&error);
            }
            return Ok(ExitCode::from(UNREADABLE));
        }
    };
    let target = if args.local {
        input::Target::Local
    } else {
        input::Target::Aws
    };
    match input::validate_for(&raw, target) {
        Ok(normalized) => {
            if out.json() {
                print_json(
                    out,
                    &name,
                    true,
                    &[],
                    normalized.notes(),
                    Some(&normalized),
                    None,
                );
            } else {
                for note in normalized.notes() {
                    out.stderr(format!("{name}: note: {note}"));
                }
                let summary = format!("{name}: valid ({})", normalized.describe());
                if args.print {
                    out.stdout(pretty(normalized.value()));
                    out.stderr(&summary);
                } else {
                    out.stdout(&summary);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            if out.json() {
                print_json(out, &name, false, &problems, &[], None, None);
            } else {
                for problem in &problems {
                    out.stderr(format!("{name}: {problem}"));
                }
                let count = problems.len();
                out.stderr(format!(
                    "{name}: {count} problem{}: nothing would be started",
                    if count == 1 { "" } else { "s" }
                ));
            }
            Ok(ExitCode::from(FAILED))
        }
    }
}

fn read_stdin() -> Result<Value, ReadError> {
    let path = Path::new("<stdin>");
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    input::parse(&bytes, path)
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("a JSON value always serialises")
}

/// `{"file", "valid", "problems": [{"path", "message"}], "notes", "normalized", "error"?}`.
fn print_json(
    out: &mut Output,
    name: &str,
    valid: bool,
    problems: &[Problem],
    notes: &[Problem],
    normalized: Option<&Normalized>,
    error: Option<&ReadError>,
) {
    let mut report = json!({
        "file": name,
        "valid": valid,
        "problems": problems,
        "notes": notes,
        "normalized": normalized.map(Normalized::value),
    });
    if let Some(normalized) = normalized {
        report["description"] = json!(normalized.describe());
    }
    if let Some(error) = error {
        report["error"] = json!(error.to_string());
    }
    out.stdout(pretty(&report));
}
