//! `automl run --local` end to end with real AutoGluon: the three seed flows (train +
//! evaluate, train + evaluate + endpoint, pretrained model + batch transform), the model
//! registry (two registered versions, one deployed in batch, one refused until approved),
//! a model the threshold rejects (no deployment, registered Rejected), and a training
//! script that fails. The data is
//! the Palmer penguins set shipped in examples/data, served from a temporary object root
//! as `s3://data/...`. LightGBM only, with a short time limit: each fit takes seconds.
//! Every endpoint a test starts is stopped, even when the test fails.

use crate::support::{penguins_scratch, python, root, run_tool, venv_tool, Test};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// A state directory and an object root holding the penguins data under s3://data/penguins/.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = penguins_scratch();
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

    /// Every Task request the runs in this sandbox recorded (`TaskScheduled` parameters in
    /// their histories, as AWS records them) is valid for AWS's own service models, as
    /// botocore (tests/tools/install-aws-models.sh) judges it, and authorized by IAM.
    fn assert_requests_valid_for_aws(&self) {
        self.assert_requests_fit_aws_models();
        let state = self.state();
        // And every one is allowed by the policy of the role that makes it (the machine's
        // role in the template; the Lambda's for its read of the scores), as moto's IAM
        // evaluator judges it (tests/tools/install-moto.sh).
        let moto_python = venv_tool("python", "install-moto.sh", "moto");
        let authorize = root().join("scripts/iam-lint/authorize.py");
        run_tool(
            &moto_python,
            &[authorize.to_str().unwrap(), state.to_str().unwrap()],
        );
    }

    /// Every Task request the runs in this sandbox recorded is valid for AWS's own service
    /// models, as botocore judges it (IAM aside: a run on plain paths has no S3 ARNs).
    fn assert_requests_fit_aws_models(&self) {
        let python = venv_tool("python", "install-aws-models.sh", "awsmodel");
        let script = root().join("scripts/aws-models/check_histories.py");
        let state = self.state();
        run_tool(
            &python,
            &[script.to_str().unwrap(), state.to_str().unwrap()],
        );
    }

    /// `automl models --local ARGS` on this sandbox's registry.
    fn models(&self, args: &[&str]) -> Test {
        let (action, rest) = match args.first() {
            Some(&"approve") | Some(&"reject") => (&args[..2], &args[2..]),
            _ => (&args[..0], args),
        };
        Test::new()
            .arg("models")
            .args(action)
            .args(["--local", "--state-dir"])
            .arg(self.state())
            .args(rest)
    }

    /// `automl run --local --resume NAME` in this sandbox, from the workspace root.
    fn local_resume(&self, name: &str) -> Test {
        Test::new()
            .current_dir(root())
            .args(["run", "--local", "--resume", name, "--state-dir"])
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
            "Registry": {"ModelName": "penguins"},
        }}),
    );
    let output = sandbox
        .run(&input, "penguins")
        .stdout_contains("training job: automl-penguins-train")
        .stdout_contains("(threshold 0.8000): accepted")
        .stdout_contains("registered: arn:aws:sagemaker:local:000000000000:model-package/automl-penguins/1 (Approved)")
        .stdout_contains("balanced_accuracy=")
        .stderr_contains("Train › TrainModel ✓")
        // The job's log path first, then AutoGluon's progress as plain lines (no terminal).
        .stderr_contains("    training log: ")
        .stderr_contains("    fitting LightGBM\n")
        .stderr_contains("    validation score ")
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

    // A second version, left for a person to approve.
    let mut manual =
        serde_json::from_str::<Value>(&std::fs::read_to_string(&input).unwrap()).unwrap();
    manual["Parameters"]["Registry"] = json!({"ModelName": "penguins", "Approval": "manual"});
    let manual = sandbox.input("manual.json", manual);
    sandbox
        .run(&manual, "penguins-again")
        .stdout_contains("model-package/automl-penguins/2 (PendingManualApproval)")
        .run();
    let listed = sandbox
        .models(&[])
        .stdout_contains("penguins/1  Approved ")
        .stdout_contains("penguins/2  PendingManualApproval ")
        .stdout_contains("accuracy 0.")
        .stdout_contains("(threshold 0.8)")
        .run();
    let json = sandbox.models(&["--json"]).run();
    let versions: Value = serde_json::from_slice(&json.stdout).unwrap();
    let versions = versions["Versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{}", stdout(&listed));
    assert_eq!(
        versions[0]["Metadata"]["TrainingJobName"],
        "automl-penguins-train"
    );
    assert_eq!(versions[1]["Metadata"]["Execution"], "penguins-again");
    assert!(
        versions[0]["Metadata"]["Score"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
            >= 0.8
    );

    // The third seed flow, with the model just trained as a registered version, in batch.
    let batch = sandbox.input(
        "batch.json",
        json!({"Parameters": {
            "Flow": {"Train": false, "Evaluate": false, "Deploy": true},
            "PretrainedModel": {"ModelPackage": "penguins/1"},
            "Deploy": {
                "Mode": "batch", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                "BatchInputDataPath": "s3://data/penguins/batch.csv",
                "BatchOutputDataPath": "s3://data/output/batch/",
            },
        }}),
    );
    sandbox
        .run(&batch, "penguins-batch")
        .stdout_contains("model: automl-penguins-batch-model")
        .stdout_contains("transform job: automl-penguins-batch-deploy")
        .stdout_contains("batch output: s3://data/output/batch/")
        .stderr_contains("Main › CreateModelFromPackage ✓")
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
    // A version nobody approved is refused before anything is deployed; approving it
    // makes it deployable.
    let mut pending =
        serde_json::from_str::<Value>(&std::fs::read_to_string(&batch).unwrap()).unwrap();
    pending["Parameters"]["PretrainedModel"]["ModelPackage"] = json!("penguins/2");
    let pending = sandbox.input("pending.json", pending);
    sandbox
        .run(&pending, "penguins-pending")
        .status(1)
        .stdout_contains("error: ModelPackageNotApproved")
        .stdout_contains("is PendingManualApproval: only an Approved version is deployed")
        .stderr_lacks("Deploy ›")
        .run();
    assert!(!sandbox
        .state()
        .join("executions/penguins-pending-deploy")
        .exists());
    sandbox
        .models(&["approve", "penguins/2"])
        .stdout_contains("penguins/2: PendingManualApproval -> Approved")
        .run();
    sandbox
        .models(&[])
        .stdout_contains("penguins/2  Approved ")
        .run();
    sandbox.assert_requests_valid_for_aws();

    // Predictions into a full disk (a 64 KiB tmpfs, filled): the job is recorded Failed
    // with the file system named, and no partial file is left there.
    let disk = sandbox.dir.path().join("full-disk");
    std::fs::create_dir_all(&disk).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&disk)
        .status();
    assert!(
        mounted.is_ok_and(|s| s.success()),
        "this test mounts a 64 KiB tmpfs to fill it: run it as root (or with CAP_SYS_ADMIN)"
    );
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(disk.clone());
    {
        let mut filler = std::fs::File::create(disk.join("filler")).unwrap();
        while std::io::Write::write_all(&mut filler, &[0u8; 4096]).is_ok() {}
    }
    let mut full =
        serde_json::from_str::<Value>(&std::fs::read_to_string(&batch).unwrap()).unwrap();
    full["Parameters"]["Deploy"]["BatchOutputDataPath"] =
        json!(disk.join("out").display().to_string());
    let full = sandbox.input("full.json", full);
    sandbox
        .run(&full, "penguins-full")
        .status(1)
        .stdout_contains(format!(
            "the file system holding {}",
            disk.join("out").display()
        ))
        .run();
    let job: Value = serde_json::from_str(
        &std::fs::read_to_string(
            sandbox
                .state()
                .join("sagemaker/transform-jobs/automl-penguins-full-deploy/record.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(job["TransformJobStatus"], "Failed", "{job:#}");
    assert!(
        job["FailureReason"].as_str().unwrap().contains("is full"),
        "{job:#}"
    );
    let left: Vec<String> = std::fs::read_dir(disk.join("out"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing half-written may stay: {left:?}");

    // A misspelt pretrained model fails at once (a validation error is not retried),
    // naming the models there are.
    let mut typo =
        serde_json::from_str::<Value>(&std::fs::read_to_string(&batch).unwrap()).unwrap();
    typo["Parameters"]["PretrainedModel"] = json!({"Name": "automl-penguins-trian"});
    let typo = sandbox.input("typo.json", typo);
    let started = std::time::Instant::now();
    sandbox
        .run(&typo, "penguins-typo")
        .status(1)
        .stdout_contains("Could not find model")
        .stdout_contains("local models: automl-penguins-again-train, automl-penguins-batch-model, automl-penguins-full-model, automl-penguins-train")
        .run();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn train_evaluate_endpoint_answers_invoke_until_stopped() {
    let sandbox = Sandbox::new();
    // The timing below is about the endpoint: no feature importance to wait for.
    let mut train = train("species");
    train["FeatureImportance"] = json!(false);
    let input = sandbox.input(
        "endpoint.json",
        json!({"Parameters": {
            "Flow": {"Train": true, "Evaluate": true, "Deploy": true},
            "Train": train,
            "Evaluation": {"Metric": "accuracy", "Threshold": "0.8"},
            "Deploy": {"Mode": "endpoint", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge"},
        }}),
    );
    sandbox
        .run(&input, "live")
        .stdout_contains("endpoint: automl-live-deploy")
        .stderr_contains("Deploy › EndpointInService ✓")
        .run();
    // The Wait before describeEndpoint ends as soon as the server is up, not after the
    // machine's 30 s: read from the Deploy execution's own history, so the load on the
    // machine (training, other tests) does not enter into it.
    let history: Value = serde_json::from_str(
        &std::fs::read_to_string(sandbox.state().join("executions/live-deploy/history.json"))
            .unwrap(),
    )
    .unwrap();
    let events = history["events"].as_array().unwrap();
    let at = |kind: &str| {
        let event = events.iter().find(|e| e["type"] == kind).unwrap();
        chrono_seconds(event["timestamp"].as_str().unwrap())
    };
    let waited = at("WaitStateExited") - at("WaitStateEntered");
    assert!(waited < 25.0, "the Wait lasted {waited} s");
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
    // A header naming the classes, then one line per row.
    let lines: Vec<String> = stdout(&answer).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0], "prediction,Adelie,Chinstrap,Gentoo");
    // The test CSV as it is: header row, label column included.
    let answer = Test::new()
        .args(["invoke", "--local", "automl-live-deploy", "--state-dir"])
        .arg(sandbox.state())
        .arg("--file")
        .arg(sandbox.objects().join("data/penguins/test.csv"))
        .run();
    let test_rows =
        std::fs::read_to_string(sandbox.objects().join("data/penguins/test.csv")).unwrap();
    assert_eq!(stdout(&answer).lines().count(), test_rows.lines().count());
    Test::new()
        .args(["invoke", "--local", "automl-live-deploy", "--json", "--state-dir"])
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
    update_in_place_while_called(&sandbox);
    expires_after_its_time_to_live(&sandbox);
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
    sandbox.assert_requests_valid_for_aws();
}

fn endpoint_record(sandbox: &Sandbox, name: &str) -> Value {
    let path = sandbox
        .state()
        .join(format!("sagemaker/endpoints/{name}/record.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The model the first run trained, deployed again by Deploy-only runs (no second fit).
fn trained_model(sandbox: &Sandbox) -> String {
    let models = std::fs::read_dir(sandbox.state().join("sagemaker/models")).unwrap();
    models
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .next()
        .unwrap()
}

/// A second run with the same EndpointName updates the live endpoint while a client calls
/// it in a loop: no call fails, and afterwards the endpoint serves the new config from a
/// new server, the old config is gone, and the autoscaling setting is recorded.
fn update_in_place_while_called(sandbox: &Sandbox) {
    let before = endpoint_record(sandbox, "automl-live-deploy");
    let input = sandbox.input(
        "update.json",
        json!({"Parameters": {
            "Flow": {"Train": false, "Evaluate": false, "Deploy": true},
            "PretrainedModel": {"Name": trained_model(sandbox)},
            "Deploy": {"Mode": "endpoint", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                       "EndpointName": "automl-live-deploy",
                       "Update": {"Strategy": "canary", "CanaryPercent": 10, "WaitSeconds": 0, "RollbackAlarms": ["automl-live-errors"]},
                       "AutoScaling": {"MinInstances": 1, "MaxInstances": 3, "TargetInvocationsPerInstance": 50}},
        }}),
    );
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let state = sandbox.state();
    let client = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let (mut ok, mut failed) = (0u32, Vec::new());
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_automl"))
                    .args(["invoke", "--local", "automl-live-deploy", "--state-dir"])
                    .arg(&state)
                    .args(["--body", "Biscoe,47.5,14.2,215,4900,female,2008"])
                    .output()
                    .unwrap();
                if out.status.success() {
                    ok += 1;
                } else {
                    failed.push(String::from_utf8_lossy(&out.stderr).to_string());
                }
            }
            (ok, failed)
        })
    };
    let started = std::time::Instant::now();
    sandbox
        .run(&input, "update")
        .stderr_contains("Deploy › UpdateEndpoint ✓")
        .stderr_contains("Deploy › DeletePreviousEndpointConfig ✓")
        .stderr_contains("Deploy › PutScalingPolicy ✓")
        .run();
    // Keep calling a little after the switch, when the old server stops.
    std::thread::sleep(std::time::Duration::from_secs(2));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (ok, failed) = client.join().unwrap();
    eprintln!(
        "update in place: {ok} calls, {} failed, {:.1} s",
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failed.is_empty(),
        "calls failed during the update: {failed:?}"
    );
    assert!(ok >= 5, "only {ok} calls made during the update");
    let after = endpoint_record(sandbox, "automl-live-deploy");
    assert_eq!(after["config_name"], "automl-update-deploy");
    assert_ne!(after["pid"], before["pid"]);
    assert_eq!(after["auto_scaling"]["MaxCapacity"], 3);
    assert!(!sandbox
        .state()
        .join("sagemaker/endpoint-configs")
        .join(before["config_name"].as_str().unwrap())
        .exists());
    Test::new()
        .args(["invoke", "--local", "automl-live-deploy", "--state-dir"])
        .arg(sandbox.state())
        .args(["--body", "Biscoe,47.5,14.2,215,4900,female,2008"])
        .stdout_contains("Gentoo")
        .run();
}

/// A serverless endpoint with a time to live of 0.004 h (14.4 s): its server stops then,
/// and `invoke` says it expired.
fn expires_after_its_time_to_live(sandbox: &Sandbox) {
    let input = sandbox.input(
        "ttl.json",
        json!({"Parameters": {
            "Flow": {"Train": false, "Evaluate": false, "Deploy": true},
            "PretrainedModel": {"Name": trained_model(sandbox)},
            "Deploy": {"Mode": "serverless", "Serverless": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
                       "EndpointName": "automl-short", "TimeToLive": 0.004},
        }}),
    );
    sandbox
        .run(&input, "short")
        .stderr_contains("Deploy › ScheduleEndpointDeletion ✓")
        .run();
    let record = endpoint_record(sandbox, "automl-short");
    let pid = record["pid"].as_u64().unwrap();
    let expiry = record["expires_millis"].as_i64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    std::thread::sleep(std::time::Duration::from_millis(
        (expiry - now).max(0) as u64 + 4000,
    ));
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let log = std::fs::read_to_string(record["log"].as_str().unwrap()).unwrap_or_default();
    assert!(
        stat.is_empty() || stat.contains(") Z"),
        "the server outlived its expiry: {stat}\n{log}"
    );
    Test::new()
        .args(["invoke", "--local", "automl-short", "--state-dir"])
        .arg(sandbox.state())
        .args(["--body", "x"])
        .status(1)
        .stderr_contains("expired at")
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
            "Registry": {"ModelName": "year"},
        }}),
    );
    sandbox
        .run(&input, "weak")
        .status(1)
        .stdout_contains("error: ModelRejected")
        .stdout_contains("(threshold 0.9000): rejected")
        // Registered all the same, as Rejected: the registry keeps every candidate.
        .stdout_contains("model-package/automl-year/1 (Rejected)")
        .stdout_lacks("endpoint:")
        .stderr_contains("Main › ModelRejected ✗")
        .stderr_lacks("Deploy")
        .run();
    assert!(!sandbox.state().join("executions/weak-deploy").exists());
    sandbox
        .local(&["endpoints"])
        .stderr_contains("no local endpoints")
        .run();
    sandbox
        .models(&[])
        .stdout_contains("year/1   Rejected ")
        .run();
    sandbox.assert_requests_valid_for_aws();
}

