//! What `run --wait` (on AWS) and `run --local` print while an execution runs and when it
//! ends. Both runners turn what happens into [`Event`]s and hand them to [`Progress`];
//! at the end they build a [`Summary`] from the Main machine's data. Text goes to stderr
//! (a spinner on a terminal, plain lines otherwise); with `--json`, events are JSON lines
//! on stdout and the summary is the last line.

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How an execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl Status {
    /// Parses the Step Functions status names.
    pub fn from_sfn(status: &str) -> Status {
        match status {
            "SUCCEEDED" => Status::Succeeded,
            "FAILED" => Status::Failed,
            "TIMED_OUT" => Status::TimedOut,
            "ABORTED" => Status::Aborted,
            _ => Status::Running,
        }
    }

    pub fn is_success(self) -> bool {
        self == Status::Succeeded
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
        status: Status,
        error: Option<String>,
        cause: Option<String>,
    },
}

/// Prints events as they come.
pub struct Progress {
    json: bool,
    spinner: Option<ProgressBar>,
    entered: BTreeMap<(usize, String, String), Instant>,
}

impl Progress {
    /// `json`: JSON lines on stdout. Otherwise text on stderr, with a spinner only when
    /// stderr is a terminal.
    pub fn new(json: bool) -> Progress {
        let spinner = (!json && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .expect("valid template"),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            json,
            spinner,
            entered: BTreeMap::new(),
        }
    }

    pub fn event(&mut self, event: &Event) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string(event).expect("events serialise")
            );
            return;
        }
        let indent = |depth: usize| "  ".repeat(depth);
        let line = match event {
            Event::ExecutionStarted {
                depth,
                machine,
                name,
                ..
            } => Some(format!(
                "{}{machine}: started execution {name}",
                indent(*depth)
            )),
            Event::StateEntered {
                depth,
                machine,
                state,
            } => {
                self.entered
                    .insert((*depth, machine.clone(), state.clone()), Instant::now());
                if let Some(bar) = &self.spinner {
                    bar.set_message(format!("{machine} › {state}"));
                }
                None
            }
            Event::StateSucceeded {
                depth,
                machine,
                state,
            } => {
                let took = self.took(*depth, machine, state);
                Some(format!("{}{machine} › {state} ✓{took}", indent(*depth)))
            }
            Event::StateFailed {
                depth,
                machine,
                state,
                error,
                cause,
            } => {
                let took = self.took(*depth, machine, state);
                Some(format!(
                    "{}{machine} › {state} ✗{took}: {error}: {cause}",
                    indent(*depth)
                ))
            }
            Event::ExecutionEnded {
                depth,
                machine,
                status,
                ..
            } => Some(format!("{}{machine}: {status:?}", indent(*depth))),
        };
        if let Some(line) = line {
            match &self.spinner {
                Some(bar) => bar.println(line),
                None => eprintln!("{line}"),
            }
        }
    }

    fn took(&mut self, depth: usize, machine: &str, state: &str) -> String {
        self.entered
            .remove(&(depth, machine.to_string(), state.to_string()))
            .map(|start| format!(" ({:.1}s)", start.elapsed().as_secs_f64()))
            .unwrap_or_default()
    }

    /// Clears the spinner, then prints the summary.
    pub fn finish(self, summary: &Summary) {
        if let Some(bar) = &self.spinner {
            bar.finish_and_clear();
        }
        if self.json {
            println!(
                "{}",
                serde_json::to_string(summary).expect("summaries serialise")
            );
        } else {
            print!("{}", summary.render());
        }
    }
}

/// The outcome of a Main execution, read from its output (or, when it failed, from the
/// last data it had): model, scores and verdict, endpoint or batch output.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    pub execution: String,
    pub status: Option<Status>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub model_name: Option<String>,
    pub training_job: Option<String>,
    pub model_path: Option<String>,
    pub metric: Option<String>,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    pub is_valid: Option<bool>,
    pub scores: BTreeMap<String, f64>,
    pub endpoint_name: Option<String>,
    pub transform_job: Option<String>,
    pub batch_output: Option<String>,
}

impl Summary {
    /// Reads the Main machine's state data (`Parameters`, `Training`, `Evaluation`,
    /// `Deployment`), whatever of it exists.
    pub fn from_data(execution: &str, status: Status, data: &Value) -> Summary {
        let text = |pointer: &str| {
            data.pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let number = |pointer: &str| data.pointer(pointer).and_then(Value::as_f64);
        let scores = data
            .pointer("/Evaluation/Scores")
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
                .or_else(|| text("/Training/ModelName")),
            training_job: text("/Training/TrainingJobName"),
            model_path: text("/Training/ModelPath"),
            metric: text("/Evaluation/Metric"),
            value: number("/Evaluation/Value"),
            threshold: number("/Evaluation/Threshold"),
            is_valid: data.pointer("/Evaluation/IsValid").and_then(Value::as_bool),
            scores,
            endpoint_name: text("/Deployment/Output/EndpointName"),
            transform_job: text("/Deployment/Output/TransformJobName"),
            batch_output: text("/Deployment/Output/OutputPath"),
        }
    }

    pub fn with_failure(mut self, error: Option<String>, cause: Option<String>) -> Summary {
        self.error = error;
        self.cause = cause;
        self
    }

    /// The exit code a CLI should return for this outcome.
    pub fn exit_code(&self) -> std::process::ExitCode {
        match self.status {
            Some(status) if status.is_success() => std::process::ExitCode::SUCCESS,
            _ => std::process::ExitCode::FAILURE,
        }
    }

    /// A few aligned lines for people.
    pub fn render(&self) -> String {
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
        if let Some(path) = &self.model_path {
            lines.push(("artifacts".into(), path.clone()));
        }
        if let (Some(metric), Some(value)) = (&self.metric, self.value) {
            let verdict = match self.is_valid {
                Some(true) => "accepted",
                Some(false) => "rejected",
                None => "not judged",
            };
            let threshold = self
                .threshold
                .map(|t| format!(" (threshold {t})"))
                .unwrap_or_default();
            lines.push((
                "evaluation".into(),
                format!("{metric} = {value}{threshold}: {verdict}"),
            ));
        }
        if !self.scores.is_empty() {
            let scores: Vec<String> = self
                .scores
                .iter()
                .map(|(k, v)| format!("{k}={v:.4}"))
                .collect();
            lines.push(("scores".into(), scores.join(", ")));
        }
        if let Some(endpoint) = &self.endpoint_name {
            lines.push(("endpoint".into(), endpoint.clone()));
        }
        if let Some(job) = &self.transform_job {
            lines.push(("transform job".into(), job.clone()));
        }
        if let Some(output) = &self.batch_output {
            lines.push(("batch output".into(), output.clone()));
        }
        let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        lines
            .into_iter()
            .map(|(k, v)| format!("{k:>width$}: {v}\n"))
            .collect()
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
        let summary = Summary::from_data("x", Status::Succeeded, &data);
        assert_eq!(summary.endpoint_name.as_deref(), Some("automl-x-deploy"));
        let text = summary.render();
        assert!(
            text.contains("evaluation: accuracy = 0.93 (threshold 0.6): accepted"),
            "{text}"
        );
        assert_eq!(summary.exit_code(), std::process::ExitCode::SUCCESS);
    }
}
