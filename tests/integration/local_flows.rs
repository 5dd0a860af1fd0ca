//! `automl run --local` end to end with real AutoGluon: the three seed flows (train +
//! evaluate, train + evaluate + endpoint, pretrained model + batch transform), a model
//! the threshold rejects (no deployment), and a training script that fails. The data is
//! the Palmer penguins set shipped in examples/data, served from a temporary object root
//! as `s3://data/...`. LightGBM only, with a short time limit: each fit takes seconds.
//! Every endpoint a test starts is stopped, even when the test fails.

use crate::support::{root, Test};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The AutoGluon test environment (tests/tools/install-autogluon.sh).
fn python() -> PathBuf {
    let python = root().join("target/tools/autogluon/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run `bash tests/tools/install-autogluon.sh` (or `bash tests/run-all.sh`)",
        python.display()
    );
    python
}

/// A state directory and an object root holding the penguins data under s3://data/penguins/.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("objects/data/penguins");
        std::fs::create_dir_all(&data).unwrap();
        for file in ["train.csv", "test.csv", "batch.csv"] {
            std::fs::copy(
                root().join("examples/data/penguins").join(file),
                data.join(file),
            )
            .unwrap();
        }
        Sandbox { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn state(&self) -> PathBuf {
        self.path("state")
    }

    fn objects(&self) -> PathBuf {
        self.path("objects")
    }

    fn input(&self, name: &str, value: Value) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
        path
    }

    /// `automl run --local INPUT --name NAME` in this sandbox.
    fn run(&self, input: &Path, name: &str) -> Test {
        Test::new()
            .args(["run", "--local"])
            .arg(input)
            .args(["--name", name, "--state-dir"])
            .arg(self.state())
            .arg("--object-root")
            .arg(self.objects())
            .arg("--python")
            .arg(python())
    }

    fn local(&self, args: &[&str]) -> Test {
        Test::new()
            .arg("local")
            .arg(args[0])
            .arg("--state-dir")
            .arg(self.state())
            .args(&args[1..])
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Never leave a server behind, whatever happened in the test.
        let _ = std::process::Command::new(env!("CARGO_BIN_EXE_automl"))
            .args(["local", "stop", "--all", "--state-dir"])
            .arg(self.state())
            .output();
    }
}

