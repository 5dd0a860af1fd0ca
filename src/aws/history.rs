//! Step Functions execution history -> [`report::Event`]s: each state as it enters and
//! leaves, failures with their error and cause in plain words, and the nested Train and
//! Deploy executions a `states:startExecution.sync:2` task starts. Pure: it reads events
//! in the GetExecutionHistory API's own JSON shape, so recorded histories are its test
//! fixtures; the SDK's events are converted to that shape first ([`from_sdk`]).

use crate::sfn::{Event, ExecutionStatus};
use serde_json::{Map, Value};

/// One history event: id, type, time (seconds since the epoch) and its details object
/// (`stateEnteredEventDetails`, `taskFailedEventDetails`, ...).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordedEvent {
    pub(crate) id: i64,
    pub(crate) kind: String,
    pub(crate) timestamp: f64,
    pub(crate) details: Value,
}

impl RecordedEvent {
    #[cfg(test)] // only the tests read it
    /// Reads one element of GetExecutionHistory's `events`.
    pub(crate) fn from_api_json(event: &Value) -> RecordedEvent {
        let details = event
            .as_object()
            .and_then(|o| {
                o.iter()
                    .find(|(k, _)| k.ends_with("EventDetails"))
                    .map(|(_, v)| v.clone())
            })
            .unwrap_or(Value::Null);
        RecordedEvent {
            id: event["id"].as_i64().unwrap_or(0),
            kind: event["type"].as_str().unwrap_or_default().to_string(),
            timestamp: event["timestamp"].as_f64().unwrap_or(0.0),
            details,
        }
    }

    /// Back into the API's JSON shape, for the report's readers of a history (they find
    /// the details by the `EventDetails` suffix of its key).
    pub(crate) fn to_api_json(&self) -> Value {
        let mut kind = self.kind.clone();
        if let Some(first) = kind.get(..1) {
            kind.replace_range(..1, &first.to_ascii_lowercase());
        }
        serde_json::json!({
            "id": self.id,
            "type": self.kind,
            "timestamp": self.timestamp,
            format!("{kind}EventDetails"): self.details,
        })
    }

    fn text(&self, field: &str) -> Option<&str> {
        self.details.get(field).and_then(Value::as_str)
    }
}

/// Converts an SDK event into the API's JSON shape (the fields this module reads).
pub(crate) fn from_sdk(event: &aws_sdk_sfn::types::HistoryEvent) -> RecordedEvent {
    let mut details = Map::new();
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(value) = value {
            details.insert(key.to_string(), Value::String(value.to_string()));
        }
    };
    if let Some(d) = &event.execution_started_event_details {
        put("input", d.input.as_deref());
    }
    if let Some(d) = &event.execution_succeeded_event_details {
        put("output", d.output.as_deref());
    }
    if let Some(d) = &event.execution_failed_event_details {
        put("error", d.error.as_deref());
        put("cause", d.cause.as_deref());
    }
    if let Some(d) = &event.execution_aborted_event_details {
        put("error", d.error.as_deref());
        put("cause", d.cause.as_deref());
    }
    if let Some(d) = &event.execution_timed_out_event_details {
        put("error", d.error.as_deref());
        put("cause", d.cause.as_deref());
    }
    if let Some(d) = &event.state_entered_event_details {
        put("name", Some(&d.name));
        put("input", d.input.as_deref());
    }
    if let Some(d) = &event.state_exited_event_details {
        put("name", Some(&d.name));
        put("output", d.output.as_deref());
    }
    if let Some(d) = &event.task_scheduled_event_details {
        put("resourceType", Some(&d.resource_type));
        put("resource", Some(&d.resource));
    }
    if let Some(d) = &event.task_submitted_event_details {
        put("resourceType", Some(&d.resource_type));
        put("resource", Some(&d.resource));
        put("output", d.output.as_deref());
    }
    if let Some(d) = &event.task_succeeded_event_details {
        put("resourceType", Some(&d.resource_type));
        put("resource", Some(&d.resource));
        put("output", d.output.as_deref());
    }
    macro_rules! failed {
        ($($field:ident),*) => {$(
            if let Some(d) = &event.$field {
                put("error", d.error.as_deref());
                put("cause", d.cause.as_deref());
            }
        )*};
    }
    failed!(
        task_failed_event_details,
        task_timed_out_event_details,
        task_start_failed_event_details,
        task_submit_failed_event_details,
        lambda_function_failed_event_details,
        lambda_function_timed_out_event_details,
        lambda_function_start_failed_event_details,
        lambda_function_schedule_failed_event_details,
        activity_failed_event_details,
        activity_timed_out_event_details,
        activity_schedule_failed_event_details,
        map_run_failed_event_details,
        evaluation_failed_event_details
    );
    RecordedEvent {
        id: event.id,
        kind: event.r#type.as_str().to_string(),
        timestamp: event.timestamp.as_secs_f64(),
        details: Value::Object(details),
    }
}

