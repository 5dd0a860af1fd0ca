//! `automl redrive`: resume an unsuccessful execution on AWS from the state that failed
//! (RedriveExecution). Locally the same is `automl run --local --resume NAME`.

use super::output::Output;
use super::Global;
use std::process::ExitCode;

/// Redrive a failed, aborted or timed-out execution of the stack's Main machine
/// (RedriveExecution; within 14 days of its end): it goes on from the state that did not
/// succeed, with the same input and ARN; the states that succeeded are not run again. Fix
/// what made it fail first. Locally: `automl run --local --resume NAME`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Execution name or ARN (default: the newest failed, aborted or timed-out one).
    execution: Option<String>,
    /// Follow it to its end, print each state and a summary, and exit non-zero unless it
    /// succeeded.
    #[arg(long)]
    wait: bool,
}

#[cfg(feature = "aws")]
pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    let request = crate::aws::redrive::RedriveRequest {
        execution: args.execution,
        wait: args.wait,
    };
    match crate::aws::redrive::redrive(&global.aws(), &request, out)? {
        crate::aws::redrive::RedriveOutcome::Started(redriven) => {
            out.finish();
            out.result(&redriven);
            if !out.json() {
                out.stderr(format!(
                    "follow it with `automl status {} --wait`",
                    redriven.name
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        crate::aws::redrive::RedriveOutcome::Followed(summary) => {
            out.finish();
            out.result(&summary);
            Ok(super::exit(summary.succeeded()))
        }
    }
}

#[cfg(not(feature = "aws"))]
pub(crate) fn run(_args: Args, _global: &Global, _out: &mut Output) -> anyhow::Result<ExitCode> {
    Err(super::no_aws("redrive"))
}
