//! `automl report`: one self-contained HTML file about one execution.

use super::local::LocalArgs;
use super::output::Output;
use super::Global;
use std::path::PathBuf;
use std::process::ExitCode;

/// Write one self-contained HTML report of an execution (default: the latest): the
/// verdict, the test-set leaderboard and feature importance as charts, the confusion
/// matrix (classification) or predicted against actual and residuals (regression), the
/// data summary, and the timeline of every state with what it bills. The file loads
/// nothing from the network.
///
/// Example: `automl report --local` (the latest local run), `automl report penguins --local -o penguins.html`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Execution name (as given to `automl run --name`).
    execution: Option<String>,
    /// An execution of the local runner (`automl run --local`).
    #[arg(long)]
    local: bool,
    /// Where to write the HTML [default: <state-dir>/executions/<name>/report.html].
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    local_options: LocalArgs,
}

pub(crate) fn run(args: Args, _global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    if !args.local {
        anyhow::bail!(
            "`automl report` of an AWS execution is not built yet: report a local run with \
             `automl report --local [EXECUTION]`"
        );
    }
    let request = crate::local::results::ReportRequest {
        execution: args.execution,
        output: args.output,
    };
    let written = crate::local::results::write_report(&args.local_options.into_config(), &request)?;
    out.result(&written);
    Ok(ExitCode::SUCCESS)
}
