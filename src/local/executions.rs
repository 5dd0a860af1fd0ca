//! Local executions as records: listing them (`automl executions --local`), reading one
//! (`automl status --local`), deciding whether a name may be used again, freeing it
//! (`run --local --replace`), stopping
//! one (`stop --local`), and telling what an interrupted run stopped and left running.
//!
//! Step Functions keeps an execution name taken for 90 days whatever its end; locally a
//! name is worth keeping only while it means something: a succeeded run's name stays
//! taken (its model and endpoint carry it), a failed, timed-out or aborted run's may be
//! replaced — its execution records and the resources named after it are removed first.

use super::endpoints::{EndpointStatus, Registry};
use super::store::{ResourceKind, Store};
use serde::Serialize;
use serde_json::Value;
use std::fs;

/// One local execution, as `executions --local` lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExecutionRow {
    pub(crate) name: String,
    pub(crate) status: String,
    pub(crate) start_date: Option<String>,
    pub(crate) stop_date: Option<String>,
    pub(crate) parent_execution: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
    pub(crate) execution_arn: Option<String>,
}

/// The record of execution `name`, if it exists.
pub(crate) fn record(store: &Store, name: &str) -> Option<Value> {
    let text = fs::read_to_string(store.execution_dir(name).join("execution.json")).ok()?;
    serde_json::from_str(&text).ok()
}

fn row(name: &str, record: &Value) -> ExecutionRow {
    let text = |key: &str| record.get(key).and_then(Value::as_str).map(str::to_string);
    ExecutionRow {
        name: name.to_string(),
        status: text("status").unwrap_or_else(|| "UNKNOWN".into()),
        start_date: text("startDate"),
        stop_date: text("stopDate"),
        parent_execution: text("parentExecution"),
        error: text("error"),
        cause: text("cause"),
        execution_arn: text("executionArn"),
    }
}

/// Every local execution, newest first (after recording dead runs as aborted).
pub(crate) fn list(store: &Store) -> Vec<ExecutionRow> {
    super::interrupt::recover(store);
    let mut rows: Vec<ExecutionRow> = fs::read_dir(store.executions_dir())
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| {
                    let name = entry.file_name().to_string_lossy().to_string();
                    record(store, &name).map(|r| row(&name, &r))
                })
                .collect()
        })
        .unwrap_or_default();
    rows.sort_by(|a, b| {
        b.start_date
            .cmp(&a.start_date)
            .then_with(|| a.name.cmp(&b.name))
    });
    rows
}

