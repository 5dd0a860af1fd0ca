//! An execution's timeline, read from its history (GetExecutionHistory's JSON shape, which
//! local runs also write): each state with its start and duration, the nested Train and
//! Deploy executions indented under their parent, and what AWS bills for: the training
//! job's billable seconds × instances and the endpoint's instance-hours so far.

use super::execution::details;
use serde::Serialize;
use serde_json::Value;

/// How a state ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum StepOutcome {
    Succeeded,
    Failed,
    Running,
}

/// One state of one execution.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct Step {
    /// 0 for Main, 1 for the Train and Deploy executions it starts.
    pub(crate) depth: usize,
    pub(crate) machine: String,
    pub(crate) state: String,
    /// `Task`, `Choice`, `Pass`, ... (from the event type).
    pub(crate) kind: String,
    /// Seconds since the Unix epoch.
    pub(crate) started: f64,
    /// `None` while it runs.
    pub(crate) seconds: Option<f64>,
    pub(crate) outcome: StepOutcome,
}

/// What the training job bills: `BillableTimeInSeconds * InstanceCount`, the formula of
/// SageMaker's API reference (botocore `sagemaker/2017-07-24/service-2.json`, shape
/// `DescribeTrainingJobResponse`, member `BillableTimeInSeconds`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct TrainingBill {
    pub(crate) job: String,
    pub(crate) instance_type: Option<String>,
    pub(crate) instance_count: u64,
    pub(crate) billable_seconds: u64,
    pub(crate) instance_seconds: u64,
}

/// An endpoint's instance-hours from its `CreationTime` to `now`, with the instance count
/// `describeEndpoint` reported (`ProductionVariants[].CurrentInstanceCount`, botocore
/// shape `ProductionVariantSummary`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct EndpointHours {
    pub(crate) endpoint: String,
    pub(crate) instance_count: u64,
    pub(crate) created: f64,
    pub(crate) instance_hours: f64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub(crate) struct Timeline {
    pub(crate) started: Option<f64>,
    pub(crate) ended: Option<f64>,
    pub(crate) steps: Vec<Step>,
    pub(crate) training: Vec<TrainingBill>,
    pub(crate) endpoints: Vec<EndpointHours>,
}

/// One execution's history with its place in the tree.
pub(crate) struct History<'a> {
    pub(crate) depth: usize,
    pub(crate) machine: &'a str,
    /// `{"events": [...]}` or the bare array.
    pub(crate) events: &'a Value,
}

/// Seconds since the epoch: a number of seconds (history events) or of milliseconds (the
/// SageMaker integrations' outputs: no date in seconds reaches 1e11, year 5138), or an
/// RFC 3339 string (local histories).
pub(crate) fn timestamp(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n
            .as_f64()
            .map(|v| if v.abs() >= 1e11 { v / 1000.0 } else { v }),
        Value::String(text) => crate::sfn::time::Timestamp::parse(text).map(|i| i.0 as f64 / 1e9),
        _ => None,
    }
}

