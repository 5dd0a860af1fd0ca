//! `automl status`: follow one execution.

use super::output::Output;
use super::Global;
use std::process::ExitCode;

/// Show one execution of the Main machine (default: the latest): its states, the nested
/// Train and Deploy executions, and the summary (model, scores and verdict, endpoint or
/// batch output). Exits non-zero when the execution failed.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Execution name (as given to `automl run --name`) or ARN.
    execution: Option<String>,
    /// Follow the execution until it ends.
    #[arg(long, conflicts_with = "local")]
    wait: bool,
    /// An execution `run --local` recorded (default: the latest): its status, error and
    /// cause, and where its history is. A run whose automl process was killed is
    /// recorded ABORTED first.
    #[arg(long)]
    local: bool,
    #[command(flatten)]
    state: super::local::StateArgs,
}

/// `status --local`: one local record.
fn run_local(args: &Args, out: &mut Output) -> anyhow::Result<ExitCode> {
    let store = crate::local::store::Store::new(args.state.state_dir.clone());
    let rows = crate::local::executions::list(&store);
    let row = match &args.execution {
        Some(name) => {
            crate::sfn::names::check_execution_name(name)
                .map_err(|problem| anyhow::anyhow!(problem))?;
            rows.into_iter().find(|row| &row.name == name).ok_or_else(|| {
                anyhow::anyhow!(
                    "no local execution named `{name}` in {} (`automl executions --local` lists them)",
                    store.executions_dir().display()
                )
            })?
        }
        None => rows
            .into_iter()
            .find(|row| row.parent_execution.is_none())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no local executions in {}",
                    store.executions_dir().display()
                )
            })?,
    };
    let history = store.execution_dir(&row.name).join("history.json");
    let succeeded = row.status == "SUCCEEDED";
    let running = row.status == "RUNNING";
    if out.json() {
        let mut value = serde_json::to_value(&row).unwrap_or_default();
        value["history"] = serde_json::json!(history.display().to_string());
        out.stdout(value);
    } else {
        out.stdout(format!("{}: {}", row.name, row.status));
        if let Some(arn) = &row.execution_arn {
            out.stdout(format!("  arn:     {arn}"));
        }
        for (label, value) in [
            ("started", &row.start_date),
            ("stopped", &row.stop_date),
            ("parent", &row.parent_execution),
            ("error", &row.error),
            ("cause", &row.cause),
        ] {
            if let Some(value) = value {
                out.stdout(format!("  {label}: {}{value}", " ".repeat(8 - label.len())));
            }
        }
        if history.is_file() {
            out.stdout(format!("  history: {}", history.display()));
        }
    }
    Ok(super::exit(running || succeeded))
}

#[cfg(feature = "aws")]
pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    if args.local {
        return run_local(&args, out);
    }
    let request = crate::aws::status::StatusRequest {
        execution: args.execution,
        wait: args.wait,
    };
    let summary = crate::aws::status::status(&global.aws(), &request, out)?;
    out.finish();
    out.result(&summary);
    let running = summary.status == Some(crate::sfn::ExecutionStatus::Running);
    Ok(super::exit(running || summary.succeeded()))
}

#[cfg(not(feature = "aws"))]
pub(crate) fn run(args: Args, _global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    if args.local {
        return run_local(&args, out);
    }
    Err(super::no_aws("status"))
}
