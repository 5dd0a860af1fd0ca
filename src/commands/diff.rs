//! `automl diff`: what a deploy would change, from a change set that is then deleted.

use super::Global;
use std::process::ExitCode;

/// Show what `automl deploy` with the same flags would change (from a change set that is
/// then deleted; nothing is uploaded unless the template is too large to send inline).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub settings: crate::stack::Settings,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    crate::aws::deploy::diff(&args, global)
}
