//! `automl validate`: check an execution input against the contract, report every problem
//! with its JSON path, and optionally print the normalised input `run` would send.

use super::error::{FAILED, UNREADABLE};
use super::output::Output;
use super::Global;
use crate::input::{self, Normalized, Problem, ReadError};
use serde_json::{json, Value};
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
    #[arg(long, conflicts_with = "aws")]
    local: bool,
    /// Also check the data in S3 with your AWS credentials, as `run` does before it starts:
    /// a ranged read of the first object under each data location (its header and first
    /// rows, at most 64 KiB): it exists, is a CSV with a header, has the label column, the
    /// test set has the training columns, the metric fits the label.
    #[arg(long)]
    aws: bool,
    /// With --local, where `s3://` URIs of the data live (the data is checked too:
    /// exists, a CSV with a header, the label column, the test set's columns, the metric).
    #[command(flatten)]
    local_options: super::local::LocalArgs,
}

/// How many problems the text report shows; the rest are counted (a file of 200,000
/// unknown keys would otherwise print megabytes).
const MAX_SHOWN: usize = 50;

pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
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
    let mut data_notes = Vec::new();
    let checked = input::validate_for(&raw, target).and_then(|normalized| {
        let problems = if args.local {
            let config = args.local_options.clone().into_config();
            input::check_data(&normalized, &super::local::data_sampler(&config))
        } else if args.aws {
            let (problems, notes) = s3_data_check(global, &normalized);
            data_notes = notes;
            problems
        } else {
            Vec::new()
        };
        if problems.is_empty() {
            Ok(normalized)
        } else {
            Err(problems)
        }
    });
    for note in &data_notes {
        out.stderr(format!("{name}: note: {note}"));
    }
    match checked {
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
                for problem in problems.iter().take(MAX_SHOWN) {
                    out.stderr(format!("{name}: {problem}"));
                }
                let count = problems.len();
                if count > MAX_SHOWN {
                    out.stderr(format!(
                        "{name}: ... and {} more (--json lists them all)",
                        count - MAX_SHOWN
                    ));
                }
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
    let bytes = input::read_capped(std::io::stdin(), path)?;
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

/// The S3 data of an input read and checked (a ranged read of each location's first
/// object): the problems, and notes on what could not be checked.
#[cfg(feature = "aws")]
fn s3_data_check(
    global: &Global,
    normalized: &crate::input::Normalized,
) -> (Vec<crate::input::Problem>, Vec<String>) {
    let checked = crate::aws::data::check(&global.aws(), normalized);
    (checked.problems, checked.notes)
}

#[cfg(not(feature = "aws"))]
fn s3_data_check(
    _global: &Global,
    normalized: &crate::input::Normalized,
) -> (Vec<crate::input::Problem>, Vec<String>) {
    let notes = if crate::input::data_sources(normalized).is_empty() {
        Vec::new()
    } else {
        vec!["the data in S3 was not checked: this build has no AWS support (build with the `aws` feature)".to_string()]
    };
    (Vec::new(), notes)
}
