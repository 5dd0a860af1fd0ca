//! `automl deploy`: upload assets and create or update the stack through a change set.

use super::Global;
use std::process::ExitCode;

/// Upload assets, then create or update the stack through a change set.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`automl deploy` is not built yet")
}
