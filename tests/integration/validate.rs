//! `automl validate`: the seed inputs and the examples pass, broken inputs fail naming the
//! path, exit status 0 / 1 / 2, `--print` and `--json`.

use crate::support::{root, Test};
use serde_json::Value;

fn validate(file: &str) -> Test {
    Test::new().current_dir(root()).args(["validate", file])
}

fn stdout_json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

#[test]
fn seed_inputs_validate_unchanged() {
    for (file, summary) in [
        (
            "tests/fixtures/seed-inputs/train_evaluate_input.json",
            "train + evaluate",
        ),
        (
            "tests/fixtures/seed-inputs/train_endpoint_input.json",
            "train + evaluate + deploy to endpoint",
        ),
        (
            "tests/fixtures/seed-inputs/pretrained_batch_input.json",
            "batch transform with pretrained model 32551d1b-a907-4bc3-aa2a-9f98be0d07c1",
        ),
    ] {
        validate(file)
            .stdout(format!("{file}: valid ({summary})\n"))
            .run();
    }
}

#[test]
fn examples_validate() {
    for file in [
        "examples/train_evaluate.json",
        "examples/train_evaluate_endpoint.json",
        "examples/pretrained_batch.json",
    ] {
        validate(file)
            .stdout_contains(": valid (")
            .stderr_lacks("note:")
            .run();
    }
}

#[test]
fn print_writes_the_normalised_input() {
    let output = validate("tests/fixtures/seed-inputs/train_endpoint_input.json")
        .arg("--print")
        .stderr_contains("valid (train + evaluate + deploy to endpoint)")
        .run();
    let normalized = stdout_json(&output);
    let parameters = &normalized["Parameters"];
    assert!(parameters["Train"]["FitArgs"].is_object(), "{normalized:#}");
    assert_eq!(parameters["Train"]["InitArgs"]["label"], "y");
    assert_eq!(parameters["Evaluation"]["Threshold"], 0.6);
    assert_eq!(parameters["Flow"]["Evaluate"], true);
    // The normalised form validates too, to itself.
    let again = Test::new()
        .args(["validate", "-", "--print"])
        .stdin(output.stdout.clone())
        .run();
    assert_eq!(stdout_json(&again), normalized);
}

#[test]
fn json_reports_validity_problems_and_the_normalised_input() {
    let output = validate("examples/pretrained_batch.json")
        .arg("--json")
        .run();
    let report = stdout_json(&output);
    assert_eq!(report["valid"], true);
    assert_eq!(report["problems"], serde_json::json!([]));
    assert_eq!(
        report["normalized"]["Parameters"]["Deploy"]["Mode"],
        "batch"
    );

    let output = validate("tests/fixtures/bad-inputs/treshold_typo.json")
        .arg("--json")
        .status(1)
        .run();
    let report = stdout_json(&output);
    assert_eq!(report["valid"], false);
    assert_eq!(report["normalized"], Value::Null);
    let paths: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "Parameters.Evaluation.Treshold",
            "Parameters.Evaluation.Threshold"
        ]
    );

    let output = validate("tests/fixtures/bad-inputs/bad_syntax.json")
        .arg("--json")
        .status(2)
        .run();
    let report = stdout_json(&output);
    assert_eq!(report["valid"], false);
    assert!(report["error"]
        .as_str()
        .unwrap()
        .contains("bad_syntax.json:3:30"));
}

