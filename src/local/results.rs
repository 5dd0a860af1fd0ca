//! What a local execution produced, gathered from the state directory for the end-of-run
//! summary and `automl report --local`: the histories of the execution and of the Train
//! and Deploy executions it started, the training job's outputs, and where each artifact
//! lies (store.rs describes the layout).

use super::objects::{Location, Objects};
use super::store::{ResourceKind, Store};
use super::LocalConfig;
use crate::report::artifacts::TrainingOutput;
use crate::report::execution::{started_executions, ExecutionRecord};
use crate::report::html::{self, Artifact, ReportWritten};
use crate::report::results::Results;
use crate::report::Summary;
use anyhow::{anyhow, Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// The execution of the Main machine that started last (its children, `<name>-train` and
/// `<name>-deploy`, belong to other machines).
pub(crate) fn latest_execution(store: &Store) -> Result<String> {
    let dir = store.executions_dir();
    let entries = std::fs::read_dir(&dir).map_err(|_| {
        anyhow!(
            "no local execution in {}: run one with `automl run --local INPUT`",
            dir.display()
        )
    })?;
    let mut newest: Option<(String, String)> = None;
    for entry in entries.flatten() {
        let Ok(execution) = read_json(&entry.path().join("execution.json")) else {
            continue;
        };
        let is_main = execution["stateMachineArn"]
            .as_str()
            .is_some_and(|arn| arn.ends_with("MainStateMachine"));
        // RFC 3339 in UTC with fixed digits: text order is time order.
        let started = execution["startDate"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if is_main && newest.as_ref().is_none_or(|(t, _)| started > *t) {
            newest = Some((started, entry.file_name().to_string_lossy().to_string()));
        }
    }
    newest.map(|(_, name)| name).ok_or_else(|| {
        anyhow!(
            "no local execution of the Main machine in {}",
            dir.display()
        )
    })
}

/// Reads an execution and the executions it started from the state directory.
pub(crate) fn read_execution(store: &Store, name: &str) -> Result<ExecutionRecord> {
    let dir = store.execution_dir(name);
    if !dir.is_dir() {
        return Err(anyhow!(
            "no local execution named `{name}` in {} (each execution is a directory there)",
            store.executions_dir().display()
        ));
    }
    let history = read_json(&dir.join("history.json"))?;
    let mut children = Vec::new();
    for (child, machine) in started_executions(&history) {
        let path = store.execution_dir(&child).join("history.json");
        if path.is_file() {
            children.push((machine, read_json(&path)?));
        }
    }
    Ok(ExecutionRecord::from_history(name, history, children))
}

/// The training job's directory and output directory: a multi-host job's is its head's
/// (`hosts/algo-1/`, the only host that writes the outputs).
pub(crate) fn job_dirs(store: &Store, job: &str) -> (PathBuf, PathBuf) {
    let dir = store.resource_dir(ResourceKind::TrainingJob, job);
    let single = dir.join("output").join("data");
    let head = dir.join("hosts").join(HEAD).join("output").join("data");
    let output = if !single.is_dir() && head.is_dir() {
        head
    } else {
        single
    };
    (dir, output)
}

/// The first host, which runs the Ray head (SageMaker names hosts `algo-1`, `algo-2`, ...).
const HEAD: &str = "algo-1";

/// Each host's log of a multi-host job: (host, path), in host order.
fn host_logs(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut logs: Vec<(String, PathBuf)> = std::fs::read_dir(dir.join("hosts"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().to_string(),
                        e.path().join("log"),
                    )
                })
                .filter(|(_, log)| log.is_file())
                .collect()
        })
        .unwrap_or_default();
    // algo-2 before algo-10.
    logs.sort_by_key(|(host, _)| {
        let number: u32 = host.trim_start_matches("algo-").parse().unwrap_or(u32::MAX);
        (number, host.clone())
    });
    logs
}

/// A URI of the run as the local path it maps to (plain paths stay as they are).
fn local_path(objects: &Objects, uri: &str) -> String {
    Location::parse(uri)
        .map(|location| objects.path(&location).display().to_string())
        .unwrap_or_else(|_| uri.to_string())
}

