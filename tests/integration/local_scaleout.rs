//! `automl run --local` with `Train.InstanceCount` 2: two host processes, each with its own
//! `/opt/ml` layout, form a real Ray cluster on 127.0.0.1 and fit one bagged predictor;
//! the same data and settings on one host give the same score. The data is scikit-learn's
//! wine set (written by the AutoGluon test environment's Python; the project ships none of
//! it), served from a temporary object root as `s3://data/wine/...`. And `validate`
//! refuses several instances for a fit that does not bag. The feature importance is
//! spread too: each host's node computes a block of features.

use crate::support::{python, Test};
use serde_json::{json, Value};
use std::path::Path;

fn write_wine(objects: &Path) {
    let data = objects.join("data/wine");
    std::fs::create_dir_all(&data).unwrap();
    let script = "import sys\nfrom sklearn.datasets import load_wine\n\
                  f = load_wine(as_frame=True).frame.sample(frac=1.0, random_state=3)\n\
                  n = len(f) // 5\n\
                  f.iloc[n:].to_csv(sys.argv[1] + '/train.csv', index=False)\n\
                  f.iloc[:n].to_csv(sys.argv[1] + '/test.csv', index=False)\n";
    let status = std::process::Command::new(python())
        .args(["-c", script])
        .arg(&data)
        .status()
        .unwrap();
    assert!(status.success(), "writing the wine data failed");
}