/// Each broken file: exit status and what stderr must say.
const BROKEN: &[(&str, i32, &[&str])] = &[
    (
        "evaluate_pretrained.json",
        1,
        &["evaluate_pretrained.json: Parameters.Flow.Evaluate: true needs Parameters.Flow.Train true", "1 problem:"],
    ),
    (
        "treshold_typo.json",
        1,
        &[
            "Parameters.Evaluation.Treshold: unknown key (did you mean \"Threshold\"?)",
            "Parameters.Evaluation.Threshold: required when Parameters.Flow.Evaluate is true",
            "2 problems: nothing would be started",
        ],
    ),
    (
        "positive_loss_threshold.json",
        1,
        &["Parameters.Evaluation.Threshold: 60 can never be reached", "higher-is-better", "write -60"],
    ),
    (
        "batch_without_paths.json",
        1,
        &[
            "Parameters.Deploy.BatchInputDataPath: required when Parameters.Deploy.Mode is \"batch\"",
            "Parameters.Deploy.BatchOutputDataPath: required",
        ],
    ),
    (
        "many_mistakes.json",
        1,
        &[
            "Parameters.Flow.Train: must be true or false",
            "Parameters.Train.TrainDataPath: \"my-data/train.csv\" is not an S3 URI",
            "Parameters.Train.TestDataPath: \"s3://My_Data/test.csv\" names the bucket",
            "Parameters.Train.InstanceCount: 0 instances",
            "Parameters.Train.InstanceType: \"m5.xlarge\" is not a SageMaker instance type (did you mean \"ml.m5.xlarge\"?)",
            "Parameters.Train.FitArgs.time_limits:",
            "Parameters.Train.InitArgs: has no \"label\"",
            "Parameters.Evaluation.Metric: \"acuracy\" is not a metric AutoGluon reports (did you mean \"accuracy\"?)",
            "Parameters.Evaluation.Threshold: must be a number",
            "Parameters.Deploy.Mode: \"Endpoint\" is not a deploy mode (did you mean \"endpoint\"?)",
            "10 problems",
        ],
    ),
    ("bad_syntax.json", 2, &["bad_syntax.json:3:30: not valid JSON: trailing comma"]),
    (
        "duplicate_key.json",
        2,
        &["duplicate_key.json:3:", "Parameters.Flow.Train is given twice"],
    ),
];

#[test]
fn broken_inputs_are_rejected_naming_the_path() {
    let dir = root().join("tests/fixtures/bad-inputs");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut listed: Vec<String> = BROKEN.iter().map(|(f, _, _)| f.to_string()).collect();
    listed.sort();
    assert_eq!(
        files, listed,
        "every file in tests/fixtures/bad-inputs has a row here"
    );
    for (file, status, phrases) in BROKEN {
        let mut test = validate(&format!("tests/fixtures/bad-inputs/{file}"))
            .status(*status)
            .stdout("");
        for phrase in *phrases {
            test = test.stderr_contains(*phrase);
        }
        test.run();
    }
}

#[test]
fn unreadable_files_exit_2_naming_the_file() {
    validate("no/such/input.json")
        .status(2)
        .stderr_contains("no/such/input.json: cannot read:")
        .run();
    validate("tests/fixtures")
        .status(2)
        .stderr_contains("tests/fixtures: cannot read:")
        .run();
}

#[test]
fn standard_input() {
    Test::new()
        .args(["validate", "-"])
        .stdin(std::fs::read(root().join("examples/train_evaluate.json")).unwrap())
        .stdout("<stdin>: valid (train + evaluate)\n")
        .run();
    Test::new()
        .args(["validate", "-"])
        .stdin("{\"Parameters\": ")
        .status(2)
        .stderr_contains("<stdin>:1:15: not valid JSON")
        .run();
    Test::new()
        .args(["validate", "-"])
        .stdin("[]")
        .status(1)
        .stderr_contains("<stdin>: $: must be a JSON object")
        .run();
}

#[test]
fn notes_do_not_fail_validation() {
    Test::new()
        .args(["validate", "-"])
        .stdin(
            r#"{"Parameters": {"Flow": {"Train": false, "Evaluate": false, "Deploy": true},
                "PretrainedModel": {"Name": "m-1"},
                "Deploy": {"Mode": "endpoint", "InstanceCount": 2, "InstanceType": "ml.c5.large",
                           "BatchInputDataPath": "s3://b-1/in.csv"}}}"#,
        )
        .stdout("<stdin>: valid (deploy pretrained model m-1 to endpoint)\n")
        .stderr_contains("<stdin>: note: Parameters.Deploy.BatchInputDataPath: ignored")
        .run();
}

