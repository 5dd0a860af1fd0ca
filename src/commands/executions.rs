//! `automl executions`: list executions of the main machine.

use super::Global;
use crate::stack::MachineId;
use std::process::ExitCode;

/// List the executions of the stack's Main state machine (or --machine), newest first.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only executions in this state.
    #[arg(long, value_enum, ignore_case = true)]
    pub status: Option<ExecutionStatus>,
    /// Which state machine.
    #[arg(long, value_enum, ignore_case = true, default_value = "main")]
    pub machine: MachineId,
    /// At most this many.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub max: u32,
}

/// Step Functions execution states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl ExecutionStatus {
    /// The name the Step Functions API uses.
    pub fn api_name(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
        }
    }
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    crate::aws::status::executions(&args, global)
}
