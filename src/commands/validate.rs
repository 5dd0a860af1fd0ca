//! `automl validate`: check an execution input against the contract, report every problem with its JSON path.

use super::Global;
use std::process::ExitCode;

/// Check an execution input file against the input contract.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`automl validate` is not built yet")
}
