//! What happens in an execution, as both runners (the interpreter here and the AWS
//! follower) report it: the one execution status, and the events a person or a script
//! follows while it runs.

use serde::Serialize;

/// How an execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl ExecutionStatus {
    /// Parses the Step Functions status names (anything else: still running).
    #[cfg_attr(not(feature = "aws"), allow(dead_code))] // used by the AWS follower only
    pub(crate) fn from_sfn(status: &str) -> ExecutionStatus {
        ExecutionStatus::ALL
            .into_iter()
            .find(|known| known.api_name() == status)
            .unwrap_or(ExecutionStatus::Running)
    }

    pub(crate) const ALL: [ExecutionStatus; 5] = [
        ExecutionStatus::Running,
        ExecutionStatus::Succeeded,
        ExecutionStatus::Failed,
        ExecutionStatus::TimedOut,
        ExecutionStatus::Aborted,
    ];

    /// The name the Step Functions API uses (`RUNNING`, `TIMED_OUT`, ...).
    pub(crate) fn api_name(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
        }
    }

    pub(crate) fn is_success(self) -> bool {
        self == ExecutionStatus::Succeeded
    }
}

/// Something that happened in an execution. `depth` is 0 for Main, 1 for the nested
/// Train and Deploy executions.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    ExecutionStarted {
        depth: usize,
        machine: String,
        name: String,
        arn: String,
    },
    StateEntered {
        depth: usize,
        machine: String,
        state: String,
    },
    StateSucceeded {
        depth: usize,
        machine: String,
        state: String,
    },
    StateFailed {
        depth: usize,
        machine: String,
        state: String,
        error: String,
        cause: String,
    },
    ExecutionEnded {
        depth: usize,
        machine: String,
        status: ExecutionStatus,
        error: Option<String>,
        cause: Option<String>,
    },
    /// What a running task's job says (a local training job: its log's path, then
    /// AutoGluon's progress, which model it fits).
    TaskProgress { text: String },
}
