//! The context object (`$$`): what an execution knows about itself — `Execution` (Id,
//! Name, Input, RoleArn, StartTime, RedriveCount), `State` (Name, EnteredTime, and
//! RetryCount in Task states) and `StateMachine` (Id, Name) — as Step Functions fills it.

use super::time::Timestamp;
use serde_json::{json, Value};

/// The fixed facts of one execution.
#[derive(Debug, Clone)]
pub struct ExecutionInfo {
    pub name: String,
    pub arn: String,
    pub machine_arn: String,
    pub machine_name: String,
    pub role_arn: String,
    pub start: Timestamp,
    pub input: Value,
    /// How often the execution was redriven (`$$.Execution.RedriveCount`).
    pub redrive_count: u32,
}

impl ExecutionInfo {
    /// Execution `e1` of machine `T`, started now with `input`: what the interpreter's
    /// own tests run under.
    #[cfg(test)]
    pub(crate) fn for_test(input: Value) -> Self {
        ExecutionInfo {
            name: "e1".into(),
            arn: "arn:aws:states:local:0:execution:T:e1".into(),
            machine_arn: "arn:aws:states:local:0:stateMachine:T".into(),
            machine_name: "T".into(),
            role_arn: "arn:aws:iam::0:role/r".into(),
            start: Timestamp::now(),
            input,
            redrive_count: 0,
        }
    }

    /// The context object while `state` runs (entered at `entered`). `retries`: how often a
    /// Task state has been retried; other states have no `State.RetryCount` (AWS gives it
    /// in Task states only: LocalStack's snapshot of AWS,
    /// test_base.py::test_query_context_object_values, a Pass state's `$$.State`).
    pub(crate) fn context(&self, state: &str, entered: Timestamp, retries: Option<u32>) -> Value {
        let mut context = json!({
            "Execution": {
                "Id": self.arn,
                "Input": self.input,
                "Name": self.name,
                "RoleArn": self.role_arn,
                "StartTime": self.start.to_rfc3339(),
                "RedriveCount": self.redrive_count,
            },
            "State": {
                "EnteredTime": entered.to_rfc3339(),
                "Name": state,
            },
            "StateMachine": {
                "Id": self.machine_arn,
                "Name": self.machine_name,
            },
        });
        if let Some(retries) = retries {
            context["State"]["RetryCount"] = json!(retries);
        }
        context
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_object() {
        let info = ExecutionInfo {
            name: "n".into(),
            arn: "arn:x".into(),
            machine_arn: "arn:m".into(),
            machine_name: "M".into(),
            role_arn: "arn:r".into(),
            start: Timestamp(0),
            input: serde_json::json!({"a": 1}),
            redrive_count: 0,
        };
        let ctx = info.context("S", Timestamp(0), Some(2));
        assert_eq!(ctx["Execution"]["Name"], "n");
        assert_eq!(ctx["State"]["RetryCount"], 2);
        let pass = info.context("P", Timestamp(0), None);
        assert!(pass["State"].get("RetryCount").is_none(), "{pass}");
        assert_eq!(ctx["Execution"]["StartTime"], "1970-01-01T00:00:00.000Z");
    }
}