/// `Main`, `Train` or `Deploy` for the ARN of a machine or execution of this stack
/// (CloudFormation names machines `<stack>-<LogicalId>-<suffix>`), else the machine name.
pub(crate) fn machine_label(arn: &str) -> String {
    let parts: Vec<&str> = arn.split(':').collect();
    let machine = match parts
        .iter()
        .position(|p| *p == "execution" || *p == "stateMachine" || *p == "express")
    {
        Some(i) => parts.get(i + 1).copied().unwrap_or(arn),
        None => arn,
    };
    for id in crate::stack::MachineId::ALL {
        if machine.contains(id.logical_id()) {
            return id.name().to_string();
        }
    }
    machine.to_string()
}

/// The execution name at the end of an execution ARN.
pub(crate) fn execution_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

/// Follows one execution's history, event by event.
#[derive(Debug, Clone)]
pub(crate) struct Translator {
    pub(crate) depth: usize,
    pub(crate) machine: String,
    pub(crate) name: String,
    pub(crate) arn: String,
    /// The state entered and not yet left.
    open: Option<String>,
    /// The last task failure in the open state (cleared when a retry is scheduled).
    pending: Option<(String, String)>,
    /// The input of the latest state entered: the data a failed execution had.
    pub(crate) last_input: Option<Value>,
    pub(crate) output: Option<Value>,
    pub(crate) status: Option<ExecutionStatus>,
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
    /// Executions started by this one's `startExecution` tasks, not yet taken.
    pub(crate) children: Vec<String>,
    known_children: Vec<String>,
    /// The SageMaker training job a `createTrainingJob.sync` task submitted and that has
    /// not ended yet: its progress is worth following.
    pub(crate) training_job: Option<String>,
}

impl Translator {
    pub(crate) fn new(depth: usize, arn: &str) -> Translator {
        Translator {
            depth,
            machine: machine_label(arn),
            name: execution_name(arn).to_string(),
            arn: arn.to_string(),
            open: None,
            pending: None,
            last_input: None,
            output: None,
            status: None,
            error: None,
            cause: None,
            children: Vec::new(),
            known_children: Vec::new(),
            training_job: None,
        }
    }

