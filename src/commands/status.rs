//! `automl status`: follow one execution.

use super::Global;
use std::process::ExitCode;

/// Show one execution of the Main machine (default: the latest): its states, the nested
/// Train and Deploy executions, and the summary (model, scores and verdict, endpoint or
/// batch output). Exits non-zero when the execution failed.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Execution name (as given to `automl run --name`) or ARN.
    pub execution: Option<String>,
    /// Follow the execution until it ends.
    #[arg(long)]
    pub wait: bool,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    crate::aws::status::status(&args, global)
}