impl Timeline {
    /// Builds the timeline of an execution and its children; `now` closes running states
    /// and counts endpoint hours.
    pub(crate) fn from_histories(histories: &[History<'_>], now: f64) -> Timeline {
        let mut timeline = Timeline::default();
        for history in histories {
            let events = history
                .events
                .get("events")
                .unwrap_or(history.events)
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            timeline.read(history, events, now);
        }
        timeline
            .steps
            .sort_by(|a, b| a.started.total_cmp(&b.started).then(a.depth.cmp(&b.depth)));
        timeline
    }

    fn read(&mut self, history: &History<'_>, events: &[Value], now: f64) {
        let first = self.steps.len();
        for event in events {
            let kind = event["type"].as_str().unwrap_or_default();
            let Some(at) = timestamp(&event["timestamp"]) else {
                continue;
            };
            let details = details(event);
            if let Some(state_kind) = kind.strip_suffix("StateEntered") {
                self.steps.push(Step {
                    depth: history.depth,
                    machine: history.machine.to_string(),
                    state: details["name"].as_str().unwrap_or_default().to_string(),
                    kind: state_kind.to_string(),
                    started: at,
                    seconds: None,
                    outcome: StepOutcome::Running,
                });
            } else if kind.ends_with("StateExited") {
                let name = details["name"].as_str().unwrap_or_default();
                if let Some(step) = self.steps[first..]
                    .iter_mut()
                    .rev()
                    .find(|s| s.state == name && s.seconds.is_none())
                {
                    step.seconds = Some((at - step.started).max(0.0));
                    if step.outcome == StepOutcome::Running {
                        step.outcome = StepOutcome::Succeeded;
                    }
                }
            } else if kind == "TaskFailed" || kind == "LambdaFunctionFailed" {
                if let Some(step) = self.steps[first..]
                    .iter_mut()
                    .rev()
                    .find(|s| s.seconds.is_none())
                {
                    step.outcome = StepOutcome::Failed;
                }
            } else if kind == "TaskSucceeded" {
                let output = details["output"]
                    .as_str()
                    .and_then(|text| serde_json::from_str::<Value>(text).ok());
                if let Some(output) = output {
                    match details["resource"].as_str().unwrap_or_default() {
                        // A rerun that reuses a finished job only describes it (describeTrainingJob):
                        // that job was billed once, by the attempt that ran it.
                        "createTrainingJob.sync" => self.training.extend(training_bill(&output)),
                        "describeEndpoint" => {
                            if let Some(hours) = endpoint_hours(&output, now) {
                                self.endpoints.retain(|e| e.endpoint != hours.endpoint);
                                self.endpoints.push(hours);
                            }
                        }
                        _ => {}
                    }
                }
            }
            if kind.starts_with("Execution") && history.depth == 0 {
                if kind == "ExecutionStarted" {
                    self.started = Some(at);
                } else {
                    self.ended = Some(at);
                }
            }
            if matches!(
                kind,
                "ExecutionFailed" | "ExecutionTimedOut" | "ExecutionAborted"
            ) {
                // Fail states exit no event; close them and anything else still open.
                for step in self.steps[first..]
                    .iter_mut()
                    .filter(|s| s.seconds.is_none())
                {
                    step.seconds = Some((at - step.started).max(0.0));
                    step.outcome = StepOutcome::Failed;
                }
            }
        }
    }
}

/// The createTrainingJob.sync output is the DescribeTrainingJob response.
fn training_bill(output: &Value) -> Option<TrainingBill> {
    let billable = output["BillableTimeInSeconds"].as_u64()?;
    let count = output["ResourceConfig"]["InstanceCount"]
        .as_u64()
        .unwrap_or(1);
    Some(TrainingBill {
        job: output["TrainingJobName"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        instance_type: output["ResourceConfig"]["InstanceType"]
            .as_str()
            .map(str::to_string),
        instance_count: count,
        billable_seconds: billable,
        instance_seconds: billable * count,
    })
}

/// The describeEndpoint output (SDK integration: the API response, timestamps as epoch
/// seconds or RFC 3339 text).
fn endpoint_hours(output: &Value, now: f64) -> Option<EndpointHours> {
    let name = output["EndpointName"].as_str()?;
    let created = timestamp(&output["CreationTime"])?;
    let count: u64 = output["ProductionVariants"]
        .as_array()
        .map(|variants| {
            variants
                .iter()
                .filter_map(|v| v["CurrentInstanceCount"].as_u64())
                .sum()
        })
        .unwrap_or(0);
    Some(EndpointHours {
        endpoint: name.to_string(),
        instance_count: count,
        created,
        instance_hours: ((now - created).max(0.0) / 3600.0) * count as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::recorded;

    #[test]
    fn a_rejected_main_execution_has_every_state_and_the_fail_state() {
        let events = recorded::json("main-rejected.json");
        let timeline = Timeline::from_histories(
            &[History {
                depth: 0,
                machine: "Main",
                events: &events,
            }],
            0.0,
        );
        let names: Vec<&str> = timeline.steps.iter().map(|s| s.state.as_str()).collect();
        assert_eq!(
            names,
            [
                "ShouldTrain",
                "TrainModel",
                "UseTrainedModel",
                "ShouldEvaluate",
                "EvaluateModel",
                "IsModelGoodEnough",
                "ModelRejected"
            ]
        );
        let train = &timeline.steps[1];
        assert_eq!((train.kind.as_str(), train.seconds), ("Task", Some(904.0)));
        let rejected = timeline.steps.last().unwrap();
        assert_eq!(rejected.outcome, StepOutcome::Failed);
        assert_eq!(timeline.started, Some(1714557601.0));
        assert_eq!(timeline.ended, Some(1714558521.0));
    }

    #[test]
    fn a_failed_training_task_is_failed() {
        let events = recorded::json("train-failed.json");
        let timeline = Timeline::from_histories(
            &[History {
                depth: 1,
                machine: "Train",
                events: &events,
            }],
            0.0,
        );
        let train = timeline
            .steps
            .iter()
            .find(|s| s.state == "TrainModel")
            .unwrap();
        assert_eq!(train.outcome, StepOutcome::Failed);
        assert!(timeline.training.is_empty());
    }

    #[test]
    fn billed_training_and_endpoint_hours() {
        let train = recorded::json("train-succeeded.json");
        let deploy = recorded::json("deploy-endpoint.json");
        let main = recorded::json("main-rejected.json");
        let histories = [
            History {
                depth: 0,
                machine: "Main",
                events: &main,
            },
            History {
                depth: 1,
                machine: "Train",
                events: &train,
            },
            History {
                depth: 1,
                machine: "Deploy",
                events: &deploy,
            },
        ];
        let created = 1714559000.0; // deploy-endpoint.json: CreationTime 2024-05-01T10:23:20Z
        let timeline = Timeline::from_histories(&histories, created + 2.0 * 3600.0);
        assert_eq!(
            timeline.training,
            [TrainingBill {
                job: "automl-run-1-train".into(),
                instance_type: Some("ml.m5.2xlarge".into()),
                instance_count: 2,
                billable_seconds: 812,
                instance_seconds: 1624,
            }]
        );
        let endpoint = &timeline.endpoints[0];
        assert_eq!(
            (endpoint.endpoint.as_str(), endpoint.instance_count),
            ("automl-run-3-deploy", 1)
        );
        assert!((endpoint.instance_hours - 2.0).abs() < 1e-9, "{endpoint:?}");
        // Children sort between their parent's neighbours, by time.
        assert!(timeline
            .steps
            .iter()
            .any(|s| s.depth == 1 && s.machine == "Deploy"));
    }

    #[test]
    fn local_rfc3339_timestamps() {
        assert_eq!(
            timestamp(&Value::from("1970-01-01T00:01:00.500Z")),
            Some(60.5)
        );
        assert_eq!(timestamp(&Value::from(12.5)), Some(12.5));
        assert_eq!(
            timestamp(&Value::from(1714558603000u64)),
            Some(1714558603.0)
        );
        assert_eq!(timestamp(&Value::from("yesterday")), None);
    }
}
