//! `automl local ...`: manage the local runner's environment and endpoints.

use super::Global;
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create the local Python environment with AutoGluon for `run --local`.
    Setup {},
}

pub fn run(_command: Command, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`automl local` is not built yet")
}
