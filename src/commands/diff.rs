//! `automl diff`: what a deploy would change, from a change set that is then deleted.

use super::Global;
use std::process::ExitCode;

/// Show what a deploy would change.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`automl diff` is not built yet")
}