/// One execution and the executions it started (by `parentExecution`), recursively.
pub(crate) fn family(store: &Store, name: &str) -> Vec<String> {
    let all = list_names(store);
    let mut family = vec![name.to_string()];
    let mut at = 0;
    while at < family.len() {
        let parent = family[at].clone();
        for child in &all {
            let is_child = record(store, child)
                .and_then(|r| {
                    r.get("parentExecution")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .is_some_and(|p| p == parent);
            if is_child && !family.contains(child) {
                family.push(child.clone());
            }
        }
        at += 1;
    }
    family
}

fn list_names(store: &Store) -> Vec<String> {
    fs::read_dir(store.executions_dir())
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The SageMaker resources the machines name after an execution: `<stack>-<execution>`.
fn resource_names(stack_name: &str, family: &[String]) -> Vec<String> {
    family
        .iter()
        .map(|execution| format!("{stack_name}-{execution}"))
        .collect()
}

const REUSABLE: &[&str] = &["FAILED", "TIMED_OUT", "ABORTED"];

/// Whether `name` may start a run: `Ok(())` when it is free (or was freed because
/// `replace` was asked and it may be), else why not, with what to do.
pub(crate) fn claim_name(
    store: &Store,
    stack_name: &str,
    name: &str,
    replace: bool,
) -> anyhow::Result<()> {
    let dir = store.execution_dir(name);
    if !dir.exists() {
        return Ok(());
    }
    super::interrupt::recover(store);
    let status = record(store, name)
        .and_then(|r| r.get("status").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "UNKNOWN".into());
    match status.as_str() {
        "RUNNING" => anyhow::bail!(
            "execution `{name}` is still running here (another automl process): wait for it or interrupt that process; see `automl status --local {name}`"
        ),
        "SUCCEEDED" => anyhow::bail!(
            "execution `{name}` succeeded here ({}); a succeeded run's name stays taken (its model and resources carry it): choose another --name",
            dir.display()
        ),
        status if !REUSABLE.contains(&status) && !replace => anyhow::bail!(
            "an execution named `{name}` already exists here ({}, status {status}): choose another --name",
            dir.display()
        ),
        status if !replace => anyhow::bail!(
            "execution `{name}` ended {status} here: add --replace to run again under this name (its records and the resources named after it are removed first), resume it where it stopped with `automl run --local --resume {name}`, or choose another --name"
        ),
        _ => {}
    }
    let family = family(store, name);
    let resources = resource_names(stack_name, &family);
    let registry = Registry::new(store);
    for resource in &resources {
        if let Some(endpoint) = registry.get(resource) {
            if !matches!(registry.status(&endpoint), EndpointStatus::Failed { .. }) {
                anyhow::bail!(
                    "execution `{name}` left endpoint `{resource}` running: stop it first with `automl local stop {resource}`, then --replace"
                );
            }
        }
    }
    for resource in &resources {
        for kind in [
            ResourceKind::TrainingJob,
            ResourceKind::Model,
            ResourceKind::EndpointConfig,
            ResourceKind::Endpoint,
            ResourceKind::TransformJob,
        ] {
            remove_dir(&store.resource_dir(kind, resource))?;
        }
    }
    for execution in &family {
        remove_dir(&store.execution_dir(execution))?;
    }
    Ok(())
}

fn remove_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    match fs::symlink_metadata(dir) {
        Err(_) => Ok(()),
        // A link planted at a resource name: remove the link, never what it points at.
        Ok(meta) if !meta.is_dir() => fs::remove_file(dir)
            .map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", dir.display())),
        Ok(_) => fs::remove_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", dir.display())),
    }
}

/// What an interrupted run stopped and what it leaves running.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Interrupted {
    pub(crate) signal: String,
    /// `execution <name> (ABORTED)`, `training job <name> (Stopped)`, ...
    pub(crate) stopped: Vec<String>,
    /// Endpoints already in service: they stay, as on AWS.
    pub(crate) still_running: Vec<String>,
}

pub(crate) fn interrupted(store: &Store, stack_name: &str, name: &str, signal: i32) -> Interrupted {
    let family = family(store, name);
    let mut stopped = Vec::new();
    for execution in &family {
        if let Some(record) = record(store, execution) {
            let status = record.get("status").and_then(Value::as_str).unwrap_or("?");
            stopped.push(format!("execution {execution} ({status})"));
        }
    }
    let mut still_running = Vec::new();
    let registry = Registry::new(store);
    for resource in resource_names(stack_name, &family) {
        for (kind, key, what) in [
            (
                ResourceKind::TrainingJob,
                "TrainingJobStatus",
                "training job",
            ),
            (
                ResourceKind::TransformJob,
                "TransformJobStatus",
                "transform job",
            ),
        ] {
            if let Some(record) = store.record(kind, &resource) {
                let status = record.get(key).and_then(Value::as_str).unwrap_or("?");
                stopped.push(format!("{what} {resource} ({status})"));
            }
        }
        if let Some(endpoint) = registry.get(&resource) {
            match registry.status(&endpoint) {
                EndpointStatus::Failed { .. } => {}
                status => still_running.push(format!(
                    "endpoint {resource} ({}; pid {}): it stays, as a SageMaker endpoint would; stop it with `automl local stop {resource}`",
                    status.name(),
                    endpoint.pid
                )),
            }
        }
    }
    Interrupted {
        signal: super::interrupt::signal_name(signal),
        stopped,
        still_running,
    }
}

/// `automl stop --local NAME`: stops the run that owns execution `name` the way an
/// interrupt does (SIGINT to its automl process, which records the execution and its
/// children `ABORTED` with their histories), and waits up to `within` for the record.
/// Returns the status it ended with.
pub(crate) fn stop(
    store: &Store,
    name: &str,
    within: std::time::Duration,
) -> anyhow::Result<String> {
    super::interrupt::recover(store);
    let Some(found) = record(store, name) else {
        anyhow::bail!(
            "no local execution `{name}` in {} (`automl executions --local` lists them)",
            store.dir.display()
        );
    };
    if let Some(parent) = found.get("parentExecution").and_then(Value::as_str) {
        anyhow::bail!(
            "execution `{name}` was started by `{parent}`: stop `{parent}`, and it stops with it"
        );
    }
    let status = found
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("UNKNOWN");
    if status != "RUNNING" {
        anyhow::bail!(
            "execution `{name}` is not running: it ended {status}; there is nothing to stop"
        );
    }
    let pid = found
        .pointer("/owner/pid")
        .and_then(Value::as_u64)
        .filter(|_| {
            found
                .get("owner")
                .is_some_and(super::interrupt::owner_alive)
        });
    if let Some(pid) = pid {
        // SAFETY: kill(2) of the process the record names as its live owner (its start
        // time checked, so never a recycled pid).
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGINT);
        }
    }
    let deadline = std::time::Instant::now() + within;
    loop {
        super::interrupt::recover(store);
        let status = record(store, name)
            .and_then(|r| r.get("status").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| "UNKNOWN".into());
        if status != "RUNNING" {
            return Ok(status);
        }
        if std::time::Instant::now() >= deadline {
            anyhow::bail!(
                "execution `{name}` is still running {} s after its automl process (pid {}) was asked to stop",
                within.as_secs(),
                pid.unwrap_or_default()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
