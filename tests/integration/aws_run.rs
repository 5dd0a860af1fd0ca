//! `automl run`, `status` and `executions` against a moto server: each example input
//! starts an execution of the stack's Main machine whose input is exactly the normalised
//! input; a bad input or name never reaches StartExecution.

use crate::support::aws::Env;
use serde_json::Value;

fn executions(env: &Env, machine: &str) -> Vec<aws_sdk_sfn::types::ExecutionListItem> {
    env.block_on(async {
        env.sfn()
            .list_executions()
            .state_machine_arn(machine)
            .send()
            .await
            .unwrap()
            .executions
    })
}

fn describe_execution(
    env: &Env,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    env.block_on(async {
        env.sfn()
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .unwrap()
    })
}

#[test]
fn run_starts_an_execution_with_the_normalised_input_for_each_example() {
    let env = Env::start().deployed().with_example_data();
    let main = env.main_machine();
    create_pretrained_models(&env);
    for (i, example) in crate::support::aws::example_inputs().iter().enumerate() {
        let name = format!("example-{i}");
        let output = env
            .automl()
            .arg("run")
            .arg(example)
            .args(["--name", &name])
            .stdout_contains(format!("execution: {}", main.replacen(":stateMachine:", ":execution:", 1) + ":" + &name))
            .stdout_contains("console:   https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:")
            .run();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let arn = stdout
            .lines()
            .find_map(|l| l.strip_prefix("execution: "))
            .unwrap()
            .trim()
            .to_string();
        let expected = automl::input::validate(&automl::input::read(example).unwrap())
            .unwrap_or_else(|p| panic!("{} is a valid example: {p:?}", example.display()))
            .into_value();
        let described = describe_execution(&env, &arn);
        assert_eq!(described.state_machine_arn, main);
        let input: Value = serde_json::from_str(described.input.as_deref().unwrap()).unwrap();
        assert_eq!(
            input,
            expected,
            "{}: the execution's input is the normalised input",
            example.display()
        );
    }
    assert_eq!(
        executions(&env, &main).len(),
        crate::support::aws::example_inputs().len()
    );

    // They are listed, newest first, and one can be shown by name.
    let listed = env.automl().args(["executions", "--json"]).run();
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let names: Vec<&str> = listed["executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"example-0"), "{names:?}");
    env.automl()
        .args(["executions", "--status", "failed"])
        .stderr_contains("no FAILED executions")
        .run();
    env.automl()
        .args(["status", "example-0"])
        .stdout_contains("execution: arn:aws:states:eu-west-1:123456789012:execution:")
        .stdout_contains("status:    RUNNING")
        .run();
    env.automl()
        .args(["status", "no-such-run"])
        .status(1)
        .stderr_contains("no execution `no-such-run` in stack `automl`")
        .run();
}

/// `run` checks that a pretrained model to deploy exists: the examples' do here.
fn create_pretrained_models(env: &Env) {
    for example in crate::support::aws::example_inputs() {
        let input: Value =
            serde_json::from_str(&std::fs::read_to_string(&example).unwrap()).unwrap();
        let flow = &input["Parameters"]["Flow"];
        // A registered version (`PretrainedModel.ModelPackage`) is not a model to create.
        let name = input["Parameters"]["PretrainedModel"]["Name"].as_str();
        if let (false, true, Some(name)) = (flow["Train"] == true, flow["Deploy"] == true, name) {
            create_model(env, name);
        }
    }
}

fn create_model(env: &Env, name: &str) {
    env.block_on(async {
        env.sagemaker()
            .create_model()
            .model_name(name)
            .execution_role_arn("arn:aws:iam::123456789012:role/automl-sagemaker")
            .primary_container(
                aws_sdk_sagemaker::types::ContainerDefinition::builder()
                    .image("763104351884.dkr.ecr.eu-west-1.amazonaws.com/autogluon-inference:1.4.0-cpu-py311-ubuntu22.04")
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
}

#[test]
fn a_missing_pretrained_model_fails_at_once_naming_the_models_that_exist() {
    let env = Env::start().deployed().with_example_data();
    let main = env.main_machine();
    // Created in this order, so newest first is the reverse of alphabetical.
    create_model(&env, "automl-a-train");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    create_model(&env, "automl-b-train");
    let input = env.path("pretrained.json");
    std::fs::write(
        &input,
        serde_json::json!({"Parameters": {
            "Flow": {"Train": false, "Evaluate": false, "Deploy": true},
            "PretrainedModel": {"Name": "automl-typo-train"},
            "Deploy": {"Mode": "batch", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                       "BatchInputDataPath": "s3://stepfunctions-mlops/data/bank/test_batch.csv",
                       "BatchOutputDataPath": "s3://stepfunctions-mlops/data/out/"},
        }})
        .to_string(),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let output = env
        .automl()
        .args(["run", "--name", "typo"])
        .arg(&input)
        .status(1)
        .stderr_contains("Parameters.PretrainedModel.Name: there is no SageMaker model named `automl-typo-train` in eu-west-1")
        .stderr_contains("Models there, newest first: `automl-b-train`, `automl-a-train`.")
        .stderr_contains("Parameters.Flow.Train: true")
        .stdout_lacks("execution:")
        .run();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.matches("there is no SageMaker model").count(),
        1,
        "{stderr}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert!(executions(&env, &main).is_empty(), "nothing was started");

    // With the right name it starts.
    let fixed = std::fs::read_to_string(&input)
        .unwrap()
        .replace("automl-typo-train", "automl-a-train");
    std::fs::write(&input, fixed).unwrap();
    env.automl()
        .args(["run", "--name", "fixed"])
        .arg(&input)
        .stdout_contains("execution: ")
        .run();
    assert_eq!(executions(&env, &main).len(), 1);
}

#[test]
fn a_bad_input_or_name_never_reaches_start_execution() {
    let env = Env::start().deployed();
    let main = env.main_machine();
    let bad = env.path("bad.json");
    std::fs::write(&bad, r#"{"Parameters": {"Flow": {"Train": true, "Deploy": false}, "Evaluation": {"Threshold": "high"}}}"#).unwrap();
    env.automl()
        .arg("run")
        .arg(&bad)
        .status(1)
        .stderr_contains("Parameters.Train")
        .stderr_contains("nothing was started")
        .stdout_lacks("execution:")
        .run();
    let broken = env.path("broken.json");
    std::fs::write(&broken, "{\"Parameters\": ").unwrap();
    env.automl()
        .arg("run")
        .arg(&broken)
        // Not JSON: 2, as `validate` says it (the same failure, the same code).
        .status(2)
        .stderr_contains("not valid JSON")
        .run();
    let bad_inputs = crate::support::root().join("tests/fixtures/bad-inputs");
    if let Ok(entries) = std::fs::read_dir(&bad_inputs) {
        for entry in entries.flatten() {
            // 1 for a broken contract, 2 for a file that is not JSON (duplicate keys).
            let output = env
                .automl()
                .arg("run")
                .arg(entry.path())
                .any_status()
                .stdout_lacks("execution:")
                .run();
            assert!(
                matches!(output.status.code(), Some(1 | 2)),
                "{}: {:?}",
                entry.path().display(),
                output.status
            );
        }
    }
    let good = &crate::support::aws::example_inputs()[0];
    env.automl()
        .arg("run")
        .arg(good)
        .args(["--name", "has space"])
        .status(1)
        .stderr_contains("--name")
        .run();
    assert!(
        executions(&env, &main).is_empty(),
        "no execution may start from a bad input"
    );
}

#[test]
fn run_status_and_executions_without_a_stack_say_so() {
    let env = Env::start();
    let good = &crate::support::aws::example_inputs()[0];
    let sentence = "stack `automl` does not exist in eu-west-1; deploy it with `automl deploy`";
    env.automl()
        .arg("run")
        .arg(good)
        .status(1)
        .stderr_contains(sentence)
        .run();
    env.automl()
        .arg("status")
        .status(1)
        .stderr_contains(sentence)
        .run();
    env.automl()
        .arg("executions")
        .status(1)
        .stderr_contains(sentence)
        .run();
    env.automl()
        .args(["--stack-name", "other", "executions"])
        .status(1)
        .stderr_contains("stack `other` does not exist in eu-west-1; deploy it with `automl deploy` (same --stack-name)")
        .run();
}

#[test]
fn run_wait_follows_to_the_end_and_summarises() {
    // moto's default Step Functions mode keeps executions RUNNING and serves a canned
    // history that ends in ExecutionSucceeded; this checks the real SDK plumbing of the
    // follow loop (history pages, JSON events, summary line), not the workflow's states,
    // which the unit tests replay from recorded histories.
    let env = Env::start().deployed().with_example_data();
    create_pretrained_models(&env);
    let good = &crate::support::aws::example_inputs()[0];
    let output = env
        .automl()
        .arg("run")
        .arg(good)
        .args(["--name", "waited", "--wait", "--json"])
        .run();
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["event"], "started");
    assert_eq!(lines[1]["event"], "execution_started");
    assert_eq!(lines[1]["machine"], "Main");
    let summary = lines.last().unwrap();
    assert_eq!(summary["execution"], "waited");
    assert_eq!(summary["status"], "Succeeded");
}

#[test]
fn data_in_s3_is_checked_before_start_execution() {
    // A ranged read of each data location's first object, checked as the local data is:
    // a missing label column or object is refused naming the S3 object, before anything starts.
    let env = Env::start().deployed();
    let main = env.main_machine();
    let input = crate::support::root().join("examples/train_evaluate.json");
    let bucket = "stepfunctions-mlops";
    env.put_object(
        bucket,
        "data/bank/test.csv",
        "age,job,y\n30,admin,no\n41,tech,yes\n",
    );
    // No training set at all.
    env.automl()
        .arg("run")
        .arg(&input)
        .status(1)
        .stderr_contains("Parameters.Train.TrainDataPath: \"s3://stepfunctions-mlops/data/bank/train.csv\": no object under s3://stepfunctions-mlops/data/bank/train.csv")
        .stderr_contains("nothing was started")
        .stdout_lacks("execution:")
        .run();
    // A training set without the label: named by its S3 object. The header is read from a
    // 64 KiB head of a bigger object, so the cut last line is no problem.
    let mut train = String::from("age,job,balanse\n");
    while train.len() < 200_000 {
        train.push_str("30,admin,100\n");
    }
    env.put_object(bucket, "data/bank/train.csv", &train);
    env.automl()
        .arg("run")
        .arg(&input)
        .status(1)
        .stderr_contains("Parameters.Train.InitArgs.label: the label column \"y\" is not in the header of s3://stepfunctions-mlops/data/bank/train.csv (Parameters.Train.TrainDataPath); its columns are: \"age\", \"job\", \"balanse\"")
        .stderr_contains("1 problem with the data in S3: nothing was started")
        .stdout_lacks("execution:")
        .run();
    // `validate --aws` says the same before any run; plain `validate` does not read S3.
    env.automl()
        .args(["validate", "--aws"])
        .arg(&input)
        .status(1)
        .stderr_contains("is not in the header of s3://stepfunctions-mlops/data/bank/train.csv")
        .run();
    env.automl()
        .arg("validate")
        .arg(&input)
        .stdout_contains("valid")
        .run();
    // Without credentials, validate --aws says the data was not checked (and why).
    env.automl()
        .args(["validate", "--aws"])
        .arg(&input)
        .env("AWS_ACCESS_KEY_ID", "")
        .env("AWS_SECRET_ACCESS_KEY", "")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout_contains("valid")
        .stderr_contains(
            "note: the data in S3 was not checked (header, label column, test columns):",
        )
        .run();
    assert!(executions(&env, &main).is_empty(), "nothing may start");
    // The test set lacking a training column; then everything right: it starts.
    env.put_object(
        bucket,
        "data/bank/train.csv",
        "age,job,balance,y\n30,admin,1,no\n41,tech,2,yes\n",
    );
    env.automl()
        .arg("run")
        .arg(&input)
        .status(1)
        .stderr_contains("Parameters.Train.TestDataPath: s3://stepfunctions-mlops/data/bank/test.csv lacks 1 of the training columns (\"balance\")")
        .run();
    env.put_object(
        bucket,
        "data/bank/test.csv",
        "age,job,balance,y\n30,admin,1,no\n",
    );
    env.automl()
        .arg("run")
        .arg(&input)
        .stdout_contains("execution:")
        .run();
    assert_eq!(executions(&env, &main).len(), 1);
}

/// `automl stop` and `automl redrive` against moto. moto implements StopExecution (the
/// execution ends ABORTED; it records no error or cause) but not RedriveExecution (HTTP
/// 500): what is proven here is which execution `redrive` picks, what it refuses before
/// calling AWS, and that the call it makes fails in words. Redrive itself runs locally
/// (`run --local --resume`, local_flows.rs).
#[test]
fn stop_then_redrive_picks_the_aborted_execution() {
    let env = Env::start().deployed().with_example_data();
    create_pretrained_models(&env);
    let main = env.main_machine();
    let example = &crate::support::aws::example_inputs()[0];
    for name in ["older", "newer"] {
        env.automl()
            .arg("run")
            .arg(example)
            .args(["--name", name])
            .run();
    }
    // Nothing failed yet: nothing to redrive; a running execution is not redriven.
    env.automl()
        .arg("redrive")
        .status(1)
        .stderr_contains("stack `automl` has no failed, aborted or timed-out execution to redrive")
        .run();
    env.automl()
        .args(["redrive", "newer"])
        .status(1)
        .stderr_contains("execution `newer` cannot be redriven: it is still running")
        .run();
    env.automl()
        .args([
            "stop",
            "newer",
            "--error",
            "Manual",
            "--cause",
            "testing stop",
        ])
        .stdout_contains("stopped:   newer (ABORTED at ")
        .run();
    let arn = main.replacen(":stateMachine:", ":execution:", 1) + ":newer";
    let described = describe_execution(&env, &arn);
    assert_eq!(described.status.as_str(), "ABORTED");
    env.automl()
        .args(["stop", "newer"])
        .status(1)
        .stderr_contains("execution `newer` is not running: it ended ABORTED")
        .run();
    env.automl()
        .args(["stop", "no-such-run"])
        .status(1)
        .stderr_contains("no execution `no-such-run` in stack `automl`")
        .run();
    // The default is the newest unsuccessful execution: `newer`, not the running `older`.
    env.automl()
        .arg("redrive")
        .status(1)
        .stderr_contains("redriving newer: it ended ABORTED")
        // Its first redrive: a rerun child gets the name the Main machine gives it then.
        .stderr_contains(
            "a rerun TrainModel starts newer-train-r1, reusing training job automl-newer-train if that job completed; a rerun DeployModel starts newer-deploy-r1",
        )
        .stderr_contains("states:RedriveExecution")
        .stderr_lacks("panicked")
        .run();
}
