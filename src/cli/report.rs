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
/// On AWS it reads the execution's history and its Train and Deploy executions'
/// (states:GetExecutionHistory) and the training job's output.tar.gz (s3:GetObject).
///
/// Example: `automl report --local` (the latest local run), `automl report penguins --local -o penguins.html`,
/// `automl report run-20240501-120000-3f2a` (an execution of the deployed stack).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Execution name (as given to `automl run --name`), or on AWS an execution ARN.
    execution: Option<String>,
    /// An execution of the local runner (`automl run --local`).
    #[arg(long)]
    local: bool,
    /// Where to write the HTML [default: <state-dir>/executions/<name>/report.html with
    /// --local, else <name>.report.html].
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    local_options: LocalArgs,
}

pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    if !args.local {
        return on_aws(args, global, out);
    }
    let request = crate::local::results::ReportRequest {
        execution: args.execution,
        output: args.output,
    };
    let written = crate::local::results::write_report(&args.local_options.into_config(), &request)?;
    out.result(&written);
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "aws")]
fn on_aws(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    let request = crate::aws::report::ReportRequest {
        execution: args.execution,
        output: args.output,
    };
    let written = crate::aws::report::report(&global.aws(), &request, out)?;
    out.result(&written);
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "aws"))]
fn on_aws(_args: Args, _global: &Global, _out: &mut Output) -> anyhow::Result<ExitCode> {
    Err(super::no_aws("report"))
}