    /// The events one history event means (often none).
    pub(crate) fn feed(&mut self, event: &RecordedEvent) -> Vec<Event> {
        let depth = self.depth;
        let machine = self.machine.clone();
        let kind = event.kind.as_str();
        let mut out = Vec::new();
        match kind {
            "ExecutionStarted" => {
                self.last_input = event.text("input").and_then(parse);
                out.push(Event::ExecutionStarted {
                    depth,
                    machine,
                    name: self.name.clone(),
                    arn: self.arn.clone(),
                });
            }
            _ if kind.ends_with("StateEntered") => {
                let state = event.text("name").unwrap_or("?").to_string();
                self.open = Some(state.clone());
                self.pending = None;
                if let Some(input) = event.text("input").and_then(parse) {
                    self.last_input = Some(input);
                }
                out.push(Event::StateEntered {
                    depth,
                    machine,
                    state,
                });
            }
            _ if kind.ends_with("StateExited") => {
                let state = event.text("name").unwrap_or("?").to_string();
                self.open = None;
                self.training_job = None;
                match self.pending.take() {
                    // A failure caught by a Catch: the state failed, the flow goes on.
                    Some((error, cause)) => out.push(Event::StateFailed {
                        depth,
                        machine,
                        state,
                        error,
                        cause,
                    }),
                    None => out.push(Event::StateSucceeded {
                        depth,
                        machine,
                        state,
                    }),
                }
            }
            "TaskScheduled" | "LambdaFunctionScheduled" | "ActivityScheduled" => {
                self.pending = None
            }
            "TaskSubmitted" | "TaskSucceeded" => {
                let trains = event.text("resourceType") == Some("sagemaker")
                    && event
                        .text("resource")
                        .is_some_and(|r| r.starts_with("createTrainingJob"));
                if trains {
                    self.training_job = match kind {
                        // The submission's output is CreateTrainingJob's: the job's ARN,
                        // `arn:aws:sagemaker:<region>:<account>:training-job/<name>`.
                        "TaskSubmitted" => event.text("output").and_then(parse).and_then(|o| {
                            let arn = o.get("TrainingJobArn")?.as_str()?;
                            Some(arn.rsplit('/').next()?.to_string())
                        }),
                        _ => None,
                    };
                }
                let starts_execution = event.text("resourceType") == Some("states")
                    && event
                        .text("resource")
                        .is_some_and(|r| r.starts_with("startExecution"));
                if starts_execution {
                    let child = event.text("output").and_then(parse).and_then(|o| {
                        o.get("ExecutionArn")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    });
                    if let Some(child) = child {
                        if !self.known_children.contains(&child) {
                            self.known_children.push(child.clone());
                            self.children.push(child);
                        }
                    }
                }
            }
            "ExecutionSucceeded" => {
                self.output = event.text("output").and_then(parse);
                self.status = Some(ExecutionStatus::Succeeded);
                out.push(Event::ExecutionEnded {
                    depth,
                    machine,
                    status: ExecutionStatus::Succeeded,
                    error: None,
                    cause: None,
                });
            }
            // RedriveExecution: the ended execution runs again, its history going on.
            "ExecutionRedriven" => {
                self.status = None;
                self.error = None;
                self.cause = None;
                out.push(Event::ExecutionStarted {
                    depth,
                    machine,
                    name: self.name.clone(),
                    arn: self.arn.clone(),
                });
            }
            "ExecutionFailed" | "ExecutionAborted" | "ExecutionTimedOut" => {
                let status = match kind {
                    "ExecutionFailed" => ExecutionStatus::Failed,
                    "ExecutionAborted" => ExecutionStatus::Aborted,
                    _ => ExecutionStatus::TimedOut,
                };
                let (error, cause) = plain_failure(event.text("error"), event.text("cause"));
                if let Some(state) = self.open.take() {
                    let (state_error, state_cause) = self
                        .pending
                        .take()
                        .unwrap_or_else(|| (error.clone(), cause.clone()));
                    out.push(Event::StateFailed {
                        depth,
                        machine: machine.clone(),
                        state,
                        error: state_error,
                        cause: state_cause,
                    });
                }
                self.training_job = None;
                self.status = Some(status);
                self.error = Some(error.clone());
                self.cause = Some(cause.clone());
                out.push(Event::ExecutionEnded {
                    depth,
                    machine,
                    status,
                    error: Some(error),
                    cause: Some(cause),
                });
            }
            _ if is_failure(kind) => {
                self.training_job = None;
                self.pending = Some(plain_failure(event.text("error"), event.text("cause")));
            }
            _ => {}
        }
        out
    }
}

fn is_failure(kind: &str) -> bool {
    kind.ends_with("Failed") || kind.ends_with("TimedOut")
}

