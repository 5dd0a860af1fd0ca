//! One execution as its histories tell it, wherever it ran: status, error, the data it
//! last had (the Main machine's `Training`, `Evaluation`, `Deployment`), the executions it
//! started, and from all of it the [`ReportInput`] of the HTML report. Local runs read the
//! histories from the state directory, AWS runs from GetExecutionHistory; both are the
//! API's JSON shape.

use super::artifacts::TrainingOutput;
use super::html::{Artifact, Evaluation, ReportInput};
use super::timeline::{History, Timeline};
use super::Summary;
use crate::sfn::ExecutionStatus;
use serde_json::Value;

/// An execution and the Train and Deploy executions it started.
#[derive(Debug, Clone)]
pub(crate) struct ExecutionRecord {
    pub(crate) name: String,
    pub(crate) status: ExecutionStatus,
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
    pub(crate) history: Value,
    /// (machine label, history), in the order they started.
    pub(crate) children: Vec<(String, Value)>,
    /// Its output, or the output of the last state that exited.
    pub(crate) data: Value,
}

fn events(history: &Value) -> &[Value] {
    history
        .get("events")
        .unwrap_or(history)
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The `<kind>EventDetails` object of a GetExecutionHistory event (Null when it has none).
pub(crate) fn details(event: &Value) -> &Value {
    event
        .as_object()
        .and_then(|o| {
            o.iter()
                .find(|(k, _)| k.ends_with("EventDetails"))
                .map(|(_, v)| v)
        })
        .unwrap_or(&Value::Null)
}

/// Executions a history started (`states:startExecution.sync:2` tasks): (name, machine
/// label), from the `ExecutionArn` of the task's submission or output.
pub(crate) fn started_executions(history: &Value) -> Vec<(String, String)> {
    started_execution_arns(history)
        .into_iter()
        .map(|(arn, label)| {
            // arn:aws:states:<region>:<account>:execution:<machine>:<name>
            let name = arn.rsplit(':').next().unwrap_or_default().to_string();
            (name, label)
        })
        .collect()
}

/// The same as [`started_executions`], with each execution's whole ARN (what
/// GetExecutionHistory needs): (ARN, machine label), in the order they started.
pub(crate) fn started_execution_arns(history: &Value) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    for event in events(history) {
        let details = details(event);
        if !details["resource"]
            .as_str()
            .is_some_and(|r| r.starts_with("startExecution"))
        {
            continue;
        }
        let Some(output) = details["output"]
            .as_str()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
        else {
            continue;
        };
        let Some(arn) = output["ExecutionArn"].as_str() else {
            continue;
        };
        // arn:aws:states:<region>:<account>:execution:<machine>:<name>
        let machine = arn.rsplit(':').nth(1).unwrap_or_default();
        let label = ["Train", "Deploy", "Main"]
            .into_iter()
            .find(|m| machine.contains(&format!("{m}StateMachine")))
            .unwrap_or(machine)
            .to_string();
        if !found.iter().any(|(a, _)| a == arn) {
            found.push((arn.to_string(), label));
        }
    }
    found
}

impl ExecutionRecord {
    /// Reads status, error and data from the history; `children` are the histories of
    /// the executions it started (see [`started_executions`]).
    pub(crate) fn from_history(
        name: &str,
        history: Value,
        children: Vec<(String, Value)>,
    ) -> ExecutionRecord {
        let mut status = ExecutionStatus::Running;
        let (mut error, mut cause) = (None, None);
        let mut data = Value::Null;
        for event in events(&history) {
            let kind = event["type"].as_str().unwrap_or_default();
            let details = details(event);
            let ended = match kind {
                "ExecutionSucceeded" => Some(ExecutionStatus::Succeeded),
                "ExecutionFailed" => Some(ExecutionStatus::Failed),
                "ExecutionTimedOut" => Some(ExecutionStatus::TimedOut),
                "ExecutionAborted" => Some(ExecutionStatus::Aborted),
                _ => None,
            };
            if let Some(ended) = ended {
                status = ended;
                error = details["error"].as_str().map(str::to_string);
                cause = details["cause"].as_str().map(str::to_string);
            }
            if kind == "ExecutionSucceeded" || kind.ends_with("StateExited") {
                if let Some(output) = details["output"]
                    .as_str()
                    .and_then(|t| serde_json::from_str(t).ok())
                {
                    data = output;
                }
            }
        }
        ExecutionRecord {
            name: name.to_string(),
            status,
            error,
            cause,
            history,
            children,
            data,
        }
    }

