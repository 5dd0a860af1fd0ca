//! `automl report EXECUTION` and `automl status EXECUTION` of an execution on AWS, against
//! moto: the real SDK reads the execution's history (GetExecutionHistory) and the
//! training job's `output.tar.gz` (GetObject) and the report and summary show what
//! they hold.
//!
//! What moto cannot do, and who tests it instead: moto's default Step Functions mode
//! serves one canned history whatever the machine, so the histories here come from its
//! "execute" mode, which really runs a machine created through the API (its own store:
//! the stack's CloudFormation machines are invisible there) — a stand-in Main machine
//! whose Pass states write the data the real Main machine writes (`Training`,
//! `Evaluation`). Execute mode cannot run `startExecution.sync` or `.sync` SageMaker
//! tasks, so nested Train executions and the billed training time are tested on the
//! recorded AWS histories (`report::aws_execution`, `aws::run` unit tests).

use crate::support::aws::Env;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const MODEL: &str = "s3://automl-data/output/automl-rep-train/output/model.tar.gz";

/// Puts the recorded outputs archive (a real AutoGluon fit's) beside `MODEL`, switches
/// Step Functions to execute mode and runs a Main stand-in to its end; returns its ARN.
fn finished_execution(env: &Env, name: &str, model_path: &str) -> String {
    let archive =
        std::fs::read(crate::support::root().join("tests/fixtures/aws-history/output.tar.gz"))
            .unwrap();
    env.moto.moto_api(
        "/moto-api/config",
        &json!({"stepfunctions": {"execute_state_machine": true}}),
    );
    let definition = json!({
        "StartAt": "TrainModel",
        "States": {
            "TrainModel": {"Type": "Pass", "ResultPath": "$.Training", "Result": {
                "ModelName": "automl-rep-train", "TrainingJobName": "automl-rep-train",
                "ModelPath": model_path}, "Next": "EvaluateModel"},
            "EvaluateModel": {"Type": "Pass", "ResultPath": "$.Evaluation", "Result": {
                "IsValid": true, "Metric": "accuracy", "Value": 0.9748, "Threshold": 0.6,
                "Scores": {"accuracy": 0.9748, "roc_auc": 0.9988}}, "Next": "Done"},
            "Done": {"Type": "Succeed"}
        }
    });
    env.put_object(
        "automl-data",
        &MODEL
            .trim_start_matches("s3://automl-data/")
            .replace("model.tar.gz", "output.tar.gz"),
        archive,
    );
    env.block_on(async {
        let sfn = env.sfn();
        let machine = sfn
            .create_state_machine()
            .name(format!("automl-MainStateMachine-{name}"))
            .definition(definition.to_string())
            .role_arn("arn:aws:iam::123456789012:role/automl-MainStateMachineRole-A")
            .send()
            .await
            .unwrap()
            .state_machine_arn;
        let arn = sfn
            .start_execution()
            .state_machine_arn(&machine)
            .name(name)
            .input(
                json!({"Parameters": {"Flow": {"Train": true, "Evaluate": true, "Deploy": false}}})
                    .to_string(),
            )
            .send()
            .await
            .unwrap()
            .execution_arn;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let described = sfn
                .describe_execution()
                .execution_arn(&arn)
                .send()
                .await
                .unwrap();
            if described.status.as_str() != "RUNNING" {
                assert_eq!(described.status.as_str(), "SUCCEEDED", "{described:?}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the execution did not end within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        arn
    })
}

#[test]
fn report_of_an_aws_execution_draws_its_history_and_outputs_archive() {
    let env = Env::start();
    let arn = finished_execution(&env, "rep", MODEL);
    let path = env.path("rep.html");
    let output = env
        .automl()
        .args(["report", &arn, "-o"])
        .arg(&path)
        .arg("--json")
        .run();
    let written: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(written["execution"], "rep");
    let html = std::fs::read_to_string(&path).unwrap();
    for needle in [
        "on AWS (eu-west-1)",
        "accepted",
        "0.9748",
        // From the outputs archive: the leaderboard, the features, the data summary.
        "WeightedEnsemble_L2",
        "worst_concave_points",
        "mean_radius",
        // From the history: the timeline's states.
        "TrainModel",
        "EvaluateModel",
        // The artifacts (minijinja escapes the slashes).
        "automl-rep-train&#x2f;output&#x2f;output.tar.gz",
        "&#x2f;aws&#x2f;sagemaker&#x2f;TrainingJobs",
    ] {
        if !html.contains(needle) {
            let _ = std::fs::write("/tmp/ray-rep.html", &html);
            panic!("{needle} missing from the report");
        }
    }

    // Without an archive the report still comes, and says why it has no leaderboard.
    let missing = "s3://automl-data/output/automl-gone-train/output/model.tar.gz";
    let arn = finished_execution(&env, "gone", missing);
    env.automl()
        .args(["report", &arn])
        .stderr_contains("note: no leaderboard or feature importance: s3://automl-data/output/automl-gone-train/output/output.tar.gz does not exist")
        .stdout_contains("report of gone: gone.report.html")
        .run();
    assert!(env.path("gone.report.html").is_file());

    // An execution that does not exist is named.
    let nowhere = arn.replace(":gone", ":nowhere");
    env.automl()
        .args(["report", &nowhere])
        .status(1)
        .stderr_contains(format!("no execution {nowhere}"))
        .run();
}

#[test]
fn status_of_a_finished_aws_execution_shows_its_leaderboard() {
    // `status` (and `run --wait`, which ends in the same summary) needs the stack; the
    // execution comes from execute mode's own store.
    let env = Env::start().deployed();
    let arn = finished_execution(&env, "stat", MODEL);
    env.automl()
        .args(["status", &arn])
        .stdout_contains("execution: stat (Succeeded)")
        .stdout_contains("evaluation: accuracy = 0.9748 (threshold 0.6000): accepted")
        .stdout_contains("leaderboard (accuracy, higher is better; 3 of 3 models):")
        .stdout_contains("  WeightedEnsemble_L2  0.9580      0.9889")
        .stdout_contains("  worst_concave_points   0.04790")
        .stdout_contains(
            "outputs archive  s3://automl-data/output/automl-rep-train/output/output.tar.gz",
        )
        .run();
    let output = env.automl().args(["status", &arn, "--json"]).run();
    let summary: Value = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .next_back()
        .unwrap();
    assert_eq!(
        summary["results"]["leaderboard"].as_array().unwrap().len(),
        3
    );
    assert_eq!(summary["results"]["best_model"], "WeightedEnsemble_L2");
}

/// The README's policy for `report` and `run --wait` (the JSON block after "These
/// read-only calls"), for a bucket and prefix.
fn readme_read_policy(bucket: &str, prefix: &str) -> Value {
    let readme = std::fs::read_to_string(crate::support::root().join("README.md")).unwrap();
    let from = readme
        .find("These read-only calls")
        .expect("the README's read policy");
    let block = &readme[from..];
    let start = block.find("```json\n").unwrap() + "```json\n".len();
    let end = start + block[start..].find("```").unwrap();
    let text = block[start..end]
        .replace("<data-bucket>", bucket)
        .replace("<training-output-prefix>", prefix);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("the README's read policy: {e}\n{text}"))
}

#[test]
fn the_readme_read_policy_is_enough_for_a_report_and_its_s3_grant_is_needed() {
    // moto enforces IAM once an admin is created, who then sets the execution up;
    // readers get the README's policy and the Step Functions reads.
    let env = Env::enforcing_iam();
    let arn = finished_execution(&env, "iam", MODEL);
    let reader = |name: &str, prefix: &str| {
        let mut policy = readme_read_policy("automl-data", prefix);
        // moto's evaluator matches Step Functions actions against Resource "*" only (it
        // knows S3's object ARNs, not these), so this grant is wide here.
        policy["Statement"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Effect": "Allow",
            "Action": ["states:GetExecutionHistory", "states:DescribeExecution"],
            "Resource": "*"}));
        env.user(name, policy)
    };
    let keys = reader("reader", "output");
    let path = env.path("iam.html");
    env.automl_as(&keys)
        .args(["report", &arn, "-o"])
        .arg(&path)
        .stderr_lacks("note:")
        .run();
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("WeightedEnsemble_L2"));
    // The same policy for another prefix: no leaderboard, and the note names the action.
    let keys = reader("elsewhere", "other");
    env.automl_as(&keys)
        .args(["report", &arn, "-o"])
        .arg(env.path("elsewhere.html"))
        .stderr_contains("note: no leaderboard or feature importance: access denied: your AWS identity may not call s3:GetObject")
        .run();
}
