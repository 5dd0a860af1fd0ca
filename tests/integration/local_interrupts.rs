//! Interrupts of `automl run --local` with real AutoGluon training: a SIGINT sent to the
//! automl process alone (as an IDE's stop button does) mid-training records the
//! execution and its child `ABORTED` with their history, leaves no trainer running and
//! frees the name for `--replace`; a run killed with SIGKILL is found by the next command,
//! recorded `ABORTED`, and leaves no trainer either. Names of endpoints that would
//! leave the state directory are refused before they touch the file system, and `local
//! setup` leaves a `venv` it did not create alone.

use crate::support::{penguins_scratch, python, Test};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = penguins_scratch();
        let input = json!({"Parameters": {
            "Flow": {"Train": true, "Evaluate": true, "Deploy": false},
            "Train": {
                "TrainDataPath": "s3://data/penguins/train.csv",
                "TestDataPath": "s3://data/penguins/test.csv",
                "TrainingOutput": "s3://data/output/training/",
                "InstanceCount": 1,
                "InstanceType": "ml.m5.xlarge",
                "FitArgs": {"hyperparameters": {"GBM": {}}, "time_limit": 120},
                "InitArgs": {"label": "species"},
            },
            "Evaluation": {"Metric": "accuracy", "Threshold": 0.5},
        }});
        std::fs::write(dir.path().join("input.json"), input.to_string()).unwrap();
        Sandbox { dir }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// `automl run --local` in the background, its output to files.
    fn spawn_run(&self, name: &str, extra: &[&str]) -> Child {
        let log = |n: &str| std::fs::File::create(self.dir.path().join(n)).unwrap();
        Command::new(env!("CARGO_BIN_EXE_automl"))
            .args(["run", "--local"])
            .arg(self.dir.path().join("input.json"))
            .args(["--name", name, "--state-dir"])
            .arg(self.state())
            .arg("--object-root")
            .arg(self.dir.path().join("objects"))
            .arg("--python")
            .arg(python())
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log(&format!("{name}.stdout")))
            .stderr(log(&format!("{name}.stderr")))
            .spawn()
            .unwrap()
    }

    fn stderr_of(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.stderr"))).unwrap_or_default()
    }

    /// The pid file of the training job of Train execution `train` (started by run
    /// `name`), once its process runs (and has had a moment to start importing AutoGluon:
    /// seconds before it could finish).
    fn wait_for_trainer(&self, name: &str, train: &str, child: &mut Child) -> (PathBuf, u32) {
        let job = format!("automl-{train}");
        let pid_file = self
            .state()
            .join("sagemaker/training-jobs")
            .join(&job)
            .join("job.pid.json");
        let until = Instant::now() + Duration::from_secs(120);
        while !pid_file.is_file() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "the run ended ({status}) before its training started:\n{}",
                    self.stderr_of(name)
                );
            }
            assert!(Instant::now() < until, "no training started within 120 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(1500));
        let job: Value =
            serde_json::from_str(&std::fs::read_to_string(&pid_file).unwrap()).unwrap();
        let pid = job["pid"].as_u64().unwrap() as u32;
        assert!(running(pid), "the trainer {pid} is not running yet");
        (pid_file, pid)
    }

    fn execution(&self, name: &str) -> Value {
        let path = self
            .state()
            .join("executions")
            .join(name)
            .join("execution.json");
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    fn history(&self, name: &str) -> Vec<Value> {
        let path = self
            .state()
            .join("executions")
            .join(name)
            .join("history.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str::<Value>(&text).unwrap()["events"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Processes whose command line names this sandbox (trainers run on files in it).
    fn processes_left(&self) -> Vec<String> {
        let marker = self.dir.path().display().to_string();
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            if !running(pid) {
                continue;
            }
            if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
                let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
                if cmdline.contains(&marker) {
                    found.push(format!("{pid}: {cmdline}"));
                }
            }
        }
        found
    }
}

/// Whether `pid` runs (a zombie does not count).
fn running(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next().map(str::to_string));
    !matches!(state.as_deref(), Some("Z") | Some("X"))
}

