//! What a run produced, for people and scripts: the [`Summary`] of a Main execution,
//! read from the data the Main machine writes, with the [`results`] of its training (the
//! test-set leaderboard, feature importance, where each artifact is); the self-contained
//! [`html`] report of one execution ([`artifacts`] read back, its [`timeline`] and bill
//! from the [`execution`]'s histories, [`charts`] drawn as SVG), for an execution on AWS
//! from its fetched histories and outputs archive ([`aws_execution`]); and how long work
//! reports [`progress`]. Nothing here prints: the command line's output module renders
//! these.

pub(crate) mod artifacts;
pub(crate) mod aws_execution;
pub(crate) mod charts;
pub(crate) mod execution;
pub(crate) mod html;
pub(crate) mod models;
pub(crate) mod numbers;
pub(crate) mod progress;
#[cfg(test)]
pub(crate) mod recorded;
pub(crate) mod results;
pub(crate) mod timeline;

use numbers::sig4;
use results::Results;

pub(crate) use progress::{Progress, Started};

use crate::sfn::ExecutionStatus;
use crate::stack::machines::main::results::{
    pointer, DEPLOYMENT, EVALUATION, REGISTRATION, TRAINING,
};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The outcome of a Main execution, read from its output (or, when it failed, from the
/// last data it had): model, scores and verdict, endpoint or batch output.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub(crate) struct Summary {
    pub(crate) execution: String,
    pub(crate) status: Option<ExecutionStatus>,
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
    pub(crate) model_name: Option<String>,
    pub(crate) training_job: Option<String>,
    pub(crate) model_path: Option<String>,
    pub(crate) metric: Option<String>,
    pub(crate) value: Option<f64>,
    pub(crate) threshold: Option<f64>,
    pub(crate) is_valid: Option<bool>,
    pub(crate) scores: BTreeMap<String, f64>,
    pub(crate) endpoint_name: Option<String>,
    /// When the endpoint deletes itself (its time to live), UTC `yyyy-mm-ddThh:mm:ss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) endpoint_expires_at: Option<String>,
    /// The endpoint's autoscaling, as the input set it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) auto_scaling: Option<Value>,
    pub(crate) transform_job: Option<String>,
    pub(crate) batch_output: Option<String>,
    /// The registered version (its ARN) and its approval status, when the run registered one.
    pub(crate) model_package: Option<String>,
    pub(crate) approval_status: Option<String>,
    /// What training produced and where everything lies, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) results: Option<Results>,
}

impl Summary {
    /// Reads the Main machine's state data (`Parameters`, `Training`, `Evaluation`,
    /// `Deployment`), whatever of it exists.
    pub(crate) fn from_data(execution: &str, status: ExecutionStatus, data: &Value) -> Summary {
        let text = |at: &str| data.pointer(at).and_then(Value::as_str).map(str::to_string);
        let number = |at: &str| data.pointer(at).and_then(Value::as_f64);
        let scores = data
            .pointer(&pointer(EVALUATION, "Scores"))
            .and_then(Value::as_object)
            .map(|scores| {
                scores
                    .iter()
                    .filter_map(|(k, v)| v.as_f64().map(|v| (k.clone(), v)))
                    .collect()
            })
            .unwrap_or_default();
        Summary {
            execution: execution.to_string(),
            status: Some(status),
            error: None,
            cause: None,
            model_name: text("/Parameters/PretrainedModel/Name")
                .or_else(|| text(&pointer(TRAINING, "ModelName"))),
            training_job: text(&pointer(TRAINING, "TrainingJobName")),
            model_path: text(&pointer(TRAINING, "ModelPath")),
            metric: text(&pointer(EVALUATION, "Metric")),
            value: number(&pointer(EVALUATION, "Value")),
            threshold: number(&pointer(EVALUATION, "Threshold")),
            is_valid: data
                .pointer(&pointer(EVALUATION, "IsValid"))
                .and_then(Value::as_bool),
            scores,
            endpoint_name: text(&pointer(DEPLOYMENT, "Output/EndpointName")),
            endpoint_expires_at: text(&pointer(DEPLOYMENT, "Output/ExpiresAt")),
            auto_scaling: data
                .pointer("/Parameters/Deploy/AutoScaling")
                .filter(|_| {
                    data.pointer(&pointer(DEPLOYMENT, "Output/EndpointName"))
                        .is_some()
                })
                .cloned(),
            transform_job: text(&pointer(DEPLOYMENT, "Output/TransformJobName")),
            batch_output: text(&pointer(DEPLOYMENT, "Output/OutputPath")),
            model_package: text(&pointer(REGISTRATION, "ModelPackageArn")),
            approval_status: text(&pointer(REGISTRATION, "ModelApprovalStatus")),
            results: None,
        }
    }

