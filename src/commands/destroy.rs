//! `automl destroy`: empty the stack's bucket and delete the stack.

use super::Global;
use std::process::ExitCode;

/// Delete the stack and everything it owns.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`automl destroy` is not built yet")
}
