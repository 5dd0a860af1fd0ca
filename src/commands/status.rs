//! `automl status`: follow one execution.

use super::Global;
use std::process::ExitCode;

/// Show one execution (default: the latest) and its states.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`automl status` is not built yet")
}