    pub(crate) fn with_results(mut self, results: Results) -> Summary {
        self.results = Some(results);
        self
    }

    pub(crate) fn with_failure(mut self, error: Option<String>, cause: Option<String>) -> Summary {
        self.error = error;
        self.cause = cause;
        self
    }

    /// Whether the execution succeeded.
    pub(crate) fn succeeded(&self) -> bool {
        self.status.is_some_and(ExecutionStatus::is_success)
    }

    /// A few aligned lines for people.
    pub(crate) fn render(&self) -> String {
        let mut lines: Vec<(String, String)> = Vec::new();
        let status = self
            .status
            .map(|s| format!("{s:?}"))
            .unwrap_or_else(|| "unknown".into());
        lines.push(("execution".into(), format!("{} ({status})", self.execution)));
        if let Some(error) = &self.error {
            let cause = self.cause.as_deref().unwrap_or("");
            lines.push(("error".into(), format!("{error}: {cause}")));
        }
        if let Some(job) = &self.training_job {
            lines.push(("training job".into(), job.clone()));
        }
        if let Some(model) = &self.model_name {
            lines.push(("model".into(), model.clone()));
        }
        // The artifact list below names the archive, beside everything else.
        if let (Some(path), None) = (&self.model_path, &self.results) {
            lines.push(("model archive".into(), path.clone()));
        }
        if let (Some(metric), Some(value)) = (&self.metric, self.value) {
            let verdict = match self.is_valid {
                Some(true) => "accepted",
                Some(false) => "rejected",
                None => "not judged",
            };
            let threshold = self
                .threshold
                .map(|t| format!(" (threshold {})", sig4(t)))
                .unwrap_or_default();
            lines.push((
                "evaluation".into(),
                format!("{metric} = {}{threshold}: {verdict}", sig4(value)),
            ));
        }
        if !self.scores.is_empty() {
            let scores: Vec<String> = self
                .scores
                .iter()
                .map(|(k, v)| format!("{k}={}", sig4(*v)))
                .collect();
            lines.push(("scores".into(), scores.join(", ")));
        }
        if let Some(package) = &self.model_package {
            let status = self.approval_status.as_deref().unwrap_or("unknown status");
            lines.push(("registered".into(), format!("{package} ({status})")));
        }
        if let Some(endpoint) = &self.endpoint_name {
            lines.push(("endpoint".into(), endpoint.clone()));
        }
        if let Some(scaling) = &self.auto_scaling {
            lines.push((
                "autoscaling".into(),
                format!(
                    "{}..{} instances, target {} invocations per instance per minute",
                    scaling["MinInstances"],
                    scaling["MaxInstances"],
                    scaling["TargetInvocationsPerInstance"]
                ),
            ));
        }
        if let Some(at) = &self.endpoint_expires_at {
            lines.push((
                "expires".into(),
                format!("{at} UTC (the endpoint deletes itself then)"),
            ));
        }
        if let Some(job) = &self.transform_job {
            lines.push(("transform job".into(), job.clone()));
        }
        if let Some(output) = &self.batch_output {
            lines.push(("batch output".into(), output.clone()));
        }
        let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let mut text: String = lines
            .into_iter()
            .map(|(k, v)| format!("{k:>width$}: {v}\n"))
            .collect();
        if let Some(results) = self.results.as_ref().filter(|r| !r.is_empty()) {
            text.push_str(&results.to_string());
        }
        text
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn summary_reads_the_main_machine_output() {
        let data = json!({
            "Parameters": { "PretrainedModel": { "Name": "automl-x-train" } },
            "Training": { "ModelName": "automl-x-train", "TrainingJobName": "automl-x-train", "ModelPath": "s3://b/o/model.tar.gz" },
            "Evaluation": { "IsValid": true, "Metric": "accuracy", "Value": 0.93, "Threshold": 0.6, "Scores": { "accuracy": 0.93 } },
            "Deployment": { "Output": { "Mode": "endpoint", "EndpointName": "automl-x-deploy" } }
        });
        let summary = Summary::from_data("x", ExecutionStatus::Succeeded, &data);
        assert_eq!(summary.endpoint_name.as_deref(), Some("automl-x-deploy"));
        let text = summary.render();
        assert!(
            text.contains("evaluation: accuracy = 0.9300 (threshold 0.6000): accepted"),
            "{text}"
        );
        assert!(summary.succeeded());
    }
}
