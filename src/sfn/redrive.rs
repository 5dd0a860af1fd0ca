//! Redrive (RedriveExecution): where an unsuccessful execution continues, read from its
//! recorded history.
//!
//! Step Functions "continues the failed execution from the unsuccessful step and uses the
//! same input"; it "preserves the results and execution history of the successful steps",
//! which are not rerun, and redriven executions keep their ARN and append their events to
//! the existing history (botocore stepfunctions service-2.json, RedriveExecution's
//! documentation). A state is unsuccessful when its `<stateType>Entered` event has no
//! `<stateType>Exited` event (AWS Step Functions Developer Guide, "Redriving Map Runs":
//! "A parent workflow redrives unsuccessful states if there's no <stateType>Exited event
//! corresponding to the <stateType>Entered event"). The redrive itself is recorded as an
//! `ExecutionRedriven` event with `executionRedrivenEventDetails.redriveCount` (botocore:
//! `HistoryEventType` and `ExecutionRedrivenEventDetails`).

use super::history::HistoryEvent;
use serde_json::Value;

/// Where a redriven execution continues.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RedrivePoint {
    /// The state entered and never left; `None` when the history shows none (a run killed
    /// before its history was written): the execution starts again at `StartAt`.
    pub(crate) state: Option<String>,
    /// That state's input as it was entered (the execution's input for `StartAt`).
    pub(crate) input: Option<Value>,
    /// How often it was redriven before.
    pub(crate) redrive_count: u32,
}

/// Why an execution cannot be redriven, in AWS's `redriveStatusReason` words where it has
/// them (botocore: DescribeExecutionOutput `redriveStatusReason`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NotRedrivable {
    Succeeded,
    Running,
}

impl std::fmt::Display for NotRedrivable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotRedrivable::Succeeded => write!(f, "Execution is SUCCEEDED and cannot be redriven."),
            NotRedrivable::Running => write!(f, "Execution is RUNNING and cannot be redriven."),
        }
    }
}

/// The point an execution with this history continues from.
pub(crate) fn redrive_point(events: &[HistoryEvent]) -> Result<RedrivePoint, NotRedrivable> {
    let mut open: Option<(String, Option<Value>)> = None;
    let mut ended = false;
    let mut redrive_count = 0;
    for event in events {
        let kind = event.kind.as_str();
        match kind {
            "ExecutionSucceeded" => return Err(NotRedrivable::Succeeded),
            "ExecutionFailed" | "ExecutionAborted" | "ExecutionTimedOut" => ended = true,
            "ExecutionRedriven" => {
                ended = false;
                redrive_count = event
                    .details
                    .get("executionRedrivenEventDetails")
                    .and_then(|d| d.get("redriveCount"))
                    .and_then(Value::as_u64)
                    .unwrap_or(redrive_count as u64 + 1) as u32;
            }
            _ if kind.ends_with("StateEntered") => {
                let details = event.details.get("stateEnteredEventDetails");
                let name = details
                    .and_then(|d| d.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let input = details
                    .and_then(|d| d.get("input"))
                    .and_then(Value::as_str)
                    .and_then(|text| serde_json::from_str(text).ok());
                open = Some((name, input));
            }
            _ if kind.ends_with("StateExited") => open = None,
            _ => {}
        }
    }
    if !ended && !events.is_empty() {
        return Err(NotRedrivable::Running);
    }
    let (state, input) = match open {
        Some((state, input)) => (Some(state), input),
        None => (None, None),
    };
    Ok(RedrivePoint {
        state,
        input,
        redrive_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sfn::history::History;
    use serde_json::json;

    #[test]
    fn the_state_entered_and_never_left_is_where_a_redrive_continues() {
        let mut history = History::default();
        history.execution_started(&json!({"a": 1}), "r", "m");
        history.state_entered("Pass", "P", &json!({"a": 1}));
        history.state_exited("Pass", "P", &json!({"b": 2}));
        history.state_entered("Task", "T", &json!({"b": 2}));
        history.task_failed("arn:aws:states:::x", "E", "c", false);
        history.execution_failed(Some("E"), Some("c"));
        let point = redrive_point(&history.events).unwrap();
        assert_eq!(point.state.as_deref(), Some("T"));
        assert_eq!(point.input, Some(json!({"b": 2})));
        assert_eq!(point.redrive_count, 0);
        history.execution_redriven(1);
        assert_eq!(
            redrive_point(&history.events),
            Err(NotRedrivable::Running),
            "a redrive under way"
        );
        history.state_entered("Task", "T", &json!({"b": 2}));
        history.execution_aborted("States.Aborted", "stopped");
        assert_eq!(redrive_point(&history.events).unwrap().redrive_count, 1);
        history.execution_succeeded(&json!({}));
        assert_eq!(
            redrive_point(&history.events),
            Err(NotRedrivable::Succeeded)
        );
        // A killed run's history has no state: from the start.
        let mut killed = History::default();
        killed.execution_started(&json!({}), "r", "m");
        killed.execution_aborted("States.Aborted", "killed");
        assert_eq!(redrive_point(&killed.events).unwrap().state, None);
    }
}
