//! What a local execution produced, gathered from the state directory for the end-of-run
//! summary and `automl report --local`: the histories of the execution and of the Train
//! and Deploy executions it started, the training job's outputs, and where each artifact
//! lies (store.rs describes the layout).

use super::store::{ResourceKind, Store};
use crate::report::artifacts::TrainingOutput;
use crate::report::execution::{started_executions, ExecutionRecord};
use crate::report::html::{Artifact, ReportInput};
use anyhow::{anyhow, Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};


fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// The execution of the Main machine that started last (its children, `<name>-train` and
/// `<name>-deploy`, belong to other machines).
pub(crate) fn latest_execution(store: &Store) -> Result<String> {
    let dir = store.executions_dir();
    let entries = std::fs::read_dir(&dir).map_err(|_| {
        anyhow!("no local execution in {}: run one with `automl run --local INPUT`", dir.display())
    })?;
    let mut newest: Option<(String, String)> = None;
    for entry in entries.flatten() {
        let Ok(execution) = read_json(&entry.path().join("execution.json")) else { continue };
        let is_main = execution["stateMachineArn"]
            .as_str()
            .is_some_and(|arn| arn.ends_with("MainStateMachine"));
        // RFC 3339 in UTC with fixed digits: text order is time order.
        let started = execution["startDate"].as_str().unwrap_or_default().to_string();
        if is_main && newest.as_ref().is_none_or(|(t, _)| started > *t) {
            newest = Some((started, entry.file_name().to_string_lossy().to_string()));
        }
    }
    newest
        .map(|(_, name)| name)
        .ok_or_else(|| anyhow!("no local execution of the Main machine in {}", dir.display()))
}

/// Reads an execution and the executions it started from the state directory.
pub(crate) fn read_execution(store: &Store, name: &str) -> Result<ExecutionRecord> {
    let dir = store.execution_dir(name);
    if !dir.is_dir() {
        return Err(anyhow!(
            "no local execution named `{name}` in {} (`automl executions --local` lists them)",
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

/// The training job's directory and output directory.
pub(crate) fn job_dirs(store: &Store, job: &str) -> (PathBuf, PathBuf) {
    let dir = store.resource_dir(ResourceKind::TrainingJob, job);
    let output = dir.join("output").join("data");
    (dir, output)
}

/// Where everything the execution produced lies, in the order a person looks for it.
pub(crate) fn artifacts(store: &Store, execution: &ExecutionRecord, report: Option<&Path>) -> Vec<Artifact> {
    let mut list = Vec::new();
    let mut put = |what: &str, location: String| list.push(Artifact { what: what.into(), location });
    if let Some(model) = execution.model_path() {
        put("model", model);
    }
    if let Some(archive) = execution.outputs_archive() {
        put("outputs archive", archive);
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
    }
    list.extend(execution.deployment_artifacts());
    if let Some(report) = report {
        list.push(Artifact { what: "report".into(), location: report.display().to_string() });
    }
    list.push(Artifact {
        what: "history".into(),
        location: store.execution_dir(&execution.name).join("history.json").display().to_string(),
    });
    list
}

/// The training job's outputs, when the execution trained and they are there.
pub(crate) fn training_output(store: &Store, execution: &ExecutionRecord) -> Result<Option<TrainingOutput>> {
    let Some(job) = execution.training_job() else { return Ok(None) };
    let (_, dir) = job_dirs(store, &job);
    dir.is_dir().then(|| TrainingOutput::from_dir(&dir)).transpose()
}

/// Everything `automl report --local` shows for one execution.
pub(crate) fn report_input(store: &Store, name: &str, report: Option<&Path>, now: f64) -> Result<ReportInput> {
    let execution = read_execution(store, name)?;
    let output = training_output(store, &execution)?;
    let artifacts = artifacts(store, &execution, report);
    Ok(execution.report_input("locally", output, artifacts, now))
}
