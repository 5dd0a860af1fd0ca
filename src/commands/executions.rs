//! `automl executions`: list executions of the main machine.

use super::Global;
use std::process::ExitCode;

/// List executions of the main state machine.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`automl executions` is not built yet")
}