fn parse(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

/// An error and cause in plain words. Causes of `.sync` tasks are JSON: a nested
/// execution's description (its own Error and Cause, unwrapped) or a SageMaker job's
/// (its FailureReason).
pub(crate) fn plain_failure(error: Option<&str>, cause: Option<&str>) -> (String, String) {
    let mut error = error.unwrap_or("").to_string();
    let mut cause = cause.unwrap_or("").to_string();
    for _ in 0..4 {
        let Some(Value::Object(inner)) = parse(&cause) else {
            break;
        };
        if let Some(reason) = inner.get("FailureReason").and_then(Value::as_str) {
            let what = ["TrainingJobName", "TransformJobName", "EndpointName"]
                .iter()
                .find_map(|k| {
                    inner
                        .get(*k)
                        .and_then(Value::as_str)
                        .map(|n| format!("{n}: "))
                })
                .unwrap_or_default();
            cause = format!("{what}{reason}");
            break;
        }
        match (
            inner.get("Error").and_then(Value::as_str),
            inner.get("Cause").and_then(Value::as_str),
        ) {
            (Some(e), c) => {
                error = e.to_string();
                cause = c.unwrap_or("").to_string();
            }
            (None, Some(c)) => cause = c.to_string(),
            (None, None) => break,
        }
    }
    if error.is_empty() {
        error = "Error".into();
    }
    if cause.chars().count() > 600 {
        cause = cause.chars().take(600).collect::<String>() + "…";
    }
    (error, cause)
}

#[cfg(test)] // only the tests read it
/// Builds the API JSON shape of an event, for tests and fixtures.
pub(crate) fn api_event(id: i64, kind: &str, details_key: &str, details: Value) -> Value {
    serde_json::json!({ "id": id, "type": kind, "timestamp": id as f64, details_key: details })
}

/// A recorded history from `tests/fixtures/aws-history/`, for the tests here and in `run`.
#[cfg(test)]
pub(crate) fn fixture(name: &str) -> Vec<RecordedEvent> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/aws-history")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: Value = serde_json::from_str(&text).unwrap();
    value["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(RecordedEvent::from_api_json)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                Event::ExecutionStarted { depth, machine, .. } => {
                    format!("{depth} {machine} started")
                }
                Event::StateEntered {
                    depth,
                    machine,
                    state,
                } => format!("{depth} {machine} > {state}"),
                Event::StateSucceeded {
                    depth,
                    machine,
                    state,
                } => format!("{depth} {machine} ok {state}"),
                Event::StateFailed {
                    depth,
                    machine,
                    state,
                    error,
                    ..
                } => format!("{depth} {machine} FAILED {state} {error}"),
                Event::ExecutionEnded {
                    depth,
                    machine,
                    status,
                    ..
                } => format!("{depth} {machine} ended {status:?}"),
                Event::TaskProgress { text } => format!("progress {text}"),
            })
            .collect()
    }

    #[test]
    fn labels_and_names_come_from_arns() {
        let arn = "arn:aws:states:eu-west-1:123456789012:execution:automl-TrainStateMachine-AbC123:run-1-train";
        assert_eq!(machine_label(arn), "Train");
        assert_eq!(execution_name(arn), "run-1-train");
        assert_eq!(
            machine_label("arn:aws:states:eu-west-1:1:stateMachine:other"),
            "other"
        );
    }

    #[test]
    fn a_rejected_model_ends_in_the_fail_state_with_its_cause() {
        let mut t = Translator::new(
            0,
            "arn:aws:states:eu-west-1:123456789012:execution:automl-MainStateMachine-X:run-1",
        );
        let events: Vec<Event> = fixture("main-rejected.json")
            .iter()
            .flat_map(|e| t.feed(e))
            .collect();
        let got = lines(&events);
        assert_eq!(
            got,
            [
                "0 Main started",
                "0 Main > ShouldTrain",
                "0 Main ok ShouldTrain",
                "0 Main > TrainModel",
                "0 Main ok TrainModel",
                "0 Main > UseTrainedModel",
                "0 Main ok UseTrainedModel",
                "0 Main > ShouldEvaluate",
                "0 Main ok ShouldEvaluate",
                "0 Main > EvaluateModel",
                "0 Main ok EvaluateModel",
                "0 Main > IsModelGoodEnough",
                "0 Main ok IsModelGoodEnough",
                "0 Main > ModelRejected",
                "0 Main FAILED ModelRejected ModelRejected",
                "0 Main ended Failed",
            ]
        );
        assert_eq!(t.status, Some(ExecutionStatus::Failed));
        assert!(t.cause.as_deref().unwrap().contains("scored below"));
        // The last state's input has the evaluation, for the summary.
        assert_eq!(
            t.last_input
                .as_ref()
                .unwrap()
                .pointer("/Evaluation/IsValid"),
            Some(&json!(false))
        );
        assert_eq!(t.children, ["arn:aws:states:eu-west-1:123456789012:execution:automl-TrainStateMachine-Y:run-1-train"]);
    }

    #[test]
    fn a_failed_training_job_reads_as_its_failure_reason() {
        let mut t = Translator::new(1, "arn:aws:states:eu-west-1:123456789012:execution:automl-TrainStateMachine-Y:run-2-train");
        let events: Vec<Event> = fixture("train-failed.json")
            .iter()
            .flat_map(|e| t.feed(e))
            .collect();
        let failed = events.iter().find_map(|e| match e {
            Event::StateFailed {
                state,
                error,
                cause,
                ..
            } => Some((state.clone(), error.clone(), cause.clone())),
            _ => None,
        });
        let (state, error, cause) = failed.expect("a failed state");
        assert_eq!(state, "TrainModel");
        assert_eq!(error, "States.TaskFailed");
        assert_eq!(
            cause,
            "automl-run-2: AlgorithmError: KeyError: 'y' (label column not in the training data)"
        );
        assert_eq!(t.status, Some(ExecutionStatus::Failed));
    }

    #[test]
    fn retried_failures_do_not_fail_the_state() {
        let mut t = Translator::new(
            0,
            "arn:aws:states:r:1:execution:automl-DeployStateMachine-Z:x",
        );
        let feed = [
            api_event(
                1,
                "ExecutionStarted",
                "executionStartedEventDetails",
                json!({"input": "{}"}),
            ),
            api_event(
                2,
                "TaskStateEntered",
                "stateEnteredEventDetails",
                json!({"name": "CreateEndpoint", "input": "{}"}),
            ),
            api_event(
                3,
                "TaskScheduled",
                "taskScheduledEventDetails",
                json!({"resourceType": "sagemaker", "resource": "createEndpoint"}),
            ),
            api_event(
                4,
                "TaskFailed",
                "taskFailedEventDetails",
                json!({"error": "SageMaker.ThrottlingException", "cause": "Rate exceeded"}),
            ),
            api_event(
                5,
                "TaskScheduled",
                "taskScheduledEventDetails",
                json!({"resourceType": "sagemaker", "resource": "createEndpoint"}),
            ),
            api_event(
                6,
                "TaskSucceeded",
                "taskSucceededEventDetails",
                json!({"resourceType": "sagemaker", "resource": "createEndpoint", "output": "{}"}),
            ),
            api_event(
                7,
                "TaskStateExited",
                "stateExitedEventDetails",
                json!({"name": "CreateEndpoint", "output": "{}"}),
            ),
        ];
        let events: Vec<Event> = feed
            .iter()
            .map(RecordedEvent::from_api_json)
            .flat_map(|e| t.feed(&e))
            .collect();
        assert_eq!(
            lines(&events),
            [
                "0 Deploy started",
                "0 Deploy > CreateEndpoint",
                "0 Deploy ok CreateEndpoint"
            ]
        );
    }

    #[test]
    fn nested_execution_causes_are_unwrapped() {
        let child = json!({
            "ExecutionArn": "arn:aws:states:r:1:execution:automl-DeployStateMachine-Z:x-deploy",
            "Status": "FAILED",
            "Error": "EndpointCreationFailed",
            "Cause": "The image for the model could not be pulled",
        })
        .to_string();
        let (error, cause) = plain_failure(Some("States.TaskFailed"), Some(&child));
        assert_eq!(error, "EndpointCreationFailed");
        assert_eq!(cause, "The image for the model could not be pulled");
        assert_eq!(
            plain_failure(None, Some("plain")),
            ("Error".to_string(), "plain".to_string())
        );
    }
}