    fn text(&self, pointer: &str) -> Option<String> {
        self.data
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// The training job this execution ran, if it ran one.
    pub(crate) fn training_job(&self) -> Option<String> {
        self.text("/Training/TrainingJobName")
    }

    /// The model archive (`model.tar.gz`) and, beside it, the outputs archive.
    pub(crate) fn model_path(&self) -> Option<String> {
        self.text("/Training/ModelPath")
    }

    pub(crate) fn outputs_archive(&self) -> Option<String> {
        self.model_path()
            .and_then(|m| super::artifacts::outputs_archive(&m))
    }

    pub(crate) fn evaluation(&self) -> Option<Evaluation> {
        Some(Evaluation {
            metric: self.text("/Evaluation/Metric")?,
            value: self.data.pointer("/Evaluation/Value")?.as_f64()?,
            threshold: self
                .data
                .pointer("/Evaluation/Threshold")
                .and_then(Value::as_f64),
            is_valid: self
                .data
                .pointer("/Evaluation/IsValid")
                .and_then(Value::as_bool),
        })
    }

    pub(crate) fn scores(&self) -> Vec<(String, f64)> {
        self.data
            .pointer("/Evaluation/Scores")
            .and_then(Value::as_object)
            .map(|s| {
                s.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn timeline(&self, now: f64) -> Timeline {
        let mut histories = vec![History {
            depth: 0,
            machine: "Main",
            events: &self.history,
        }];
        histories.extend(self.children.iter().map(|(machine, events)| History {
            depth: 1,
            machine,
            events,
        }));
        Timeline::from_histories(&histories, now)
    }

    /// The endpoint and batch output the Deploy machine reported.
    pub(crate) fn deployment_artifacts(&self) -> Vec<Artifact> {
        [
            ("/Deployment/Output/EndpointName", "endpoint"),
            ("/Deployment/Output/OutputPath", "batch predictions"),
        ]
        .into_iter()
        .filter_map(|(pointer, what)| {
            Some(Artifact {
                what: what.into(),
                location: self.text(pointer)?,
            })
        })
        .collect()
    }

    /// The end-of-run summary (without its results).
    pub(crate) fn summary(&self) -> Summary {
        let cause = self.cause.as_deref().map(crate::sfn::explain::explain);
        Summary::from_data(&self.name, self.status, &self.data)
            .with_failure(self.error.clone(), cause)
    }

    pub(crate) fn report_input(
        &self,
        place: &str,
        output: Option<TrainingOutput>,
        artifacts: Vec<Artifact>,
        now: f64,
    ) -> ReportInput {
        let status = match self.status {
            ExecutionStatus::Running => "Running",
            ExecutionStatus::Succeeded => "Succeeded",
            ExecutionStatus::Failed => "Failed",
            ExecutionStatus::TimedOut => "Timed out",
            ExecutionStatus::Aborted => "Aborted",
        };
        let error = self.error.as_ref().map(|error| match &self.cause {
            Some(cause) if !cause.is_empty() => {
                format!("{error}: {}", crate::sfn::explain::explain(cause))
            }
            _ => error.clone(),
        });
        ReportInput {
            execution: self.name.clone(),
            place: place.to_string(),
            status: status.to_string(),
            error,
            evaluation: self.evaluation(),
            scores: self.scores(),
            output,
            timeline: self.timeline(now),
            artifacts,
            now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::recorded;
    use serde_json::json;

    /// A redriven Main execution that failed in DeployModel: its history lists the first
    /// attempt's child and then the one the redrive started under its own name, in order,
    /// so the report follows both and nothing guesses a child's name.
    #[test]
    fn a_redriven_execution_lists_every_attempts_child_in_order() {
        let submitted = |id: u64, name: &str| {
            json!({"id": id, "type": "TaskSubmitted", "taskSubmittedEventDetails": {
                "resourceType": "states", "resource": "startExecution.sync:2",
                "output": json!({
                    "ExecutionArn": format!("arn:aws:states:eu-west-1:123456789012:execution:automl-DeployStateMachine-Z:{name}"),
                    "StartDate": 1,
                }).to_string(),
            }})
        };
        let history = json!({"events": [
            submitted(1, "run-1-deploy"),
            {"id": 2, "type": "ExecutionFailed", "executionFailedEventDetails": {"error": "States.TaskFailed"}},
            {"id": 3, "type": "ExecutionRedriven", "executionRedrivenEventDetails": {"redriveCount": 1}},
            submitted(4, "run-1-deploy-r1"),
            {"id": 5, "type": "ExecutionSucceeded", "executionSucceededEventDetails": {"output": "{}"}},
        ]});
        assert_eq!(
            started_executions(&history),
            [
                ("run-1-deploy".to_string(), "Deploy".to_string()),
                ("run-1-deploy-r1".to_string(), "Deploy".to_string())
            ]
        );
        assert_eq!(
            ExecutionRecord::from_history("run-1", history, Vec::new()).status,
            ExecutionStatus::Succeeded
        );
    }

    #[test]
    fn a_rejected_aws_execution_and_its_training() {
        let main = recorded::json("main-rejected.json");
        assert_eq!(
            started_executions(&main),
            [("run-1-train".to_string(), "Train".to_string())]
        );
        let record = ExecutionRecord::from_history(
            "run-1",
            main,
            vec![("Train".into(), recorded::json("train-succeeded.json"))],
        );
        assert_eq!(record.status, ExecutionStatus::Failed);
        assert_eq!(record.error.as_deref(), Some("ModelRejected"));
        let summary = record.summary();
        assert_eq!(
            (summary.value, summary.is_valid),
            (Some(0.9021), Some(false))
        );
        let evaluation = record.evaluation().unwrap();
        assert_eq!(
            (evaluation.value, evaluation.threshold, evaluation.is_valid),
            (0.9021, Some(0.95), Some(false))
        );
        assert_eq!(record.training_job().as_deref(), Some("automl-run-1-train"));
        assert_eq!(
            record.outputs_archive().as_deref(),
            Some("s3://automl-data/output/automl-run-1-train/output/output.tar.gz")
        );
        let timeline = record.timeline(1714559000.0);
        assert_eq!(
            timeline
                .training
                .iter()
                .map(|t| t.instance_seconds)
                .sum::<u64>(),
            1624
        );
        // The Train execution's states nest inside Main's TrainModel.
        let main_train = timeline
            .steps
            .iter()
            .position(|s| s.machine == "Main" && s.state == "TrainModel")
            .unwrap();
        let train_states: Vec<usize> = timeline
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.machine == "Train")
            .map(|(i, _)| i)
            .collect();
        assert_eq!(
            train_states,
            (main_train + 1..main_train + 1 + train_states.len()).collect::<Vec<_>>()
        );

        let html = super::super::html::render(&record.report_input(
            "on AWS (eu-west-1)",
            None,
            vec![],
            1714559000.0,
        ))
        .unwrap();
        for needle in [
            "rejected",
            "0.9021",
            "0.9500",
            "automl-run-1-train",
            "2 × ml.m5.2xlarge",
            "1624 instance-seconds",
            "ModelRejected",
            "Train › TrainModel",
        ] {
            assert!(html.contains(needle), "{needle} missing");
        }
        assert!(!html.contains("<script"), "the report runs no script");
    }
}
