//! Interrupts of a local run, and runs that ended without a word.
//!
//! SIGINT, SIGTERM and SIGHUP during `run --local` are StopExecution: the handler only
//! records the signal (all a handler may safely do); the job loop in [`super::process`]
//! sees it within 50 ms and stops its process group, and the interpreter (asking
//! [`requested`] through its host) ends every open execution `ABORTED` with its history.
//!
//! A run killed outright (SIGKILL, a crash, a closed laptop) leaves its executions
//! `RUNNING`. Every record names its owner (process id and start time, so a recycled id is
//! never taken for it); [`recover`], called by every local command that reads the store,
//! finds records whose owner is gone, ends the job processes they left (their process
//! groups, from the pid files the jobs keep) and records the executions `ABORTED` and
//! the jobs `Stopped`.

use super::store::{write_json, ResourceKind, Store};
use serde_json::{json, Value};
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};

static SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(signal: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    SIGNAL.store(signal, Ordering::SeqCst);
}

/// Installs the handler for SIGINT, SIGTERM and SIGHUP (idempotent).
pub(crate) fn install() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: sigaction(2) with a handler that only stores into an atomic; the struct
        // is zeroed (an empty mask, no flags but SA_RESTART) before use.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// The signal that interrupted the run, if one did.
pub(crate) fn requested() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// `SIGINT`, `SIGTERM`, ...
pub(crate) fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGINT => "SIGINT".into(),
        libc::SIGTERM => "SIGTERM".into(),
        libc::SIGHUP => "SIGHUP".into(),
        other => format!("signal {other}"),
    }
}

/// The cause an interrupted execution records.
pub(crate) fn cause(signal: i32) -> String {
    format!(
        "stopped by {} to automl (pid {}): the local counterpart of StopExecution",
        signal_name(signal),
        std::process::id()
    )
}

/// Who runs an execution: this process, with its start time.
pub(crate) fn owner() -> Value {
    let pid = std::process::id();
    json!({"pid": pid, "started": start_time(pid)})
}

/// The start time of `pid` in clock ticks since boot (field 22 of /proc/PID/stat).
pub(crate) fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    // Fields after the command name start at field 3 (state).
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Whether the process an `owner` record names still runs (not a zombie).
pub(crate) fn owner_alive(owner: &Value) -> bool {
    let Some(pid) = owner.get("pid").and_then(Value::as_u64) else {
        return false;
    };
    let pid = pid as u32;
    let Some(now) = start_time(pid) else {
        return false;
    };
    if let Some(started) = owner.get("started").and_then(Value::as_u64) {
        if started != now {
            return false;
        }
    }
    let zombie = fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next().map(str::to_string))
        })
        .is_some_and(|state| state == "Z" || state == "X");
    !zombie
}

/// What [`recover`] found and recorded.
#[derive(Debug, Default)]
pub(crate) struct Recovered {
    /// Executions recorded `ABORTED` now.
    pub(crate) executions: Vec<String>,
    /// Jobs recorded `Stopped` now (their processes ended).
    pub(crate) jobs: Vec<String>,
}

/// Finds executions and jobs whose owner is gone, ends what they left running and
/// records them as aborted / stopped.
pub(crate) fn recover(store: &Store) -> Recovered {
    let mut found = Recovered::default();
    for kind in [ResourceKind::TrainingJob, ResourceKind::TransformJob] {
        for name in store.names(kind) {
            let dir = store.resource_dir(kind, &name);
            let pid_file = dir.join(super::process::PID_FILE);
            let Some(job) = read_json(&pid_file) else {
                continue;
            };
            if job.get("owner").is_some_and(owner_alive) {
                continue;
            }
            super::process::end_job(&job);
            let _ = fs::remove_file(&pid_file);
            if let Some(mut record) = store.record(kind, &name) {
                let status_key = match kind {
                    ResourceKind::TrainingJob => "TrainingJobStatus",
                    _ => "TransformJobStatus",
                };
                if record.get(status_key).and_then(Value::as_str) == Some("InProgress") {
                    record[status_key] = json!("Stopped");
                    if kind == ResourceKind::TrainingJob {
                        record["SecondaryStatus"] = json!("Stopped");
                    }
                    record["FailureReason"] = json!(
                        "the automl process that ran this job ended without stopping it (killed?); the job's processes were ended by the next automl command"
                    );
                    let _ = store.write_record(kind, &name, &record);
                    found.jobs.push(name);
                }
            }
        }
    }
    let Ok(entries) = fs::read_dir(store.executions_dir()) else {
        return found;
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    for name in names {
        let dir = store.execution_dir(&name);
        let Some(mut record) = read_json(&dir.join("execution.json")) else {
            continue;
        };
        if record.get("status").and_then(Value::as_str) != Some("RUNNING") {
            continue;
        }
        if record.get("owner").is_some_and(owner_alive) {
            continue;
        }
        let cause = "the automl process that ran this execution ended without recording its end (killed, or its machine stopped); recorded as aborted by the next automl command";
        let stop = crate::sfn::time::Timestamp::now();
        record["status"] = json!("ABORTED");
        record["stopDate"] = json!(stop.to_rfc3339());
        record["error"] = json!("States.Aborted");
        record["cause"] = json!(cause);
        if write_json(&dir.join("execution.json"), &record).is_err() {
            continue;
        }
        // The events the dead process held in memory are lost; what is known is written.
        let history = dir.join("history.json");
        if !history.exists() {
            let events = json!({"events": [
                {"id": 1, "previousEventId": 0, "timestamp": record.get("startDate"), "type": "ExecutionStarted",
                 "executionStartedEventDetails": {"input": crate::sfn::path::compact(record.get("input").unwrap_or(&Value::Null)), "stateMachineArn": record.get("stateMachineArn")}},
                {"id": 2, "previousEventId": 1, "timestamp": stop.to_rfc3339(), "type": "ExecutionAborted",
                 "executionAbortedEventDetails": {"error": "States.Aborted", "cause": cause}},
            ]});
            let _ = write_json(&history, &events);
        }
        found.executions.push(name);
    }
    found
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_recycled_pid_is_not() {
        let me = owner();
        assert!(owner_alive(&me));
        let mut other = me.clone();
        other["started"] = json!(me["started"].as_u64().unwrap() + 1);
        assert!(!owner_alive(&other));
        assert!(!owner_alive(&json!({"pid": 0})));
        assert!(!owner_alive(&json!({})));
    }

    #[test]
    fn dead_runs_are_recorded_aborted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        let exec = store.execution_dir("gone");
        fs::create_dir_all(&exec).unwrap();
        write_json(
            &exec.join("execution.json"),
            &json!({"name": "gone", "status": "RUNNING", "owner": {"pid": 0}, "input": {}}),
        )
        .unwrap();
        let mine = store.execution_dir("mine");
        fs::create_dir_all(&mine).unwrap();
        write_json(
            &mine.join("execution.json"),
            &json!({"name": "mine", "status": "RUNNING", "owner": owner()}),
        )
        .unwrap();
        let found = recover(&store);
        assert_eq!(found.executions, ["gone"]);
        let record = read_json(&exec.join("execution.json")).unwrap();
        assert_eq!(record["status"], "ABORTED");
        let history = read_json(&exec.join("history.json")).unwrap();
        assert_eq!(history["events"][1]["type"], "ExecutionAborted");
        assert_eq!(
            read_json(&mine.join("execution.json")).unwrap()["status"],
            "RUNNING"
        );
    }
}
