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
pub(crate) fn run(_args: Args, _global: &Global, _out: &mut Output) -> anyhow::Result<ExitCode> {
    Err(super::no_aws("executions"))
}
