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
    /// An execution of the local runner (`automl run --local`; they run to their end).
    #[arg(long)]
    local: bool,
    #[command(flatten)]
    local_options: super::local::LocalArgs,
}

/// The summary of a local execution, with its results.
fn local(args: Args, out: &mut Output) -> anyhow::Result<ExitCode> {
    let config = args.local_options.into_config();
    // A run whose automl process was killed is recorded ABORTED first.
    crate::local::interrupt::recover(&crate::local::store::Store::new(config.state_dir.clone()));
    let summary = crate::local::results::status(&config, args.execution.as_deref())?;
    out.result(&summary);
    let running = summary.status == Some(crate::sfn::ExecutionStatus::Running);
    Ok(super::exit(running || summary.succeeded()))
}

#[cfg(feature = "aws")]
pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    if args.local {
        return local(args, out);
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
        return local(args, out);
    }
    Err(super::no_aws("status"))
}
