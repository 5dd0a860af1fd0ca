//! `automl destroy`: empty the stack's bucket and delete the stack.

use super::output::Output;
use super::Global;
use std::process::ExitCode;

/// Delete the stack and everything it owns: its data bucket is emptied first (every
/// object version), other buckets (the assets bucket included) are never touched. Asks
/// first unless --yes.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    yes: bool,
    /// Also delete the SageMaker endpoints, endpoint configs and models this stack's
    /// executions created (found by their `automl:stack` tag).
    #[arg(long)]
    endpoints: bool,
    /// Stop the running executions of the stack's machines first (without it, destroy
    /// refuses while any runs: their SageMaker jobs would go on unattended).
    #[arg(long)]
    stop_executions: bool,
}

#[cfg(feature = "aws")]
pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    use std::io::{BufRead, IsTerminal};
    let request = crate::aws::destroy::DestroyRequest {
        endpoints: args.endpoints,
        stop_executions: args.stop_executions,
    };
    let yes = args.yes;
    // Asks on the terminal unless `--yes`; refuses to guess when no one can answer.
    let mut prompts = Output::new(false);
    let mut confirm = |question: &str| -> anyhow::Result<bool> {
        if yes {
            return Ok(true);
        }
        if !std::io::stdin().is_terminal() {
            anyhow::bail!("{question} — refusing without confirmation: stdin is not a terminal; pass --yes to delete");
        }
        prompts.prompt(format!("{question} [y/N] "));
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        Ok(matches!(
            answer.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    };
    let deleted = crate::aws::destroy::destroy(&global.aws(), &request, &mut confirm, out)?;
    Ok(super::exit(deleted))
}

#[cfg(not(feature = "aws"))]
pub(crate) fn run(_args: Args, _global: &Global, _out: &mut Output) -> anyhow::Result<ExitCode> {
    Err(super::no_aws("destroy"))
}