#[test]
fn a_failing_training_script_fails_the_execution_with_its_error() {
    let sandbox = Sandbox::new();
    // A label column missing from the data is refused before training (the pre-flight
    // data check), naming the field and the file; nothing starts.
    let missing = sandbox.input(
        "missing.json",
        json!({"Parameters": {
            "Flow": {"Train": true, "Evaluate": true, "Deploy": false},
            "Train": train("wingspan"),
            "Evaluation": {"Metric": "accuracy", "Threshold": 0.5},
        }}),
    );
    sandbox
        .run(&missing, "refused")
        .status(1)
        .stderr_contains("Parameters.Train.InitArgs.label: the label column \"wingspan\" is not in the header of")
        .stderr_contains("nothing was started")
        .run();
    assert!(!sandbox.state().join("executions/refused").exists());
    // A label column in the header with no value in any row passes the head check and
    // fails in AutoGluon itself: the script's failure is the execution's.
    let dir = sandbox.objects().join("data/empty-label");
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["train.csv", "test.csv"] {
        let text =
            std::fs::read_to_string(sandbox.objects().join("data/penguins").join(file)).unwrap();
        let (header, rows) = text.split_once('\n').unwrap();
        std::fs::write(dir.join(file), format!("{header},wingspan\n{rows}")).unwrap();
    }
    let mut train = train("wingspan");
    train["TrainDataPath"] = json!("s3://data/empty-label/train.csv");
    train["TestDataPath"] = json!("s3://data/empty-label/test.csv");
    let input = sandbox.input(
        "bad.json",
        json!({"Parameters": {
            "Flow": {"Train": true, "Evaluate": true, "Deploy": false},
            "Train": train,
            "Evaluation": {"Metric": "accuracy", "Threshold": 0.5},
        }}),
    );
    sandbox
        .run(&input, "broken")
        .status(1)
        .stdout_contains("execution: broken (Failed)")
        .stdout_contains("error: States.TaskFailed")
        .stdout_contains("wingspan")
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
            .starts_with("AlgorithmError: "),
        "{job}"
    );
    sandbox.assert_requests_valid_for_aws();
}

