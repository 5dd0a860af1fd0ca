//! `automl invoke`: send rows to a deployed (or local) endpoint and print predictions.

use super::Global;
use std::process::ExitCode;

/// Send CSV or JSON rows to an endpoint and print its predictions.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`automl invoke` is not built yet")
}