/// Where everything the execution produced lies, in the order a person looks for it.
pub(crate) fn artifacts(
    store: &Store,
    objects: &Objects,
    execution: &ExecutionRecord,
    report: Option<&Path>,
) -> Vec<Artifact> {
    let mut list = Vec::new();
    let mut put = |what: &str, location: String| {
        list.push(Artifact {
            what: what.into(),
            location,
        })
    };
    if let Some(model) = execution.model_path() {
        put("model", local_path(objects, &model));
    }
    if let Some(archive) = execution.outputs_archive() {
        put("outputs archive", local_path(objects, &archive));
    }
    if let Some(job) = execution.training_job() {
        let (dir, output) = job_dirs(store, &job);
        for (name, path) in TrainingOutput::existing_files(&output) {
            let what = match name {
                "leaderboard.csv" => "leaderboard",
                "feature_importance.csv" => "feature importance",
                "predictions.csv" => "test predictions",
                "training_summary.json" => "training summary",
                "data_summary.json" => "data summary",
                _ => name,
            };
            put(what, path.display().to_string());
        }
        let log = dir.join("train.log");
        if log.is_file() {
            put("training log", log.display().to_string());
        }
        for (host, log) in host_logs(&dir) {
            put(&format!("training log ({host})"), log.display().to_string());
        }
    }
    for artifact in execution.deployment_artifacts() {
        let location = if artifact.what == "endpoint" {
            artifact.location
        } else {
            local_path(objects, &artifact.location)
        };
        put(&artifact.what, location);
    }
    if let Some(report) = report {
        put("report", report.display().to_string());
    }
    put(
        "history",
        store
            .execution_dir(&execution.name)
            .join("history.json")
            .display()
            .to_string(),
    );
    list
}

/// The training job's outputs, when the execution trained and they are there.
pub(crate) fn training_output(
    store: &Store,
    execution: &ExecutionRecord,
) -> Result<Option<TrainingOutput>> {
    let Some(job) = execution.training_job() else {
        return Ok(None);
    };
    let (_, dir) = job_dirs(store, &job);
    dir.is_dir()
        .then(|| TrainingOutput::from_dir(&dir))
        .transpose()
}

/// `automl report --local`: which execution (default: the latest), and where to write.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReportRequest {
    pub(crate) execution: Option<String>,
    /// Default: `<state-dir>/executions/<name>/report.html`.
    pub(crate) output: Option<PathBuf>,
}

fn now() -> f64 {
    crate::sfn::time::Timestamp::now().0 as f64 / 1e9
}

/// Writes the HTML report of one local execution.
pub(crate) fn write_report(config: &LocalConfig, request: &ReportRequest) -> Result<ReportWritten> {
    let store = Store::new(config.state_dir.clone());
    let objects = Objects::new(config.object_root());
    let name = match &request.execution {
        Some(name) => name.clone(),
        None => latest_execution(&store)?,
    };
    let execution = read_execution(&store, &name)?;
    let path = request
        .output
        .clone()
        .unwrap_or_else(|| store.execution_dir(&name).join("report.html"));
    let output = training_output(&store, &execution)?;
    let artifacts = artifacts(&store, &objects, &execution, Some(&path));
    let html = html::render(&execution.report_input(html::LOCAL, output, artifacts, now()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, &html)
        .with_context(|| format!("writing the report {}", path.display()))?;
    Ok(ReportWritten {
        execution: name,
        path: path.display().to_string(),
        bytes: html.len(),
    })
}

/// `automl status --local`: the summary of one local execution (default: the latest),
/// with its results.
pub(crate) fn status(config: &LocalConfig, execution: Option<&str>) -> Result<Summary> {
    let store = Store::new(config.state_dir.clone());
    let name = match execution {
        Some(name) => name.to_string(),
        None => latest_execution(&store)?,
    };
    let summary = read_execution(&store, &name)?.summary();
    let report = store.execution_dir(&name).join("report.html");
    let results = results_of(config, &name, report.is_file().then_some(report.as_path()))?;
    Ok(summary.with_results(results))
}

/// What the end-of-run summary shows of a local execution: its results, with the report
/// written beside its history.
pub(crate) fn results(config: &LocalConfig, name: &str) -> Result<(Results, ReportWritten)> {
    let written = write_report(
        config,
        &ReportRequest {
            execution: Some(name.to_string()),
            output: None,
        },
    )?;
    Ok((
        results_of(config, name, Some(Path::new(&written.path)))?,
        written,
    ))
}

/// The results of a local execution as they are (`report`: the report's path, if any).
fn results_of(config: &LocalConfig, name: &str, report: Option<&Path>) -> Result<Results> {
    let store = Store::new(config.state_dir.clone());
    let objects = Objects::new(config.object_root());
    let execution = read_execution(&store, name)?;
    let output = training_output(&store, &execution)?;
    let artifacts = artifacts(&store, &objects, &execution, report);
    Ok(Results::new(output.as_ref(), artifacts))
}
