//! `automl diff`: what a deploy would change, from a change set that is then deleted.

use super::output::Output;
use super::settings::SettingsArgs;
use super::Global;
use std::process::ExitCode;

/// Show what `automl deploy` with the same flags would change (from a change set that is
/// then deleted; nothing is uploaded unless the template is too large to send inline).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    settings: SettingsArgs,
}

#[cfg(feature = "aws")]
pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    let report = crate::aws::deploy::diff(&global.aws(), &args.settings.into_settings(), out)?;
    out.finish();
    out.result(&report);
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "aws"))]
pub(crate) fn run(_args: Args, _global: &Global, _out: &mut Output) -> anyhow::Result<ExitCode> {
    Err(super::no_aws("diff"))
}