#[test]
fn plain_paths_work_and_a_run_resumes_without_training_again_after_create_model_then_its_batch_step_failed(
) {
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
    // Predictions of an earlier run lie where this one writes: found only when the batch
    // step runs (after training), the transform refuses to replace them.
    let earlier = out.join("batch/batch.csv.out");
    std::fs::create_dir_all(earlier.parent().unwrap()).unwrap();
    std::fs::write(&earlier, "earlier predictions\n").unwrap();
    // And a model already holds the name the Train execution gives its model: found only
    // after the training job completed, CreateModel is refused as SageMaker refuses it.
    let taken = sandbox
        .state()
        .join("sagemaker/models/automl-plain-paths-train");
    std::fs::create_dir_all(&taken).unwrap();
    std::fs::write(
        taken.join("record.json"),
        r#"{"ModelName": "automl-plain-paths-train", "note": "made by hand"}"#,
    )
    .unwrap();
    let local = automl::local::Local::prepare(&options, "automl", true).unwrap();
    let started = std::time::Instant::now();
    let outcome = local.run("plain-paths", input, |_| {}).unwrap();
    let first_run_in = started.elapsed();
    assert_eq!(
        outcome.status,
        automl::sfn::ExecutionStatus::Failed,
        "{outcome:?}"
    );
    assert!(
        outcome
            .cause
            .as_deref()
            .unwrap_or_default()
            .contains("Cannot create already existing model"),
        "{outcome:?}"
    );
    let job_dir = sandbox
        .state()
        .join("sagemaker/training-jobs/automl-plain-paths-train");
    let job_record = || -> Value {
        serde_json::from_str(&std::fs::read_to_string(job_dir.join("record.json")).unwrap())
            .unwrap()
    };
    let trained = job_record();
    assert_eq!(trained["TrainingJobStatus"], "Completed", "{trained}");
    let log_before = std::fs::read_to_string(job_dir.join("train.log")).unwrap();
    let model_record = |name: &str| -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(
                sandbox
                    .state()
                    .join(format!("sagemaker/models/{name}/record.json")),
            )
            .unwrap(),
        )
        .unwrap()
    };

    // Resume: TrainModel runs again as a new Train execution, which finds the first
    // attempt's job Completed and creates its model from that job's artifacts (under its
    // own name, which nothing holds) without training again; the batch step then fails.
    let started = std::time::Instant::now();
    sandbox
        .local_resume("plain-paths")
        .status(1)
        .stderr_contains("resuming plain-paths where it stopped (FAILED")
        .stderr_contains("in TrainModel, which runs again as a new execution plain-paths-train-r1, reusing training job automl-plain-paths-train if that job completed")
        .stderr_contains("Train › DescribeFirstAttemptJob ✓")
        .stderr_contains("Train › ReuseFirstAttemptJob ✓")
        .stderr_contains("Train › CreateModel ✓")
        .stderr_lacks("Train › TrainModel")
        .stderr_contains("holds earlier predictions")
        .run();
    let reused_in = started.elapsed();
    assert_eq!(
        job_record(),
        trained,
        "the training job is the one that finished before"
    );
    assert_eq!(
        std::fs::read_to_string(job_dir.join("train.log")).unwrap(),
        log_before,
        "trained once: one training log"
    );
    assert!(
        !sandbox
            .state()
            .join("sagemaker/training-jobs/automl-plain-paths-train-r1")
            .exists(),
        "no second training job"
    );
    let model = model_record("automl-plain-paths-train-r1");
    assert_eq!(
        model["PrimaryContainer"]["ModelDataUrl"], trained["ModelArtifacts"]["S3ModelArtifacts"],
        "the rerun's model is the first job's: {model}"
    );
    assert_eq!(
        model_record("automl-plain-paths-train")["note"],
        "made by hand",
        "the model that held the name is left alone"
    );

    // Fix the batch step's cause, then resume again: the batch step runs again as a new
    // Deploy execution, training does not.
    std::fs::remove_file(&earlier).unwrap();
    let started = std::time::Instant::now();
    let output = sandbox
        .local_resume("plain-paths")
        .stdout_contains("batch output: ")
        .stderr_contains("resuming plain-paths where it stopped (FAILED")
        .stderr_contains(
            "in DeployModel, which runs again as a new execution plain-paths-deploy-r2",
        )
        .stderr_contains("Deploy › BatchTransform ✓")
        .stderr_lacks("Train › ")
        .run();
    let resumed_in = started.elapsed();
    assert_eq!(job_record(), trained, "still the one training job");
    let predictions = std::fs::read_to_string(&earlier).unwrap();
    let rows = std::fs::read_to_string(root().join("examples/data/penguins/batch.csv")).unwrap();
    assert_eq!(
        predictions.lines().count(),
        rows.lines().count(),
        "{}",
        stdout(&output)
    );
    // The Main execution keeps its name and ARN and goes on in the same history; as on
    // AWS, its rerun DeployModel starts a new child named after the redrive count (the
    // failed child is closed: StartExecution of its name would be refused), and that
    // child runs the batch transform under its own name.
    let history = |name: &str| -> Vec<Value> {
        let text = std::fs::read_to_string(
            sandbox
                .state()
                .join(format!("executions/{name}/history.json")),
        )
        .unwrap();
        serde_json::from_str::<Value>(&text).unwrap()["events"]
            .as_array()
            .unwrap()
            .clone()
    };
    let record = |name: &str| -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(
                sandbox
                    .state()
                    .join(format!("executions/{name}/execution.json")),
            )
            .unwrap(),
        )
        .unwrap()
    };
    let kinds = |events: &[Value]| -> Vec<String> {
        events
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect()
    };
    let events = history("plain-paths");
    let main_kinds = kinds(&events);
    let redriven = main_kinds
        .iter()
        .position(|k| k == "ExecutionRedriven")
        .unwrap_or_else(|| panic!("{main_kinds:?}"));
    assert_eq!(
        main_kinds[redriven - 1],
        "ExecutionFailed",
        "{main_kinds:?}"
    );
    assert_eq!(
        main_kinds.last().map(String::as_str),
        Some("ExecutionSucceeded"),
        "{main_kinds:?}"
    );
    assert_eq!(
        events[redriven]["executionRedrivenEventDetails"]["redriveCount"],
        1
    );
    let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>());
    assert_eq!(record("plain-paths")["status"], "SUCCEEDED");
    assert_eq!(record("plain-paths")["redriveCount"], 2);
    // Each attempt's child stays as it ended; the last one is new and succeeded.
    let first_train = record("plain-paths-train");
    assert_eq!(first_train["status"], "FAILED", "{first_train}");
    let rerun_train = record("plain-paths-train-r1");
    assert_eq!(rerun_train["status"], "SUCCEEDED", "{rerun_train}");
    assert_eq!(
        rerun_train["parentExecution"], "plain-paths",
        "{rerun_train}"
    );
    assert_eq!(
        rerun_train["output"]["TrainingJobName"], "automl-plain-paths-train",
        "{rerun_train}"
    );
    assert_eq!(
        rerun_train["output"]["ModelName"], "automl-plain-paths-train-r1",
        "{rerun_train}"
    );
    // The rerun described the first attempt's job (validated against botocore's model
    // with every other request below) and never started one.
    let train_tasks: Vec<String> = history("plain-paths-train-r1")
        .iter()
        .filter_map(|e| {
            e.pointer("/taskScheduledEventDetails/resourceType")?;
            Some(format!(
                "{}:{}",
                e["taskScheduledEventDetails"]["resourceType"].as_str()?,
                e["taskScheduledEventDetails"]["resource"].as_str()?
            ))
        })
        .collect();
    assert_eq!(
        train_tasks,
        [
            "aws-sdk:sagemaker:describeTrainingJob",
            "sagemaker:createModel"
        ],
        "{train_tasks:?}"
    );
    let main_output = &record("plain-paths")["output"];
    assert_eq!(
        main_output["Training"]["TrainingJobName"], "automl-plain-paths-train",
        "{main_output}"
    );
    assert_eq!(
        main_output["Training"]["ModelPath"], trained["ModelArtifacts"]["S3ModelArtifacts"],
        "{main_output}"
    );
    assert_eq!(
        main_output["Training"]["ModelName"], "automl-plain-paths-train-r1",
        "{main_output}"
    );
    let first = record("plain-paths-deploy-r1");
    assert_eq!(first["status"], "FAILED", "{first}");
    assert!(!kinds(&history("plain-paths-deploy-r1")).contains(&"ExecutionRedriven".to_string()));
    let second = record("plain-paths-deploy-r2");
    assert_eq!(second["status"], "SUCCEEDED", "{second}");
    assert_eq!(second["parentExecution"], "plain-paths", "{second}");
    assert!(second.get("redriveCount").is_none(), "{second}");
    let transform = |name: &str| -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(
                sandbox
                    .state()
                    .join(format!("sagemaker/transform-jobs/{name}/record.json")),
            )
            .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(
        transform("automl-plain-paths-deploy-r1")["TransformJobStatus"],
        "Failed"
    );
    assert_eq!(
        transform("automl-plain-paths-deploy-r2")["TransformJobStatus"],
        "Completed"
    );
    // Each redrive went on at the failed state: the first at TrainModel, the second at
    // its Deploy step, with nothing before it run again.
    let entered_after = |redrive: usize| -> Vec<String> {
        let events = history("plain-paths");
        let at = events
            .iter()
            .enumerate()
            .filter(|(_, e)| e["type"] == "ExecutionRedriven")
            .map(|(i, _)| i)
            .nth(redrive)
            .unwrap();
        events[at..]
            .iter()
            .filter_map(|e| {
                e.pointer("/stateEnteredEventDetails/name")?
                    .as_str()
                    .map(str::to_string)
            })
            .collect()
    };
    assert_eq!(
        entered_after(0).first().map(String::as_str),
        Some("TrainModel"),
        "{:?}",
        entered_after(0)
    );
    let entered_after_redrive = entered_after(1);
    assert_eq!(
        entered_after_redrive.first().map(String::as_str),
        Some("DeployModel"),
        "{entered_after_redrive:?}"
    );
    assert!(
        !entered_after_redrive
            .iter()
            .any(|s| s == "TrainModel" || s == "EvaluateModel"),
        "{entered_after_redrive:?}"
    );
    assert!(!kinds(&history("plain-paths-train")).contains(&"ExecutionRedriven".to_string()));
    assert!(
        !sandbox
            .state()
            .join("executions/plain-paths-train-r2")
            .exists(),
        "the rerun Train child succeeded: no third one"
    );
    sandbox.assert_requests_fit_aws_models();
    // A succeeded run is not resumed.
    sandbox
        .local_resume("plain-paths")
        .status(1)
        .stderr_contains("execution `plain-paths` succeeded: there is nothing to resume")
        .run();
    eprintln!("first run in {first_run_in:?}, resumed reusing the job in {reused_in:?}, resumed again in {resumed_in:?}");
}

