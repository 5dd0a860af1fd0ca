//! `automl run`: validate an input, start an execution on AWS (or locally with --local) and follow it.

use super::Global;
use std::process::ExitCode;

/// Validate an input and start the workflow on AWS or locally.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`automl run` is not built yet")
}