fn input(instances: u32, fit_args: Value) -> Value {
    json!({"Parameters": {
        "Flow": {"Train": true, "Evaluate": true, "Deploy": false},
        "Train": {
            "TrainDataPath": "s3://data/wine/train.csv",
            "TestDataPath": "s3://data/wine/test.csv",
            "TrainingOutput": "s3://data/output/training/",
            "InstanceCount": instances,
            "InstanceType": "ml.m5.xlarge",
            "FitArgs": fit_args,
            "InitArgs": {"label": "target"},
        },
        "Evaluation": {"Metric": "accuracy", "Threshold": 0.8},
    }})
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn two_local_hosts_train_one_bagged_model_as_good_as_one_host() {
    let dir = tempfile::tempdir().unwrap();
    let objects = dir.path().join("objects");
    let state = dir.path().join("state");
    write_wine(&objects);
    let fit_args = json!({"hyperparameters": {"GBM": {}}, "num_bag_folds": 4, "time_limit": 120});
    let run = |name: &str, instances: u32| {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, input(instances, fit_args.clone()).to_string()).unwrap();
        Test::new()
            .args(["run", "--local"])
            .arg(&path)
            .args(["--name", name, "--state-dir"])
            .arg(&state)
            .arg("--object-root")
            .arg(&objects)
            .arg("--python")
            .arg(python())
            .stdout_contains(format!("execution: {name} (Succeeded)"))
            .stdout_contains("accepted")
            .run()
    };
    let two_run = run("two", 2);
    run("one", 1);

    // The summary says what each host fitted (issue 13), as text, JSON and in the report.
    let text = String::from_utf8_lossy(&two_run.stdout);
    assert!(text.contains("hosts (2 as one Ray cluster"), "{text}");
    assert!(text.contains("one model is never split"), "{text}");
    for host in ["algo-1 (head)", "algo-2"] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(host))
            .unwrap_or_else(|| panic!("no line for {host} in:\n{text}"));
        assert!(
            line.contains(" fold") && line.contains("LightGBM_BAG_L1"),
            "{line}"
        );
        assert!(line.contains("importance of "), "{line}");
    }
    assert!(
        text.contains("leaderboard ("),
        "the head's outputs are the summary's: {text}"
    );
    assert!(text.contains("training log (algo-2)"), "{text}");
    let status = Test::new()
        .args(["status", "--local", "two", "--json", "--state-dir"])
        .arg(&state)
        .arg("--object-root")
        .arg(&objects)
        .run();
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    let hosts = &status["results"]["hosts"];
    assert_eq!(hosts["head"], "algo-1", "{status}");
    let json_folds: u64 = ["algo-1", "algo-2"]
        .iter()
        .map(|h| hosts["per_host"][h]["folds"].as_u64().unwrap())
        .sum();
    assert_eq!(json_folds, 4, "{hosts}");
    let report = std::fs::read_to_string(state.join("executions/two/report.html")).unwrap();
    assert!(
        report.contains("<h2>Hosts</h2>") && report.contains("algo-2"),
        "no hosts in the report"
    );

    let jobs = state.join("sagemaker/training-jobs");
    let two = jobs.join("automl-two-train");
    // Each host had its own layout and its own log; only the head wrote the reports.
    for host in ["algo-1", "algo-2"] {
        let config = read_json(
            &two.join("hosts")
                .join(host)
                .join("input/config/resourceconfig.json"),
        );
        assert_eq!(config["current_host"], host);
        assert_eq!(config["hosts"], json!(["algo-1", "algo-2"]));
        assert!(two.join("hosts").join(host).join("log").is_file());
    }
    let worker_log = std::fs::read_to_string(two.join("hosts/algo-2/log")).unwrap();
    assert!(
        worker_log.contains("the head is done; stopping"),
        "{worker_log}"
    );
    assert!(!two.join("hosts/algo-2/output/data/scores.json").exists());

    // Both hosts fitted folds, by Ray's own task records (training_summary.json).
    let summary = read_json(&two.join("hosts/algo-1/output/data/training_summary.json"));
    let per_host = &summary["hosts"]["per_host"];
    let folds = |host: &str| per_host[host]["folds"].as_u64().unwrap_or(0);
    assert!(folds("algo-1") >= 1 && folds("algo-2") >= 1, "{summary}");
    assert_eq!(folds("algo-1") + folds("algo-2"), 4, "{summary}");
    // Both hosts computed the feature importance (on by default), by the node id each
    // importance task reported, and the table covers every feature in AutoGluon's columns.
    let features = summary["feature_columns"].as_array().unwrap().len() as u64;
    let computed = |host: &str| per_host[host]["importance_features"].as_u64().unwrap_or(0);
    assert!(
        computed("algo-1") >= 1 && computed("algo-2") >= 1,
        "{summary}"
    );
    assert_eq!(
        computed("algo-1") + computed("algo-2"),
        features,
        "{summary}"
    );
    let importance =
        std::fs::read_to_string(two.join("hosts/algo-1/output/data/feature_importance.csv"))
            .unwrap();
    let mut lines = importance.lines();
    assert_eq!(
        lines.next(),
        Some("feature,importance,stddev,p_value,n,p99_high,p99_low")
    );
    assert_eq!(lines.count() as u64, features, "{importance}");

    // The same score as one host fitting the same folds (within noise).
    let two_scores = read_json(&two.join("hosts/algo-1/output/data/scores.json"));
    let one_scores = read_json(&jobs.join("automl-one-train/output/data/scores.json"));
    let (a, b) = (
        two_scores["accuracy"].as_f64().unwrap(),
        one_scores["accuracy"].as_f64().unwrap(),
    );
    assert!(
        a > 0.8 && (a - b).abs() <= 0.06,
        "two hosts {a}, one host {b}"
    );
    // The model it packed is the head's, and it serves: the evaluation read its scores.
    let record = read_json(&two.join("record.json"));
    assert_eq!(record["TrainingJobStatus"], "Completed");
    assert_eq!(record["ResourceConfig"]["InstanceCount"], 2);
}

#[test]
fn several_instances_without_bagging_are_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.json");
    let plain = input(2, json!({"presets": "medium_quality", "time_limit": 60}));
    std::fs::write(&path, plain.to_string()).unwrap();
    Test::new()
        .arg("validate")
        .arg(&path)
        .status(1)
        .stderr_contains("Parameters.Train.InstanceCount: 2 instances need a fit that bags")
        .stderr_contains("\"num_bag_folds\": 4")
        .stderr_contains("or set InstanceCount to 1")
        .run();
    let bagged = input(2, json!({"presets": "good_quality", "time_limit": 60}));
    std::fs::write(&path, bagged.to_string()).unwrap();
    Test::new().arg("validate").arg(&path).status(0).run();
}
