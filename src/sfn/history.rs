//! An execution's history, event by event, in the shape `GetExecutionHistory` returns
//! (`id`, `previousEventId`, `timestamp`, `type`, and `<kind>EventDetails`), so what a
//! local run leaves behind reads like an AWS one.

use super::path::compact;
use super::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEvent {
    pub id: u64,
    pub previous_event_id: u64,
    pub timestamp: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct History {
    pub(crate) events: Vec<HistoryEvent>,
}

impl History {
    fn push(&mut self, kind: String, details_key: &str, details: Value) {
        let id = self.events.len() as u64 + 1;
        let mut map = Map::new();
        map.insert(details_key.to_string(), details);
        self.events.push(HistoryEvent {
            id,
            previous_event_id: id - 1,
            timestamp: Timestamp::now().to_rfc3339(),
            kind,
            details: map,
        });
    }

    /// An event without details (`ParallelStateStarted`, `MapStateSucceeded`, ...).
    pub(crate) fn plain(&mut self, kind: &str) {
        let id = self.events.len() as u64 + 1;
        self.events.push(HistoryEvent {
            id,
            previous_event_id: id - 1,
            timestamp: Timestamp::now().to_rfc3339(),
            kind: kind.to_string(),
            details: Map::new(),
        });
    }

    /// `MapStateStarted` with the number of items, as AWS records it (LocalStack's
    /// snapshot of AWS: test_base_scenarios.py::test_map_state_break_condition).
    pub(crate) fn map_state_started(&mut self, length: usize) {
        self.push(
            "MapStateStarted".into(),
            "mapStateStartedEventDetails",
            json!({"length": length}),
        );
    }

    /// `MapIterationStarted`, `MapIterationSucceeded` or `MapIterationFailed`: the Map
    /// state's name and the item's index (the same recording).
    pub(crate) fn map_iteration(&mut self, kind: &str, state: &str, index: usize) {
        let key = format!("m{}EventDetails", &kind[1..]);
        self.push(kind.into(), &key, json!({"index": index, "name": state}));
    }

    /// `MapRunStarted`: a Distributed Map's run of child executions.
    pub(crate) fn map_run_started(&mut self, map_run_arn: &str) {
        self.push(
            "MapRunStarted".into(),
            "mapRunStartedEventDetails",
            json!({"mapRunArn": map_run_arn}),
        );
    }

    /// `MapRunFailed`, with the error and cause of the Map state.
    pub(crate) fn map_run_failed(&mut self, error: &str, cause: &str) {
        self.push(
            "MapRunFailed".into(),
            "mapRunFailedEventDetails",
            json!({"error": error, "cause": cause}),
        );
    }

    pub(crate) fn execution_started(&mut self, input: &Value, role_arn: &str, machine_arn: &str) {
        self.push(
            "ExecutionStarted".into(),
            "executionStartedEventDetails",
            json!({
                "input": compact(input),
                "inputDetails": {"truncated": false},
                "roleArn": role_arn,
                "stateMachineArn": machine_arn,
            }),
        );
    }

    /// RedriveExecution: `executionRedrivenEventDetails.redriveCount` (botocore
    /// stepfunctions `ExecutionRedrivenEventDetails`), the redrive's number.
    pub(crate) fn execution_redriven(&mut self, redrive_count: u32) {
        self.push(
            "ExecutionRedriven".into(),
            "executionRedrivenEventDetails",
            json!({ "redriveCount": redrive_count }),
        );
    }

    pub(crate) fn execution_succeeded(&mut self, output: &Value) {
        self.push(
            "ExecutionSucceeded".into(),
            "executionSucceededEventDetails",
            json!({"output": compact(output), "outputDetails": {"truncated": false}}),
        );
    }

    /// A Fail state without `Error` (or `Cause`) leaves it out, as AWS records it.
    pub(crate) fn execution_failed(&mut self, error: Option<&str>, cause: Option<&str>) {
        let mut details = Map::new();
        if let Some(error) = error {
            details.insert("error".into(), json!(error));
        }
        if let Some(cause) = cause {
            details.insert("cause".into(), json!(cause));
        }
        self.push(
            "ExecutionFailed".into(),
            "executionFailedEventDetails",
            Value::Object(details),
        );
    }

    /// StopExecution (locally: an interrupt): `executionAbortedEventDetails`, as AWS.
    pub(crate) fn execution_aborted(&mut self, error: &str, cause: &str) {
        self.push(
            "ExecutionAborted".into(),
            "executionAbortedEventDetails",
            json!({"error": error, "cause": cause}),
        );
    }

    pub(crate) fn execution_timed_out(&mut self, error: &str, cause: &str) {
        self.push(
            "ExecutionTimedOut".into(),
            "executionTimedOutEventDetails",
            json!({"error": error, "cause": cause}),
        );
    }

    pub(crate) fn state_entered(&mut self, state_type: &str, name: &str, input: &Value) {
        self.push(
            format!("{state_type}StateEntered"),
            "stateEnteredEventDetails",
            json!({"name": name, "input": compact(input), "inputDetails": {"truncated": false}}),
        );
    }

    pub(crate) fn state_exited(&mut self, state_type: &str, name: &str, output: &Value) {
        self.push(
            format!("{state_type}StateExited"),
            "stateExitedEventDetails",
            json!({"name": name, "output": compact(output), "outputDetails": {"truncated": false}}),
        );
    }

    pub(crate) fn task_scheduled(
        &mut self,
        resource: &str,
        region: &str,
        parameters: &Value,
        timeout: Option<u64>,
        heartbeat: Option<u64>,
    ) {
        if is_lambda_function(resource) {
            let mut details = json!({
                "resource": resource,
                "input": compact(parameters),
                "inputDetails": {"truncated": false},
            });
            if let Some(timeout) = timeout {
                details["timeoutInSeconds"] = json!(timeout);
            }
            self.push(
                "LambdaFunctionScheduled".into(),
                "lambdaFunctionScheduledEventDetails",
                details,
            );
            return;
        }
        let (resource_type, resource) = split_resource(resource);
        let mut details = json!({
            "resourceType": resource_type,
            "resource": resource,
            "region": region,
            "parameters": compact(parameters),
        });
        if let Some(timeout) = timeout {
            details["timeoutInSeconds"] = json!(timeout);
        }
        if let Some(heartbeat) = heartbeat {
            details["heartbeatInSeconds"] = json!(heartbeat);
        }
        self.push("TaskScheduled".into(), "taskScheduledEventDetails", details);
    }

    pub(crate) fn task_started(&mut self, resource: &str) {
        if is_lambda_function(resource) {
            return self.plain("LambdaFunctionStarted");
        }
        let (resource_type, resource) = split_resource(resource);
        self.push(
            "TaskStarted".into(),
            "taskStartedEventDetails",
            json!({"resourceType": resource_type, "resource": resource}),
        );
    }

    pub(crate) fn task_succeeded(&mut self, resource: &str, output: &Value) {
        if is_lambda_function(resource) {
            return self.push(
                "LambdaFunctionSucceeded".into(),
                "lambdaFunctionSucceededEventDetails",
                json!({"output": compact(output), "outputDetails": {"truncated": false}}),
            );
        }
        let (resource_type, resource) = split_resource(resource);
        self.push(
            "TaskSucceeded".into(),
            "taskSucceededEventDetails",
            json!({"resourceType": resource_type, "resource": resource, "output": compact(output), "outputDetails": {"truncated": false}}),
        );
    }

    pub(crate) fn task_failed(
        &mut self,
        resource: &str,
        error: &str,
        cause: &str,
        timed_out: bool,
    ) {
        if is_lambda_function(resource) {
            let (kind, key) = if timed_out {
                (
                    "LambdaFunctionTimedOut",
                    "lambdaFunctionTimedOutEventDetails",
                )
            } else {
                ("LambdaFunctionFailed", "lambdaFunctionFailedEventDetails")
            };
            return self.push(kind.into(), key, json!({"error": error, "cause": cause}));
        }
        let (resource_type, resource) = split_resource(resource);
        let (kind, key) = if timed_out {
            ("TaskTimedOut", "taskTimedOutEventDetails")
        } else {
            ("TaskFailed", "taskFailedEventDetails")
        };
        self.push(
            kind.into(),
            key,
            json!({"resourceType": resource_type, "resource": resource, "error": error, "cause": cause}),
        );
    }
}

/// A Lambda function's own ARN as a Task's `Resource` (not the `lambda:invoke`
/// integration): AWS records its calls as `LambdaFunctionScheduled`, `...Started`,
/// `...Succeeded`, `...Failed` (LocalStack's snapshots of AWS: test_lambda_task.py,
/// test_task_lambda.py; the shapes are botocore's `LambdaFunction*EventDetails`).
fn is_lambda_function(resource: &str) -> bool {
    resource.starts_with("arn:")
        && resource.split(':').nth(2) == Some("lambda")
        && resource.split(':').nth(5) == Some("function")
}

/// `arn:aws:states:::sagemaker:createTrainingJob.sync` -> (`sagemaker`, `createTrainingJob.sync`).
fn split_resource(resource: &str) -> (String, String) {
    let tail = resource
        .strip_prefix("arn:")
        .and_then(|r| r.splitn(5, ':').nth(4))
        .unwrap_or(resource);
    // AWS SDK integrations keep their prefix in the type: `"resourceType": "aws-sdk:glue",
    // "resource": "startJobRun"` (histories recorded on AWS, e.g. LocalStack's snapshot
    // tests of SDK integrations).
    let (prefix, tail) = match tail.strip_prefix("aws-sdk:") {
        Some(rest) => ("aws-sdk:", rest),
        None => ("", tail),
    };
    match tail.split_once(':') {
        Some((service, action)) => (format!("{prefix}{service}"), action.to_string()),
        None => ("unknown".to_string(), tail.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_split_like_aws() {
        assert_eq!(
            split_resource("arn:aws:states:::sagemaker:createTrainingJob.sync"),
            ("sagemaker".into(), "createTrainingJob.sync".into())
        );
        assert_eq!(
            split_resource("arn:aws:states:::aws-sdk:sagemaker:describeEndpoint"),
            ("aws-sdk:sagemaker".into(), "describeEndpoint".into())
        );
        let mut history = History::default();
        history.execution_started(&json!({}), "r", "m");
        history.state_entered("Pass", "A", &json!({}));
        assert_eq!(history.events[1].id, 2);
        assert_eq!(history.events[1].previous_event_id, 1);
        let text = serde_json::to_string(&history.events[1]).unwrap();
        assert!(text.contains("\"type\":\"PassStateEntered\""), "{text}");
        assert!(text.contains("stateEnteredEventDetails"), "{text}");
    }
}
