//! The local runner's command line without AutoGluon: what it refuses and how it says
//! so (a missing Python environment, a bad input, a reused execution name, unknown
//! endpoints), and a pretrained-model flow whose model does not exist, failing the way
//! SageMaker would, through the machines' Retry, quickly with `--max-wait 0`.

use crate::support::Test;
use serde_json::json;
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, value: serde_json::Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    path
}

/// A pretrained batch flow whose rows exist (in the default object root of
/// `<dir>/state`) and whose model does not.
fn batch_input(dir: &Path) -> PathBuf {
    let rows = dir.join("state/objects/data/batch.csv");
    std::fs::create_dir_all(rows.parent().unwrap()).unwrap();
    std::fs::write(&rows, "39.1,18.7\n").unwrap();
    write(
        dir,
        "batch.json",
        json!({"Parameters": {
            "Flow": {"Train": false, "Evaluate": false, "Deploy": true},
            "PretrainedModel": {"Name": "no-such-model"},
            "Deploy": {"Mode": "batch", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                       "BatchInputDataPath": "s3://data/batch.csv", "BatchOutputDataPath": "s3://data/out/"},
        }}),
    )
}

/// `automl run --local INPUT --state-dir <dir>/state`.
fn run_local(input: &Path, dir: &Path) -> Test {
    Test::new()
        .args(["run", "--local"])
        .arg(input)
        .arg("--state-dir")
        .arg(dir.join("state"))
}

/// An interpreter that passes the runner's probe for autogluon.tabular (and nothing else).
fn fake_python(dir: &Path) -> PathBuf {
    let path = dir.join("python");
    std::fs::write(&path, "#!/bin/sh\nexit 0\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn a_missing_python_environment_names_the_command_that_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = batch_input(dir.path());
    run_local(&input, dir.path())
        .status(1)
        .stderr_contains("automl local setup")
        .stderr_contains("--python")
        .run();
    assert!(
        !dir.path().join("state/executions").exists(),
        "nothing may start"
    );
    run_local(&input, dir.path())
        .args(["--python", "/no/such/python"])
        .status(1)
        .stderr_contains("--python /no/such/python: no such file")
        .stderr_contains("automl local setup")
        .run();
}

#[test]
fn a_bad_input_is_refused_with_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "bad.json",
        json!({"Parameters": {"Flow": {"Train": true, "Deploy": false}, "Train": {"TrainDataPath": "s3://data/train.csv"}}}),
    );
    run_local(&input, dir.path())
        .status(1)
        .stderr_contains("Parameters.Train.TestDataPath")
        .stderr_contains("nothing was started")
        .run();
    Test::new()
        .args(["run", "--local"])
        .arg(dir.path().join("missing.json"))
        // Unreadable: 2, as `validate` says it (the same failure, the same code).
        .status(2)
        .stderr_contains("missing.json")
        .run();
}

#[test]
fn a_missing_model_fails_like_sagemaker_and_names_cannot_be_reused() {
    let dir = tempfile::tempdir().unwrap();
    let input = batch_input(dir.path());
    let python = fake_python(dir.path());
    let run = || {
        Test::new()
            .args(["run", "--local"])
            .arg(&input)
            .args(["--name", "first", "--max-wait", "0", "--state-dir"])
            .arg(dir.path().join("state"))
            .arg("--python")
            .arg(&python)
    };
    let started = std::time::Instant::now();
    run()
        .status(1)
        .stdout_contains("execution: first (Failed)")
        .stdout_contains("SageMaker.AmazonSageMakerException")
        .stdout_contains("Could not find model")
        .stdout_contains("Error Code: ValidationException")
        // Locally the cause names the models there are (none yet).
        .stdout_contains("there are no local models yet")
        .stderr_contains("Deploy › BatchTransform ✗")
        .run();
    // A validation error is not retried (it used to be, three times: 35 s).
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "a missing model took {:?} to fail",
        started.elapsed()
    );
    // One attempt, caught, not transient, failed with SageMaker's own error: in the history.
    let history: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            dir.path()
                .join("state/executions/first-deploy/history.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let failures = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "TaskFailed")
        .count();
    assert_eq!(failures, 1, "{history}");
    let last = history["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .to_string();
    assert!(
        last.contains("SageMaker.AmazonSageMakerException"),
        "{last}"
    );
    assert!(last.contains("Could not find model"), "{last}");
    run()
        .status(1)
        .stderr_contains("execution `first` ended FAILED here: add --replace")
        .run();
}

#[test]
fn unknown_endpoints_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    Test::new()
        .args(["local", "endpoints", "--state-dir"])
        .arg(&state)
        .stderr_contains("no local endpoints")
        .run();
    Test::new()
        .args(["--json", "local", "endpoints", "--state-dir"])
        .arg(&state)
        .stdout("[]\n")
        .run();
    Test::new()
        .args(["local", "stop", "nope", "--state-dir"])
        .arg(&state)
        .status(1)
        .stderr_contains("no local endpoint named `nope`")
        .run();
    Test::new()
        .args(["invoke", "--local", "nope", "--body", "1,2", "--state-dir"])
        .arg(&state)
        .status(1)
        .stderr_contains("no local endpoint named `nope`")
        .run();
    Test::new()
        .args(["invoke", "--local", "nope", "--body", "  "])
        .status(1)
        .stderr_contains("no rows to send")
        .run();
    Test::new()
        .args(["local", "stop"])
        .status(2)
        .stderr_contains("required arguments")
        .run();
}