fn wait_gone(pid: u32, within: Duration) -> bool {
    let until = Instant::now() + within;
    while Instant::now() < until {
        if !running(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    !running(pid)
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let until = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("automl did not end within {within:?} of the signal");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn signal(pid: u32, signal: i32) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

fn assert_aborted(sandbox: &Sandbox, execution: &str) {
    let record = sandbox.execution(execution);
    assert_eq!(record["status"], "ABORTED", "{execution}: {record:#}");
    let history = sandbox.history(execution);
    assert_eq!(
        history.last().unwrap()["type"],
        "ExecutionAborted",
        "{execution}: {history:#?}"
    );
}

#[test]
fn an_interrupted_run_is_aborted_with_its_child_and_a_killed_one_is_found() {
    let sandbox = Sandbox::new();
    // SIGINT to automl alone (not its process group): the trainer is in its own group,
    // so only automl itself can stop it.
    let mut run = sandbox.spawn_run("ctrlc", &[]);
    let (pid_file, trainer) = sandbox.wait_for_trainer("ctrlc", "ctrlc-train", &mut run);
    let sent = Instant::now();
    signal(run.id(), 2);
    let status = wait_exit(&mut run, Duration::from_secs(30));
    let stopped_in = sent.elapsed();
    let stderr = sandbox.stderr_of("ctrlc");
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted (SIGINT): stopped"), "{stderr}");
    assert!(
        stderr.contains("execution ctrlc-train (ABORTED)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("training job automl-ctrlc-train (Stopped)"),
        "{stderr}"
    );
    assert!(stderr.contains("--replace"), "{stderr}");
    assert!(stderr.contains("--resume ctrlc"), "{stderr}");
    assert_aborted(&sandbox, "ctrlc");
    assert_aborted(&sandbox, "ctrlc-train");
    assert!(
        wait_gone(trainer, Duration::from_secs(5)),
        "trainer {trainer} left running"
    );
    assert!(!pid_file.exists(), "the pid file of a stopped job stays");
    assert_eq!(sandbox.processes_left(), Vec::<String>::new());
    let job: Value = serde_json::from_str(
        &std::fs::read_to_string(
            sandbox
                .state()
                .join("sagemaker/training-jobs/automl-ctrlc-train/record.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(job["TrainingJobStatus"], "Stopped");
    eprintln!("SIGINT to recorded ABORTED: {stopped_in:?}");

    // The name stays taken without --replace, and says how to reuse it.
    let again = Test::new()
        .args(["run", "--local"])
        .arg(sandbox.dir.path().join("input.json"))
        .args(["--name", "ctrlc", "--state-dir"])
        .arg(sandbox.state())
        .arg("--object-root")
        .arg(sandbox.dir.path().join("objects"))
        .arg("--python")
        .arg(python())
        .status(1)
        .stderr_contains("ended ABORTED here: add --replace")
        .run();
    drop(again);

    // --replace takes the name again; this run is killed outright mid-training.
    let mut run = sandbox.spawn_run("ctrlc", &["--replace"]);
    let (pid_file, trainer) = sandbox.wait_for_trainer("ctrlc", "ctrlc-train", &mut run);
    signal(run.id(), 9);
    let _ = wait_exit(&mut run, Duration::from_secs(10));
    assert_eq!(sandbox.execution("ctrlc")["status"], "RUNNING");
    // The kernel ends the trainer with its parent (PR_SET_PDEATHSIG).
    assert!(
        wait_gone(trainer, Duration::from_secs(5)),
        "trainer {trainer} orphaned"
    );
    assert!(pid_file.exists());
    // The next command finds the dead run and records it.
    Test::new()
        .args(["executions", "--local", "--state-dir"])
        .arg(sandbox.state())
        .stdout_contains("ctrlc-train")
        .stdout_contains("ABORTED")
        .stdout_lacks("RUNNING")
        .run();
    assert_aborted(&sandbox, "ctrlc");
    assert_aborted(&sandbox, "ctrlc-train");
    assert!(!pid_file.exists());
    let job: Value = serde_json::from_str(
        &std::fs::read_to_string(
            sandbox
                .state()
                .join("sagemaker/training-jobs/automl-ctrlc-train/record.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(job["TrainingJobStatus"], "Stopped", "{job:#}");
    assert_eq!(sandbox.processes_left(), Vec::<String>::new());
    Test::new()
        .args(["status", "--local", "ctrlc", "--state-dir"])
        .arg(sandbox.state())
        .status(1)
        .stdout_contains("ctrlc (Aborted)")
        .stdout_contains("history  ")
        .run();

    // The aborted run resumes (its history was lost with the process: from the start);
    // as on AWS, its rerun TrainModel starts a new child named after the redrive count
    // (`ctrlc-train-r1`), which trains under its own job name while the aborted child and
    // its stopped job stay as they ended; `automl stop --local` stops that resume
    // mid-training as Ctrl-C would.
    let resume = |log: &str| {
        let file = |n: &str| std::fs::File::create(sandbox.dir.path().join(n)).unwrap();
        Command::new(env!("CARGO_BIN_EXE_automl"))
            .args(["run", "--local", "--resume", "ctrlc", "--state-dir"])
            .arg(sandbox.state())
            .arg("--object-root")
            .arg(sandbox.dir.path().join("objects"))
            .arg("--python")
            .arg(python())
            .stdin(Stdio::null())
            .stdout(file(&format!("{log}.stdout")))
            .stderr(file(&format!("{log}.stderr")))
            .spawn()
            .unwrap()
    };
    let mut resumed = resume("ctrlc");
    let (_, trainer) = sandbox.wait_for_trainer("ctrlc", "ctrlc-train-r1", &mut resumed);
    Test::new()
        .args(["stop", "--local", "ctrlc", "--state-dir"])
        .arg(sandbox.state())
        .stdout_contains("stopped:   ctrlc (ABORTED)")
        .run();
    let status = wait_exit(&mut resumed, Duration::from_secs(30));
    let stderr = sandbox.stderr_of("ctrlc");
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains(
            "resuming ctrlc where it stopped (ABORTED with no recorded state: from the start"
        ),
        "{stderr}"
    );
    assert!(
        wait_gone(trainer, Duration::from_secs(5)),
        "trainer {trainer} left running"
    );
    assert_aborted(&sandbox, "ctrlc");
    assert_aborted(&sandbox, "ctrlc-train-r1");
    assert_eq!(sandbox.execution("ctrlc-train")["status"], "ABORTED");
    Test::new()
        .args(["stop", "--local", "ctrlc-train-r1", "--state-dir"])
        .arg(sandbox.state())
        .status(1)
        .stderr_contains("execution `ctrlc-train-r1` was started by `ctrlc`")
        .run();
    // Resumed again: this time its history says where (the training task), and it ends.
    let started = Instant::now();
    let mut resumed = resume("resumed");
    let status = wait_exit(&mut resumed, Duration::from_secs(300));
    let stderr = std::fs::read_to_string(sandbox.dir.path().join("resumed.stderr")).unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        stderr
            .contains("(ABORTED in TrainModel, which runs again as a new execution ctrlc-train-r2"),
        "{stderr}"
    );
    eprintln!("resume to the end: {:?}", started.elapsed());
    let kinds = |execution: &str| -> Vec<String> {
        sandbox
            .history(execution)
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect()
    };
    let record = sandbox.execution("ctrlc");
    assert_eq!(record["status"], "SUCCEEDED", "{record:#}");
    assert_eq!(record["redriveCount"], 2, "{record:#}");
    let main = kinds("ctrlc");
    let redrives: Vec<usize> = (0..main.len())
        .filter(|i| main[*i] == "ExecutionRedriven")
        .collect();
    assert_eq!(redrives.len(), 2, "{main:?}");
    assert_eq!(main[redrives[0] - 1], "ExecutionAborted", "{main:?}");
    assert_eq!(main[redrives[1] - 1], "ExecutionAborted", "{main:?}");
    assert_eq!(
        main.last().map(String::as_str),
        Some("ExecutionSucceeded"),
        "{main:?}"
    );
    // One child per attempt, each never redriven, each with its own training job.
    for (execution, status, job) in [
        ("ctrlc-train", "ABORTED", "Stopped"),
        ("ctrlc-train-r1", "ABORTED", "Stopped"),
        ("ctrlc-train-r2", "SUCCEEDED", "Completed"),
    ] {
        let record = sandbox.execution(execution);
        assert_eq!(record["status"], status, "{record:#}");
        assert_eq!(record["parentExecution"], "ctrlc", "{record:#}");
        assert!(record.get("redriveCount").is_none(), "{record:#}");
        let trained: Value = serde_json::from_str(
            &std::fs::read_to_string(sandbox.state().join(format!(
                "sagemaker/training-jobs/automl-{execution}/record.json"
            )))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            trained["TrainingJobStatus"], job,
            "{execution}: {trained:#}"
        );
    }
    assert_eq!(sandbox.processes_left(), Vec::<String>::new());
}

#[test]
fn endpoint_names_that_leave_the_state_dir_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("a/b/state");
    std::fs::create_dir_all(&state).unwrap();
    let victim = dir.path().join("x");
    std::fs::create_dir_all(victim.join("inside")).unwrap();
    for name in ["../../../x", "..", "a/b", "x\n"] {
        Test::new()
            .args(["local", "stop", name, "--state-dir"])
            .arg(&state)
            .status(1)
            .stderr_contains("is not an endpoint name")
            .run();
        Test::new()
            .args(["invoke", "--local", name, "--body", "1,2", "--state-dir"])
            .arg(&state)
            .status(1)
            .stderr_contains("is not an endpoint name")
            .run();
    }
    assert!(
        victim.join("inside").is_dir(),
        "stop deleted outside the state dir"
    );
}

#[test]
fn local_executions_and_status_on_an_empty_state_dir() {
    let dir = tempfile::tempdir().unwrap();
    Test::new()
        .args(["executions", "--local", "--state-dir"])
        .arg(dir.path())
        .stderr_contains("no local executions")
        .run();
    Test::new()
        .args(["status", "--local", "nope", "--state-dir"])
        .arg(dir.path())
        .status(1)
        .stderr_contains("no local execution named `nope`")
        .run();
}

#[test]
fn setup_leaves_a_venv_it_did_not_create_alone() {
    let dir = tempfile::tempdir().unwrap();
    let venv = dir.path().join("venv");
    std::fs::create_dir_all(&venv).unwrap();
    std::fs::write(venv.join("precious.txt"), "mine").unwrap();
    Test::new()
        .args(["local", "setup", "--state-dir"])
        .arg(dir.path())
        .arg("--base-python")
        .arg(python())
        .status(1)
        .stderr_contains("was not created by `automl local setup`: nothing was changed")
        .run();
    assert_eq!(
        std::fs::read_to_string(venv.join("precious.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn validate_local_checks_the_data_and_the_metric_before_anything_runs() {
    let sandbox = Sandbox::new();
    let mut input: Value = serde_json::from_str(
        &std::fs::read_to_string(sandbox.dir.path().join("input.json")).unwrap(),
    )
    .unwrap();
    let validate = |input: &Value| {
        let path = sandbox.dir.path().join("check.json");
        std::fs::write(&path, input.to_string()).unwrap();
        Test::new()
            .args(["validate", "--local"])
            .arg(&path)
            .arg("--object-root")
            .arg(sandbox.dir.path().join("objects"))
    };
    validate(&input).stdout_contains("valid").run();
    // roc_auc and r2 are not reported for the three penguin species (multiclass).
    for metric in ["roc_auc", "r2"] {
        input["Parameters"]["Evaluation"]["Metric"] = json!(metric);
        validate(&input)
            .status(1)
            .stderr_contains(format!(
                "Parameters.Evaluation.Metric: \"{metric}\" is not reported for a multiclass problem (the label column \"species\" has 3 distinct values"
            ))
            .run();
    }
    input["Parameters"]["Evaluation"]["Metric"] = json!("accuracy");
    input["Parameters"]["Train"]["FitArgs"]["time_limit"] = json!("20");
    validate(&input)
        .status(1)
        .stderr_contains("Parameters.Train.FitArgs.time_limit: must be a number of seconds")
        .run();
    input["Parameters"]["Train"]["FitArgs"]["time_limit"] = json!(20);
    input["Parameters"]["Train"]["TestDataPath"] = json!("s3://data/penguins/nope.csv");
    validate(&input)
        .status(1)
        .stderr_contains("Parameters.Train.TestDataPath: \"s3://data/penguins/nope.csv\": ")
        .stderr_contains("does not exist")
        .run();
}

#[test]
fn an_interrupted_setup_ends_its_pip_and_leaves_no_venv_that_looks_ready() {
    // The real setup in a fresh state directory, stopped by a signal to automl alone once
    // its pip runs (SIGTERM), or while `python -m venv` and its ensurepip run (SIGINT): the
    // step's process group ends too, and the half-made venv goes.
    for (number, name, step) in [
        (libc::SIGTERM, "SIGTERM", "/venv/bin/python -m pip"),
        (libc::SIGINT, "SIGINT", "-m venv "),
    ] {
        let sandbox = Sandbox::new();
        let state = sandbox.state();
        let stderr = sandbox.dir.path().join("setup.stderr");
        let mut child = Command::new(env!("CARGO_BIN_EXE_automl"))
            .args(["local", "setup", "--state-dir"])
            .arg(&state)
            .arg("--base-python")
            .arg(python())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let step = if step.starts_with('/') {
            format!("{}{step}", state.display())
        } else {
            step.to_string()
        };
        let until = Instant::now() + Duration::from_secs(120);
        while !sandbox.processes_left().iter().any(|p| p.contains(&step)) {
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "setup ended ({status}) before `{step}` started:\n{}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < until,
                "`{step}` did not start within 120 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        signal(child.id(), number);
        let status = wait_exit(&mut child, Duration::from_secs(30));
        let said = std::fs::read_to_string(&stderr).unwrap();
        assert!(!status.success(), "{said}");
        assert!(
            said.contains(&format!(
                "interrupted ({name}): setup stopped, its pip and python processes ended"
            )),
            "{said}"
        );
        let until = Instant::now() + Duration::from_secs(10);
        while !sandbox.processes_left().is_empty() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(
            sandbox.processes_left(),
            Vec::<String>::new(),
            "{name}: nothing of setup may be left running"
        );
        assert!(
            !state.join("venv").exists(),
            "{name}: the half-made venv is removed"
        );
    }
}
