//! `automl destroy`: empty the stack's bucket and delete the stack.

use super::Global;
use std::process::ExitCode;

/// Delete the stack and everything it owns: its data bucket is emptied first (every
/// object version), other buckets (the assets bucket included) are never touched. Asks
/// first unless --yes.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Also delete the SageMaker endpoints, endpoint configs and models this stack's
    /// executions created (found by their `automl:stack` tag).
    #[arg(long)]
    pub endpoints: bool,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    crate::aws::destroy::destroy(&args, global)
}