#[test]
fn setup_refuses_an_unusable_base_python() {
    let dir = tempfile::tempdir().unwrap();
    Test::new()
        .args([
            "local",
            "setup",
            "--base-python",
            "/no/such/python3",
            "--state-dir",
        ])
        .arg(dir.path())
        .status(1)
        .stderr_contains("cannot run /no/such/python3")
        .run();
}

#[test]
fn concurrent_first_runs_in_a_fresh_state_directory_all_get_through() {
    // 40 commands at once into a state directory none of them finds: each creates what it
    // needs (create_dir_all races, claims, records) without a bare "No such file". (The
    // scripts asset once written under a fixed temporary name failed exactly so; with that
    // code put back, this test fails.)
    for round in 0..1 {
        let dir = tempfile::tempdir().unwrap();
        let input = batch_input(dir.path());
        let python = fake_python(dir.path());
        let state = dir.path().join("state");
        // The rows exist but the state directory's other rooms do not: fresh.
        let children: Vec<(String, std::process::Child)> = (0..40)
            .map(|i| {
                let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_automl"));
                let what = match i % 4 {
                    0 => {
                        command
                            .args(["executions", "--local", "--state-dir"])
                            .arg(&state);
                        "executions"
                    }
                    1 => {
                        command
                            .args(["status", "--local", "--state-dir"])
                            .arg(&state);
                        "status"
                    }
                    _ => {
                        command
                            .args(["run", "--local"])
                            .arg(&input)
                            .args([
                                "--name",
                                &format!("r{round}-{i}"),
                                "--max-wait",
                                "0",
                                "--state-dir",
                            ])
                            .arg(&state)
                            .arg("--python")
                            .arg(&python);
                        "run"
                    }
                };
                let child = command
                    .stdin(std::process::Stdio::null())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap();
                (what.to_string(), child)
            })
            .collect();
        for (what, child) in children {
            let output = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                !stderr.contains("No such file") && !stderr.contains("os error"),
                "{what}: {stderr}"
            );
            match what.as_str() {
                // The run starts and fails like SageMaker (the model is missing).
                "run" => assert!(
                    stdout.contains("Could not find model"),
                    "{what}: {stdout}\n{stderr}"
                ),
                _ => assert!(
                    output.status.code().is_some_and(|c| c <= 1),
                    "{what}: {:?} {stderr}",
                    output.status
                ),
            }
        }
    }
}

#[test]
fn setup_reports_each_step_with_its_time() {
    // A real setup up to where PyPI is needed, with pip pointed at a closed port: the
    // venv is really created, then the install fails fast, and each step said what it
    // did and how long it took (plain lines: stderr is not a terminal here).
    let dir = tempfile::tempdir().unwrap();
    let closed = automl_testkit::free_port();
    let setup = || {
        Test::new()
            .args(["local", "setup", "--base-python"])
            .arg(crate::support::python())
            .arg("--state-dir")
            .arg(dir.path())
            .env("PIP_INDEX_URL", format!("http://127.0.0.1:{closed}/simple"))
            .env("PIP_RETRIES", "0")
            .env("PIP_TIMEOUT", "2")
            .status(1)
    };
    let output = setup()
        .stderr_contains("[1/4] creating ")
        .stderr_contains("[3/4] installing AutoGluon (tabular, LightGBM) and Ray from PyPI: about two minutes and 1 GB …")
        .stderr_contains("✗ [3/4] installing AutoGluon")
        .stderr_contains("pip install -r requirements.txt -r requirements-local.txt failed")
        .run();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let done = stderr
        .lines()
        .find(|l| l.starts_with("✓ [1/4] creating "))
        .unwrap_or_else(|| panic!("no finished venv step in:\n{stderr}"));
    assert!(done.ends_with(" s)"), "{done}");
    assert!(
        !stderr.contains("[4/4]"),
        "a failed step ends the setup:\n{stderr}"
    );
    assert!(dir.path().join("venv/bin/python").exists());
    // The failed setup's venv is its own: running it again starts over, no --force needed.
    setup()
        .stderr_lacks("was not created by")
        .stderr_contains("✓ [1/4] creating ")
        .run();
}
