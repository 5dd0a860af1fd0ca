//! `automl stop`: stop one running execution (StopExecution), on AWS or locally.

use super::output::Output;
use super::Global;
use std::process::ExitCode;

/// Stop a running execution of the stack's Main machine (StopExecution): it ends ABORTED,
/// and the Train or Deploy execution it was waiting for stops with it. An endpoint
/// already in service stays (delete it with `automl destroy --endpoints`).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Execution name (as given to `automl run --name`) or ARN.
    execution: String,
    /// The error to record (StopExecution's `error`).
    #[arg(long, conflicts_with = "local")]
    error: Option<String>,
    /// The cause to record (StopExecution's `cause`).
    #[arg(long, conflicts_with = "local")]
    cause: Option<String>,
    /// A run of the local runner (`automl run --local` in another terminal): its automl
    /// process is interrupted as Ctrl-C would, and records the executions ABORTED.
    #[arg(long)]
    local: bool,
    #[command(flatten)]
    state: super::local::StateArgs,
}

fn local(args: &Args, out: &mut Output) -> anyhow::Result<ExitCode> {
    let store = crate::local::store::Store::new(args.state.state_dir.clone());
    let status = crate::local::executions::stop(
        &store,
        &args.execution,
        std::time::Duration::from_secs(60),
    )?;
    out.stdout(format!("stopped:   {} ({status})", args.execution));
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "aws")]
pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    if args.local {
        return local(&args, out);
    }
    let request = crate::aws::stop::StopRequest {
        execution: args.execution,
        error: args.error,
        cause: args.cause,
    };
    let stopped = crate::aws::stop::stop(&global.aws(), &request)?;
    out.result(&stopped);
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "aws"))]
pub(crate) fn run(args: Args, _global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    if args.local {
        return local(&args, out);
    }
    Err(super::no_aws("stop"))
}