fn train(label: &str) -> Value {
    json!({
        "TrainDataPath": "s3://data/penguins/train.csv",
        "TestDataPath": "s3://data/penguins/test.csv",
        "TrainingOutput": "s3://data/output/training/",
        "InstanceCount": 1,
        "InstanceType": "ml.m5.xlarge",
        "FitArgs": {"hyperparameters": {"GBM": {}}, "time_limit": 60},
        "InitArgs": {"label": label},
    })
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[test]
fn train_evaluate_then_pretrained_batch_writes_one_line_per_row() {
    let sandbox = Sandbox::new();
    let input = sandbox.input(
        "train.json",
        json!({"Parameters": {
            "Flow": {"Train": true, "Evaluate": true, "Deploy": false},
            "Train": train("species"),
            "Evaluation": {"Metric": "accuracy", "Threshold": 0.8},
        }}),
    );
    let output = sandbox
        .run(&input, "penguins")
        .stdout_contains("training job: automl-penguins-train")
        .stdout_contains("(threshold 0.8): accepted")
        .stdout_contains("balanced_accuracy=")
        .stderr_contains("Train › TrainModel ✓")
        .stderr_contains("Main › EvaluateModel ✓")
        .run();
    // SageMaker's layout: model.tar.gz and output.tar.gz side by side.
    let job = sandbox
        .objects()
        .join("data/output/training/automl-penguins-train/output");
    assert!(job.join("model.tar.gz").is_file(), "{}", stdout(&output));
    assert!(job.join("output.tar.gz").is_file());
    // The history is recorded like the AWS one, nested executions included.
    let history: Value = serde_json::from_str(
        &std::fs::read_to_string(
            sandbox
                .state()
                .join("executions/penguins-train/history.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let kinds: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"ExecutionStarted"));
    assert_eq!(kinds.last(), Some(&"ExecutionSucceeded"));
    assert!(kinds.contains(&"TaskSucceeded"), "{kinds:?}");

    // The third seed flow: the model just trained, as a pretrained model, in batch.
    let batch = sandbox.input(
        "batch.json",
        json!({"Parameters": {
            "Flow": {"Train": false, "Evaluate": false, "Deploy": true},
            "PretrainedModel": {"Name": "automl-penguins-train"},
            "Deploy": {
                "Mode": "batch", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                "BatchInputDataPath": "s3://data/penguins/batch.csv",
                "BatchOutputDataPath": "s3://data/output/batch/",
            },
        }}),
    );
    sandbox
        .run(&batch, "penguins-batch")
        .stdout_contains("transform job: automl-penguins-batch-deploy")
        .stdout_contains("batch output: s3://data/output/batch/")
        .run();
    let rows = std::fs::read_to_string(sandbox.objects().join("data/penguins/batch.csv")).unwrap();
    let predictions =
        std::fs::read_to_string(sandbox.objects().join("data/output/batch/batch.csv.out")).unwrap();
    assert_eq!(
        predictions.lines().count(),
        rows.lines().count(),
        "{predictions}"
    );
    let species = ["Adelie", "Chinstrap", "Gentoo"];
    for line in predictions.lines() {
        let label = line.split(',').next().unwrap();
        assert!(species.contains(&label), "not a prediction: {line}");
    }

    // A misspelt pretrained model fails at once (a validation error is not retried),
    // naming the models there are.
    let mut typo = serde_json::from_str::<Value>(&std::fs::read_to_string(&batch).unwrap()).unwrap();
    typo["Parameters"]["PretrainedModel"]["Name"] = json!("automl-penguins-trian");
    let typo = sandbox.input("typo.json", typo);
    let started = std::time::Instant::now();
    sandbox
        .run(&typo, "penguins-typo")
        .status(1)
        .stdout_contains("Could not find model")
        .stdout_contains("local models: automl-penguins-train")
        .run();
    assert!(started.elapsed() < std::time::Duration::from_secs(15), "{:?}", started.elapsed());
}

#[test]
fn train_evaluate_endpoint_answers_invoke_until_stopped() {
    let sandbox = Sandbox::new();
    let input = sandbox.input(
        "endpoint.json",
        json!({"Parameters": {
            "Flow": {"Train": true, "Evaluate": true, "Deploy": true},
            "Train": train("species"),
            "Evaluation": {"Metric": "accuracy", "Threshold": "0.8"},
            "Deploy": {"Mode": "endpoint", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge"},
        }}),
    );
    let started = std::time::Instant::now();
    sandbox
        .run(&input, "live")
        .stdout_contains("endpoint: automl-live-deploy")
        .stderr_contains("Deploy › EndpointInService ✓")
        .run();
    // The Wait before describeEndpoint ends as soon as the server is up, not after 30 s.
    assert!(
        started.elapsed().as_secs() < 28,
        "took {:?}",
        started.elapsed()
    );
    sandbox
        .local(&["endpoints"])
        .stdout_contains("automl-live-deploy")
        .stdout_contains("InService")
        .stdout_contains("http://127.0.0.1:")
        .run();
    let rows = std::fs::read_to_string(sandbox.objects().join("data/penguins/batch.csv")).unwrap();
    let three: String = rows.lines().take(3).map(|l| format!("{l}\n")).collect();
    let answer = Test::new()
        .args(["invoke", "--local", "automl-live-deploy", "--state-dir"])
        .arg(sandbox.state())
        .stdin(three)
        .run();
    assert_eq!(stdout(&answer).lines().count(), 3, "{}", stdout(&answer));
    Test::new()
        .args(["invoke", "--local", "automl-live-deploy", "--state-dir"])
        .arg(sandbox.state())
        .args(["--body", r#"{"instances": [{"island": "Biscoe", "bill_length_mm": 47.5, "bill_depth_mm": 14.2, "flipper_length_mm": 215, "body_mass_g": 4900, "sex": "female", "year": 2008}]}"#])
        .stdout_contains(r#""predictions": ["Gentoo"]"#)
        .run();
    Test::new()
        .args(["invoke", "--local", "automl-live-deploy", "--state-dir"])
        .arg(sandbox.state())
        .args(["--body", "1,2"])
        .status(1)
        .stderr_contains("HTTP 400")
        .stderr_contains("expected 7")
        .run();
    let record: Value = serde_json::from_str(
        &std::fs::read_to_string(
            sandbox
                .state()
                .join("sagemaker/endpoints/automl-live-deploy/record.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let pid = record["pid"].as_u64().unwrap();
    sandbox
        .local(&["stop", "automl-live-deploy"])
        .stderr_contains("stopped automl-live-deploy")
        .run();
    sandbox
        .local(&["endpoints"])
        .stderr_contains("no local endpoints")
        .run();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        !Path::new(&format!("/proc/{pid}/cmdline")).exists() || {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            stat.contains(") Z")
        }
    );
    Test::new()
        .args(["invoke", "--local", "automl-live-deploy", "--state-dir"])
        .arg(sandbox.state())
        .args(["--body", "x"])
        .status(1)
        .stderr_contains("no local endpoint named `automl-live-deploy`")
        .run();
}

#[test]
fn a_model_below_the_threshold_is_not_deployed() {
    let sandbox = Sandbox::new();
    // The year a penguin was measured is not in its measurements: accuracy stays low.
    let input = sandbox.input(
        "reject.json",
        json!({"Parameters": {
            "Flow": {"Train": true, "Evaluate": true, "Deploy": true},
            "Train": train("year"),
            "Evaluation": {"Metric": "accuracy", "Threshold": 0.9},
            "Deploy": {"Mode": "endpoint", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge"},
        }}),
    );
    sandbox
        .run(&input, "weak")
        .status(1)
        .stdout_contains("error: ModelRejected")
        .stdout_contains("(threshold 0.9): rejected")
        .stdout_lacks("endpoint:")
        .stderr_contains("Main › ModelRejected ✗")
        .stderr_lacks("Deploy")
        .run();
    assert!(!sandbox.state().join("executions/weak-deploy").exists());
    sandbox
        .local(&["endpoints"])
        .stderr_contains("no local endpoints")
        .run();
}

#[test]
fn a_failing_training_script_fails_the_execution_with_its_error() {
    let sandbox = Sandbox::new();
    let input = sandbox.input(
        "bad.json",
        json!({"Parameters": {
            "Flow": {"Train": true, "Evaluate": true, "Deploy": false},
            "Train": train("wingspan"),
            "Evaluation": {"Metric": "accuracy", "Threshold": 0.5},
        }}),
    );
    sandbox
        .run(&input, "broken")
        .status(1)
        .stdout_contains("execution: broken (Failed)")
        .stdout_contains("error: States.TaskFailed")
        .stdout_contains("label 'wingspan' (init_args.label) is not a column of the training data")
        .stderr_contains("Train › TrainModel ✗")
        .stderr_lacks("EvaluateModel")
        .run();
    let job: Value = serde_json::from_str(
        &std::fs::read_to_string(
            sandbox
                .state()
                .join("sagemaker/training-jobs/automl-broken-train/record.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(job["TrainingJobStatus"], "Failed");
    assert!(
        job["FailureReason"]
            .as_str()
            .unwrap()
            .starts_with("AlgorithmError: label 'wingspan'"),
        "{job}"
    );
}

#[test]
fn plain_paths_work_as_well_as_s3_uris() {
    // `automl validate` accepts only s3:// URIs for now, so the normalised input goes to
    // the runner directly: relative paths (against the current directory, here the
    // workspace root) for the data, an absolute one for the outputs.
    let sandbox = Sandbox::new();
    let out = sandbox.path("out");
    let options = automl::local::LocalConfig {
        state_dir: sandbox.state(),
        object_root: Some(sandbox.objects()),
        python: Some(python()),
        max_wait: None,
    };
    let input = json!({"Parameters": {
        "Flow": {"Train": true, "Evaluate": true, "Deploy": true},
        "Train": {
            "TrainDataPath": "examples/data/penguins/train.csv",
            "TestDataPath": "examples/data/penguins/test.csv",
            "TrainingOutput": out.join("training").display().to_string(),
            "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
            "FitArgs": {"hyperparameters": {"GBM": {}}, "time_limit": 60},
            "InitArgs": {"label": "species"},
        },
        "Evaluation": {"Metric": "accuracy", "Threshold": 0.8},
        "Deploy": {
            "Mode": "batch", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
            "BatchInputDataPath": "examples/data/penguins/batch.csv",
            "BatchOutputDataPath": out.join("batch").display().to_string(),
        },
    }});
    let local = automl::local::Local::prepare(&options, "automl", true).unwrap();
    let outcome = local.run("plain-paths", input, |_| {}).unwrap();
    assert_eq!(
        outcome.status,
        automl::sfn::ExecutionStatus::Succeeded,
        "{outcome:?}"
    );
    let output = outcome.output.unwrap();
    assert_eq!(output["Evaluation"]["IsValid"], true, "{output}");
    let model = out.join("training/automl-plain-paths-train/output/model.tar.gz");
    assert_eq!(output["Training"]["ModelPath"], model.display().to_string());
    let predictions = std::fs::read_to_string(out.join("batch/batch.csv.out")).unwrap();
    let rows = std::fs::read_to_string(root().join("examples/data/penguins/batch.csv")).unwrap();
    assert_eq!(predictions.lines().count(), rows.lines().count());
}
