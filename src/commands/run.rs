//! `automl run`: validate an execution input, then start the workflow on AWS (the Main
//! machine of the deployed stack) or, with `--local`, on this machine.

use super::Global;
use std::path::PathBuf;
use std::process::ExitCode;

/// Validate an input and start the workflow on AWS, or locally with --local.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The execution input (JSON; see `automl validate`).
    pub input: PathBuf,
    /// Execution name (default: generated). Also names the SageMaker resources it creates.
    #[arg(long)]
    pub name: Option<String>,
    /// Follow the execution to its end, print each state and a summary, and exit non-zero
    /// unless it succeeded. `--local` always waits.
    #[arg(long)]
    pub wait: bool,
    /// Run the same state machines on this machine: AutoGluon trains in a local Python
    /// environment, S3 URIs map to a local directory, endpoints are local HTTP servers.
    #[arg(long)]
    pub local: bool,
    #[command(flatten)]
    pub local_options: crate::local::Options,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    if args.local {
        return crate::local::run(&args, global);
    }
    run_on_aws(args, global)
}

#[cfg(feature = "aws")]
fn run_on_aws(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    crate::aws::run::run(&args, global)
}

#[cfg(not(feature = "aws"))]
fn run_on_aws(_args: Args, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this automl was built without AWS support (--no-default-features); \
         use `automl run --local`, or rebuild with default features"
    )
}