#[test]
fn a_request_aws_would_refuse_is_refused_before_anything_runs() {
    // Not through `automl validate` (which refuses this instance type itself): the
    // runner's own check against AWS's model of CreateTrainingJob (src/awsmodel).
    let sandbox = Sandbox::new();
    let options = automl::local::LocalConfig {
        state_dir: sandbox.state(),
        object_root: Some(sandbox.objects()),
        python: Some(python()),
        max_wait: Some(0),
    };
    let mut train = train("species");
    train["InstanceType"] = json!("ml.m5.mega");
    let input = json!({"Parameters": {
        "Flow": {"Train": true, "Evaluate": false, "Deploy": false},
        "Train": train,
    }});
    let local = automl::local::Local::prepare(&options, "automl", true).unwrap();
    let outcome = local.run("refused", input, |_| {}).unwrap();
    assert_eq!(
        outcome.status,
        automl::sfn::ExecutionStatus::Failed,
        "{outcome:?}"
    );
    let history: Value = serde_json::from_str(
        &std::fs::read_to_string(
            sandbox
                .state()
                .join("executions/refused-train/history.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let failed: Vec<&Value> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "TaskFailed")
        .collect();
    assert!(!failed.is_empty(), "{history}");
    let details = failed[0].to_string();
    assert!(
        details.contains("SageMaker.AmazonSageMakerException"),
        "{details}"
    );
    assert!(
        details.contains("1 validation error detected: Value 'ml.m5.mega' at 'resourceConfig.instanceType' failed to satisfy constraint: Member must satisfy enum value set: [ml."),
        "{details}"
    );
    assert!(
        !sandbox
            .state()
            .join("sagemaker/training-jobs/automl-refused-train")
            .exists(),
        "a refused request created a training job"
    );
}

/// Seconds of an RFC 3339 timestamp `YYYY-MM-DDTHH:MM:SS.mmmZ` since midnight (the Wait
/// never spans days in a test).
fn chrono_seconds(timestamp: &str) -> f64 {
    let clock = &timestamp[11..timestamp.len() - 1];
    let mut parts = clock.split(':');
    let hours: f64 = parts.next().unwrap().parse().unwrap();
    let minutes: f64 = parts.next().unwrap().parse().unwrap();
    let seconds: f64 = parts.next().unwrap().parse().unwrap();
    hours * 3600.0 + minutes * 60.0 + seconds
}