#[test]
fn local_inputs_validate_for_a_local_run_only() {
    let input = root().join("examples/local/train_evaluate.json");
    Test::new()
        .args(["validate", "--local"])
        .arg(&input)
        .stdout_contains("valid (train + evaluate)")
        .run();
    Test::new()
        .arg("validate")
        .arg(&input)
        .status(1)
        .stderr_contains("Parameters.Train.TrainDataPath")
        .run();
}

#[test]
fn a_link_in_a_data_folder_is_refused_by_name() {
    // SageMaker's S3 channels hold objects, never links: a local run must not train on
    // what AWS could not read, so validate --local and the run's pre-flight refuse it.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("objects/bkt/train");
    std::fs::create_dir_all(&data).unwrap();
    let csv = "species,island\nAdelie,Dream\nGentoo,Biscoe\n";
    std::fs::write(data.join("a.csv"), csv).unwrap();
    std::fs::write(dir.path().join("test.csv"), csv).unwrap();
    std::fs::write(dir.path().join("elsewhere.csv"), csv).unwrap();
    let input = dir.path().join("input.json");
    std::fs::write(&input, serde_json::json!({"Parameters": {
        "Flow": {"Train": true, "Evaluate": false, "Deploy": false},
        "Train": {"TrainDataPath": "s3://bkt/train/", "TestDataPath": dir.path().join("test.csv"),
                  "TrainingOutput": "s3://bkt/out/", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                  "InitArgs": {"label": "species"}}}}).to_string()).unwrap();
    let validate = || {
        Test::new()
            .args(["validate", "--local", "--object-root"])
            .arg(dir.path().join("objects"))
            .arg(&input)
    };
    validate().stdout_contains("valid (train)").run();
    for (name, target) in [
        ("b.csv", dir.path().join("elsewhere.csv")),
        ("c.csv", "a.csv".into()),
    ] {
        std::os::unix::fs::symlink(&target, data.join(name)).unwrap();
        validate()
            .status(1)
            .stderr_contains(format!(
                "Parameters.Train.TrainDataPath: \"s3://bkt/train/\": {} is a symbolic link (to {})",
                data.join(name).display(),
                target.display()
            ))
            .run();
        std::fs::remove_file(data.join(name)).unwrap();
    }
}

#[test]
fn a_batch_writing_into_its_input_is_warned_about() {
    for (input, output) in [
        ("s3://b-1/data/batch.csv", "s3://b-1/data/"),
        ("s3://b-1/data/", "s3://b-1/data/predictions/"),
    ] {
        Test::new()
            .args(["validate", "-"])
            .stdin(serde_json::json!({"Parameters": {
                "Flow": {"Train": false, "Evaluate": false, "Deploy": true},
                "PretrainedModel": {"Name": "m-1"},
                "Deploy": {"Mode": "batch", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                           "BatchInputDataPath": input, "BatchOutputDataPath": output}}}).to_string())
            .stdout_contains("valid")
            .stderr_contains(format!(
                "<stdin>: note: Parameters.Deploy.BatchOutputDataPath: the predictions (`<file>.out` in {output}) land where BatchInputDataPath ({input}) reads"
            ))
            .run();
    }
    // Locally, a folder the predictions go into is read by the next transform over it.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("rows");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("batch.csv"), "1,2\n").unwrap();
    Test::new()
        .args(["validate", "--local", "-"])
        .stdin(
            serde_json::json!({"Parameters": {
            "Flow": {"Train": false, "Evaluate": false, "Deploy": true},
            "PretrainedModel": {"Name": "m-1"},
            "Deploy": {"Mode": "batch", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                       "BatchInputDataPath": folder, "BatchOutputDataPath": folder.join("out")}}})
            .to_string(),
        )
        .stdout_contains("valid")
        .stderr_contains("note: Parameters.Deploy.BatchOutputDataPath: the predictions")
        .stderr_contains(
            "the next batch transform over that folder would read these predictions as input",
        )
        .run();
}
