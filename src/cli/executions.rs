//! `automl executions`: list executions of the main machine.

use super::output::Output;
use super::Global;
use crate::sfn::ExecutionStatus;
use crate::stack::MachineId;
use std::process::ExitCode;

/// List the executions of the stack's Main state machine (or --machine), newest first.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Only executions in this state.
    #[arg(long, ignore_case = true, value_parser = parse_status)]
    status: Option<ExecutionStatus>,
    /// Which state machine.
    #[arg(long, ignore_case = true, default_value = "main", value_parser = parse_machine)]
    machine: MachineId,
    /// At most this many.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    max: u32,
    /// The executions `run --local` recorded in the state directory (every machine; runs
    /// whose automl process was killed are recorded ABORTED first).
    #[arg(long)]
    local: bool,
    #[command(flatten)]
    state: super::local::StateArgs,
}

/// `executions --local`: the local records, as a table or JSON.
fn run_local(args: &Args, out: &mut Output) -> anyhow::Result<ExitCode> {
    let store = crate::local::store::Store::new(args.state.state_dir.clone());
    let rows: Vec<_> = crate::local::executions::list(&store)
        .into_iter()
        .filter(|row| {
            args.status
                .is_none_or(|status| row.status == status.api_name())
        })
        .take(args.max as usize)
        .collect();
    if out.json() {
        out.stdout(serde_json::to_value(&rows).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        out.stderr(format!(
            "no local executions in {}",
            store.executions_dir().display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
    out.stdout(format!(
        "{:<width$}  {:<9}  {:<24}  PARENT",
        "NAME", "STATUS", "STARTED"
    ));
    for row in &rows {
        out.stdout(format!(
            "{:<width$}  {:<9}  {:<24}  {}",
            row.name,
            row.status,
            row.start_date.as_deref().unwrap_or("-"),
            row.parent_execution.as_deref().unwrap_or("-"),
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// `running`, `timed-out`, `TIMED_OUT`, ...: the Step Functions status names.
fn parse_status(text: &str) -> Result<ExecutionStatus, String> {
    let wanted = text.replace('-', "_").to_ascii_uppercase();
    ExecutionStatus::ALL
        .into_iter()
        .find(|status| status.api_name() == wanted)
        .ok_or_else(|| "use running, succeeded, failed, timed-out or aborted".to_string())
}

fn parse_machine(text: &str) -> Result<MachineId, String> {
    MachineId::from_name(text).ok_or_else(|| "use main, train or deploy".to_string())
}

#[cfg(feature = "aws")]
pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    if args.local {
        return run_local(&args, out);
    }
    let request = crate::aws::status::ExecutionsRequest {
        machine: args.machine,
        status: args.status,
        max: args.max,
    };
    let list = crate::aws::status::executions(&global.aws(), &request)?;
    if list.executions.is_empty() && !out.json() {
        out.stderr(list.empty_note());
    } else {
        out.result(&list);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "aws"))]
pub(crate) fn run(args: Args, _global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    if args.local {
        return run_local(&args, out);
    }
    Err(super::no_aws("executions"))
}
