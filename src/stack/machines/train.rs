//! The Train machine: one SageMaker training job running the AutoGluon training image
//! with our scripts, then a SageMaker model on the AutoGluon inference image. Its output
//! (`ModelName`, `ModelPath`, `TrainingJobName`) is what the Main machine reads. A Train
//! execution that a redriven Main execution starts again reuses the first attempt's
//! training job when that job completed (see [`FIRST_ATTEMPT`]).

use crate::asl::{Catcher, Choice, Condition, Fail, Pass, StateMachine, Task, Test, Transition};
use crate::stack::images::{GPU_INSTANCE_PATTERNS, GRAVITON_INSTANCE_PATTERNS};
use crate::stack::settings::defaults;
use crate::stack::{assets, sagemaker_task, Creates, Placeholder, Settings};
use serde_json::json;

/// The input field in which the Main machine's TrainModel Task names the training job of
/// its first attempt: `{"TrainingJobName": "<stack>-<name>-train"}` (what this machine's
/// NameTrainingJob names the job of the first Train execution, `<name>-train`).
///
/// Why: a redrive of a Main execution whose Train execution failed after its training
/// job completed (CreateModel refused, a throttled call out of retries) reruns TrainModel,
/// which starts a new Train execution `<name>-train-r<n>` (main.rs,
/// `child_execution_name`), whose own job name is new. Without this field it would train
/// again: minutes to hours of instances for a model that already lies in S3. With it,
/// the rerun describes the first job and, when it is `Completed`, goes straight to
/// CreateModel with that job's artifacts; any other status (Failed, Stopped, or
/// InProgress/Stopping, which no rerun waits for) or no such job trains under the new
/// name, as a first attempt would. The model still takes the rerun's own name: the first
/// attempt's model name may be the very thing that was refused.
///
/// Why this design: the first attempt's job name does not depend on the redrive count, so
/// Main passes it on every attempt (ASL cannot strip `-r<n>` off the Train execution's
/// own name to find it) and the Train machine tells a rerun by the name alone (its own
/// job name differs), with no extra input a console user must supply (absent, the
/// execution is its own first attempt). Only the first attempt's job is looked at: a
/// second redrive after a rerun that trained its own job and failed again trains again
/// (finding the newest completed job of all attempts would need ListTrainingJobs with a
/// name filter and a sort, one more call and grant for a rare chain of failures).
pub(crate) const FIRST_ATTEMPT: &str = "FirstAttempt";

/// What SageMaker says in the cause of a DescribeTrainingJob of a job that does not
/// exist: a `ValidationException` "Requested resource not found." rather than the
/// modeled `ResourceNotFound` (aws/aws-sdk#165, "`DescribeTrainingJob` returns
/// `ValidationException` instead of `ResourceNotFoundException` for non-existent
/// resource"); the AWS SDK integration names an unmodeled error after the SDK's base
/// exception, `SageMaker.SageMakerException`, as the Deploy machine's FindEndpoint sees.
pub(crate) const JOB_NOT_FOUND_CAUSE: &str = "*Requested resource not found*";

pub(crate) fn machine(settings: &Settings) -> StateMachine {
    let next = |name: &str| Transition::Next(name.to_string());
    let machine = StateMachine::new(
        "Trains an AutoGluon tabular model as a SageMaker training job and registers it as a SageMaker model.",
        "CheckFitArgs",
    )
    .state(
        "CheckFitArgs",
        Choice::new()
            .comment("Inputs started from the console skip `automl validate`: InitArgs is required, FitArgs optional.")
            .when(
                Condition::compare("$.Parameters.Train.InitArgs", Test::IsPresent(false)),
                "MissingInitArgs",
            )
            .when(
                Condition::compare("$.Parameters.Train.FitArgs", Test::IsPresent(false)),
                "DefaultFitArgs",
            )
            .otherwise("CheckFeatureImportance"),
    )
    .state(
        "MissingInitArgs",
        Fail::new(
            "InvalidInput",
            "Parameters.Train.InitArgs is required: the arguments of TabularPredictor(), at least {\"label\": \"<target column>\"}.",
        ),
    )
    .state(
        "DefaultFitArgs",
        Pass::new(json!({}), next("CheckFeatureImportance")).result_path("$.Parameters.Train.FitArgs"),
    )
    .state(
        "CheckFeatureImportance",
        Choice::new()
            .comment("FeatureImportance is optional too; tabular_train.py fills what a partial object leaves out.")
            .when(
                Condition::compare("$.Parameters.Train.FeatureImportance", Test::IsPresent(false)),
                "DefaultFeatureImportance",
            )
            .otherwise("CheckFirstAttempt"),
    )
    .state(
        "DefaultFeatureImportance",
        Pass::new(
            json!({
                "Enabled": true,
                "TimeLimit": defaults::FEATURE_IMPORTANCE_TIME_LIMIT,
                "SubsampleSize": defaults::FEATURE_IMPORTANCE_SUBSAMPLE_SIZE,
            }),
            next("CheckFirstAttempt"),
        )
        .result_path("$.Parameters.Train.FeatureImportance"),
    )
    .state(
        "CheckFirstAttempt",
        Choice::new()
            .comment("The Main machine names its first attempt's training job; an execution started otherwise is its own first attempt.")
            .when(
                Condition::compare(&format!("$.{FIRST_ATTEMPT}"), Test::IsPresent(false)),
                "ThisIsTheFirstAttempt",
            )
            .otherwise("NameTrainingJob"),
    )
    .state(
        "ThisIsTheFirstAttempt",
        Pass::new(json!({ "TrainingJobName.$": job_name_expression() }), next("NameTrainingJob"))
            .result_path(&format!("$.{FIRST_ATTEMPT}")),
    )
    .state(
        "NameTrainingJob",
        Pass::new(
            json!({
                "Parameters.$": "$.Parameters",
                // SageMaker names: stack prefix (scopes IAM and clean-up) + this execution's name.
                "JobName.$": job_name_expression(),
                (format!("{FIRST_ATTEMPT}.$")): format!("$.{FIRST_ATTEMPT}"),
            }),
            next("ChooseTrainingImage"),
        )
        .comment("Derives the training job and model name from the stack and the execution."),
    )
    // The device decides the image, and the instance type is known only at run time
    // (console-started executions included), while the image URIs are rendered at synth
    // time: the template fills both the CPU and the GPU URI, and these Choices pick one by
    // the instance type's family (`ml.g*`, `ml.p*`: NVIDIA GPUs). A CloudFormation mapping
    // cannot help, it is resolved at deploy time. Graviton (arm64) is refused first: the
    // images are x86 only, and an x86 image on arm64 fails only once the job starts.
    .state(
        "ChooseTrainingImage",
        Choice::new()
            .when(device(GRAVITON_INSTANCE_PATTERNS, "$.Parameters.Train.InstanceType"), "GravitonNotSupported")
            .when(device(GPU_INSTANCE_PATTERNS, "$.Parameters.Train.InstanceType"), "TrainOnGpu")
            .otherwise("TrainOnCpu"),
    )
    .state(
        "GravitonNotSupported",
        Fail::new(
            "InvalidInput",
            "Graviton (arm64) instance types such as ml.c7g or ml.m6g cannot run the AutoGluon images, which are x86 only: choose an x86 type such as ml.m5.xlarge (or a GPU type such as ml.g5.xlarge).",
        ),
    )
    .state("TrainOnGpu", image_pass(Placeholder::TrainingImageGpu, "$.Images.Training", "ChooseInferenceImage"))
    .state("TrainOnCpu", image_pass(Placeholder::TrainingImage, "$.Images.Training", "ChooseInferenceImage"))
    .state(
        "ChooseInferenceImage",
        Choice::new()
            .comment("The model serves on the deploy instance type when this execution deploys; otherwise on a CPU instance.")
            .when(
                Condition::and(vec![
                    Condition::compare("$.Parameters.Deploy.InstanceType", Test::IsPresent(true)),
                    device(GPU_INSTANCE_PATTERNS, "$.Parameters.Deploy.InstanceType"),
                ]),
                "ServeOnGpu",
            )
            .otherwise("ServeOnCpu"),
    )
    .state("ServeOnGpu", image_pass(Placeholder::InferenceImageGpu, "$.Images.Inference", "IsRerun"))
    .state("ServeOnCpu", image_pass(Placeholder::InferenceImage, "$.Images.Inference", "IsRerun"))
    .state(
        "IsRerun",
        Choice::new()
            .comment("A rerun (its job name is not the first attempt's) looks for the first attempt's job before training.")
            .when(
                Condition::compare("$.JobName", Test::StringEqualsPath(format!("$.{FIRST_ATTEMPT}.TrainingJobName"))),
                "TrainModel",
            )
            .otherwise("DescribeFirstAttemptJob"),
    )
    .state(
        "DescribeFirstAttemptJob",
        // No optimised integration describes a job: Step Functions' SageMaker page lists
        // only Create*/UpdateEndpoint ("Create and manage Amazon SageMaker AI jobs with
        // Step Functions", Optimized SageMaker AI APIs), so the AWS SDK integration.
        Task::new("arn:${AWS::Partition}:states:::aws-sdk:sagemaker:describeTrainingJob", next("DidFirstAttemptComplete"))
            .parameters(json!({ "TrainingJobName.$": format!("$.{FIRST_ATTEMPT}.TrainingJobName") }))
            .result_selector(json!({
                "TrainingJobName.$": "$.TrainingJobName",
                "TrainingJobStatus.$": "$.TrainingJobStatus",
                // Absent until the job has artifacts: read below only when Completed.
                "Description.$": "$",
            }))
            .result_path(&format!("$.{FIRST_ATTEMPT}.Job"))
            .retry(crate::stack::sdk_retry(&["SageMaker.ThrottlingException"]))
            .catch(Catcher {
                error_equals: vec![
                    "SageMaker.SageMakerException".to_string(),
                    "SageMaker.ValidationException".to_string(),
                    "SageMaker.ResourceNotFoundException".to_string(),
                ],
                result_path: Some(format!("$.{FIRST_ATTEMPT}.Error")),
                next: "IsFirstAttemptJobMissing".to_string(),
            }),
    )
    .state(
        "IsFirstAttemptJobMissing",
        Choice::new()
            .comment("The first attempt never created its job (it failed before): train. Any other refusal (access denied) fails as SageMaker said.")
            .when(
                Condition::or(vec![
                    Condition::string_matches(&format!("$.{FIRST_ATTEMPT}.Error.Cause"), JOB_NOT_FOUND_CAUSE),
                    Condition::string_equals(&format!("$.{FIRST_ATTEMPT}.Error.Error"), "SageMaker.ResourceNotFoundException"),
                ]),
                "TrainModel",
            )
            .otherwise("DescribeFirstAttemptJobFailed"),
    )
    .state(
        "DescribeFirstAttemptJobFailed",
        Fail::rethrow(&format!("$.{FIRST_ATTEMPT}.Error.Error"), &format!("$.{FIRST_ATTEMPT}.Error.Cause")),
    )
    .state(
        "DidFirstAttemptComplete",
        Choice::new()
            .comment("Only a Completed job has the model; a Failed or Stopped one is trained again under this attempt's name.")
            .when(
                Condition::string_equals(&format!("$.{FIRST_ATTEMPT}.Job.TrainingJobStatus"), "Completed"),
                "ReuseFirstAttemptJob",
            )
            .otherwise("TrainModel"),
    )
    .state(
        "ReuseFirstAttemptJob",
        Pass::new(
            // What TrainModel's ResultSelector gives, from the same DescribeTrainingJob
            // response (createTrainingJob.sync's output is that response).
            json!({
                "TrainingJobName.$": format!("$.{FIRST_ATTEMPT}.Job.TrainingJobName"),
                "ModelArtifacts.$": format!("$.{FIRST_ATTEMPT}.Job.Description.ModelArtifacts.S3ModelArtifacts"),
            }),
            next("CreateModel"),
        )
        .comment("The first attempt's job completed: its model is created under this attempt's name, without training again.")
        .result_path("$.TrainingJob"),
    )
    ;
    let machine = sagemaker_task(
        machine,
        "TrainModel",
        Task::new(
            "arn:${AWS::Partition}:states:::sagemaker:createTrainingJob.sync",
            next("CreateModel"),
        )
        .parameters(json!({
            "TrainingJobName.$": "$.JobName",
            "RoleArn": Placeholder::SageMakerRoleArn.to_string(),
            "AlgorithmSpecification": {
                "TrainingImage.$": "$.Images.Training.Uri",
                "TrainingInputMode": "File",
            },
            "HyperParameters": {
                "init_args.$": "States.JsonToString($.Parameters.Train.InitArgs)",
                "fit_args.$": "States.JsonToString($.Parameters.Train.FitArgs)",
                // {"Enabled", "TimeLimit", "SubsampleSize"} (or true/false from the console).
                "feature_importance.$": "States.JsonToString($.Parameters.Train.FeatureImportance)",
                "sagemaker_program": assets::TRAIN_PROGRAM,
                "sagemaker_submit_directory": Placeholder::ScriptsUri.to_string(),
                "sagemaker_region": "${AWS::Region}",
                "sagemaker_container_log_level": "20",
            },
            "InputDataConfig": [channel("train", "$.Parameters.Train.TrainDataPath"), channel("test", "$.Parameters.Train.TestDataPath")],
            "OutputDataConfig": { "S3OutputPath.$": "$.Parameters.Train.TrainingOutput" },
            "ResourceConfig": {
                "InstanceCount.$": "$.Parameters.Train.InstanceCount",
                "InstanceType.$": "$.Parameters.Train.InstanceType",
                "VolumeSizeInGB": settings.training_volume_size,
            },
            "StoppingCondition": { "MaxRuntimeInSeconds": settings.training_max_runtime },
            // With InstanceCount > 1 the instances form one Ray cluster (tabular_train.py,
            // ray_cluster.py) and the workers upload each fold they fit to this prefix of the
            // job, beside its model.tar.gz, where the head downloads it; the SageMaker role
            // reads and writes the data locations it lies in. Ignored with one instance.
            "Environment": {
                "AG_MODEL_SYNC_PATH.$": "States.Format('{}/{}/ray-sync/', $.Parameters.Train.TrainingOutput, $.JobName)",
            },
            // The instances of a job reach each other on any port in SageMaker's own VPC
            // (https://docs.aws.amazon.com/sagemaker/latest/dg/train-encrypt.html: training
            // runs in an Amazon VPC by default; encryption only adds IPsec between the
            // instances and costs time, so it stays off). Network isolation would block the
            // S3 calls of the fold sync ("the container can't make any outbound network
            // calls, even to other AWS services such as Amazon S3",
            // https://docs.aws.amazon.com/sagemaker/latest/dg/mkt-algo-model-internet-free.html).
            "EnableInterContainerTrafficEncryption": false,
            "EnableNetworkIsolation": false,
            "Tags": crate::stack::tags(),
        }))
        .result_selector(json!({
            "TrainingJobName.$": "$.TrainingJobName",
            "ModelArtifacts.$": "$.ModelArtifacts.S3ModelArtifacts",
        }))
        .result_path("$.TrainingJob"),
        Creates::Job,
    );
    let machine = sagemaker_task(
        machine,
        "CreateModel",
        Task::new(
            "arn:${AWS::Partition}:states:::sagemaker:createModel",
            next("ReportModel"),
        )
        .parameters(json!({
            "ModelName.$": "$.JobName",
            "ExecutionRoleArn": Placeholder::SageMakerRoleArn.to_string(),
            "PrimaryContainer": {
                "Image.$": "$.Images.Inference.Uri",
                "ModelDataUrl.$": "$.TrainingJob.ModelArtifacts",
                "Environment": serving_environment(settings),
            },
            "Tags": crate::stack::tags(),
        }))
        .discard_result(),
        Creates::Resource,
    );
    machine.state(
        "ReportModel",
        Pass::new(
            json!({
                "ModelName.$": "$.JobName",
                "ModelPath.$": "$.TrainingJob.ModelArtifacts",
                "TrainingJobName.$": "$.TrainingJob.TrainingJobName",
                // The registry's version names the same container (Main's RegisterModel).
                "Image.$": "$.Images.Inference.Uri",
            }),
            Transition::End,
        )
        .comment("The machine's output: what the Main machine evaluates and deploys."),
    )
}

/// The serving container's environment: the model's, and the registered version's (a
/// model created from the version runs with it).
pub(crate) fn serving_environment(settings: &Settings) -> serde_json::Value {
    json!({
        "SAGEMAKER_PROGRAM": assets::SERVE_PROGRAM,
        // tabular_train.py puts the serving script in the model's code/ (as the
        // SageMaker SDK does when it repacks a model), so a model keeps serving
        // with the code it was trained with, whatever assets a later deploy uploads.
        "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
        "SAGEMAKER_REGION": "${AWS::Region}",
        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
        // The model server starts one worker per vCPU by default, each
        // loading its own predictor, and gives a request 60 s: both are
        // settings (sagemaker-inference-toolkit `environment.py`:
        // SAGEMAKER_MODEL_SERVER_WORKERS, SAGEMAKER_MODEL_SERVER_TIMEOUT).
        "SAGEMAKER_MODEL_SERVER_WORKERS": settings.model_server_workers.to_string(),
        "SAGEMAKER_MODEL_SERVER_TIMEOUT": settings.model_server_timeout.to_string(),
    })
}

/// `<stack>-<this execution's name>`: the name of the training job and the model.
fn job_name_expression() -> String {
    format!(
        "States.Format('{{}}-{{}}', '{}', $$.Execution.Name)",
        Placeholder::StackName
    )
}

/// True when `variable` (an instance type) matches one of `patterns`.
fn device(patterns: &[&str], variable: &str) -> Condition {
    Condition::or(
        patterns
            .iter()
            .map(|p| Condition::string_matches(variable, p))
            .collect(),
    )
}

/// Puts `{"Uri": <image>}` at `at`.
fn image_pass(image: Placeholder, at: &str, next: &str) -> Pass {
    Pass::new(
        json!({ "Uri": image.to_string() }),
        Transition::Next(next.to_string()),
    )
    .result_path(at)
}

fn channel(name: &str, path: &str) -> serde_json::Value {
    json!({
        "ChannelName": name,
        "ContentType": "text/csv",
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri.$": path,
                "S3DataDistributionType": "FullyReplicated",
            }
        },
    })
}

#[cfg(test)]
mod rerun {
    //! The Train machine's rerun path, run by the interpreter against a scripted SageMaker:
    //! which calls it makes and what it outputs for each answer DescribeTrainingJob can give.
    use super::FIRST_ATTEMPT;
    use crate::sfn::{
        execute, Definition, ExecutionInfo, ExecutionStatus, Failure, Host, TaskCall, Timestamp,
    };
    use crate::stack::machines::main::{child_execution_name, Child};
    use crate::stack::{build, MachineId, Settings};
    use serde_json::{json, Value};

    const STACK: &str = "automl";
    const FIRST_JOB: &str = "automl-run-1-train";
    const FIRST_ARTIFACTS: &str = "s3://data/output/automl-run-1-train/output/model.tar.gz";

    /// Answers DescribeTrainingJob with `describe`; a training job completes; a model is made.
    struct SageMaker {
        describe: Result<Value, Failure>,
        calls: Vec<(String, Value)>,
    }

    impl Host for SageMaker {
        fn invoke(&mut self, call: &TaskCall) -> Result<Value, Failure> {
            let operation = call.resource.rsplit(":::").next().unwrap().to_string();
            self.calls.push((operation.clone(), call.input.clone()));
            match operation.as_str() {
                "aws-sdk:sagemaker:describeTrainingJob" => self.describe.clone(),
                "sagemaker:createTrainingJob.sync" => Ok(json!({
                    "TrainingJobName": call.input["TrainingJobName"],
                    "TrainingJobStatus": "Completed",
                    "ModelArtifacts": {"S3ModelArtifacts": format!(
                        "s3://data/output/{}/output/model.tar.gz",
                        call.input["TrainingJobName"].as_str().unwrap()
                    )},
                })),
                "sagemaker:createModel" => Ok(json!({"ModelArn": "arn"})),
                other => panic!("unexpected call {other}"),
            }
        }
    }

    fn job(status: &str) -> Result<Value, Failure> {
        let mut job = json!({"TrainingJobName": FIRST_JOB, "TrainingJobStatus": status});
        if status == "Completed" {
            job["ModelArtifacts"] = json!({"S3ModelArtifacts": FIRST_ARTIFACTS});
        }
        Ok(job)
    }

    /// How a Train execution ended, and the SageMaker calls it made (operation, request).
    type Ran = (
        ExecutionStatus,
        Option<Value>,
        Option<String>,
        Vec<(String, Value)>,
    );

    /// Runs Train execution `name` with `first_attempt` (as Main passes it, or absent).
    fn run(name: &str, first_attempt: Option<&str>, describe: Result<Value, Failure>) -> Ran {
        let definition = build(&Settings::default())
            .unwrap()
            .definition_json(MachineId::Train);
        let text = serde_json::to_string(&definition)
            .unwrap()
            .replace("${AWS::StackName}", STACK)
            .replace("${AWS::Partition}", "aws");
        let definition: Value = serde_json::from_str(&text).unwrap();
        let loaded = Definition::load("Train", &definition, &|_| Ok(())).unwrap();
        let mut input = json!({"Parameters": {"Train": {
            "TrainDataPath": "s3://data/train.csv", "TestDataPath": "s3://data/test.csv",
            "TrainingOutput": "s3://data/output", "InstanceCount": 1,
            "InstanceType": "ml.m5.xlarge", "InitArgs": {"label": "y"},
        }}});
        if let Some(job) = first_attempt {
            input[FIRST_ATTEMPT] = json!({ "TrainingJobName": job });
        }
        let info = ExecutionInfo {
            name: name.into(),
            arn: format!("arn:aws:states:eu-west-1:1:execution:Train:{name}"),
            machine_arn: "arn:aws:states:eu-west-1:1:stateMachine:Train".into(),
            machine_name: "Train".into(),
            role_arn: "arn:aws:iam::1:role/r".into(),
            start: Timestamp::now(),
            input,
            redrive_count: 0,
        };
        let mut host = SageMaker {
            describe,
            calls: Vec::new(),
        };
        let outcome = execute(&loaded, info, 0, None, &mut host);
        (outcome.status, outcome.output, outcome.error, host.calls)
    }

    fn operations(calls: &[(String, Value)]) -> Vec<&str> {
        calls
            .iter()
            .map(|(operation, _)| operation.as_str())
            .collect()
    }

    const TRAINS: [&str; 2] = ["sagemaker:createTrainingJob.sync", "sagemaker:createModel"];

    #[test]
    fn a_first_attempt_or_an_execution_started_without_main_trains_without_looking() {
        for first_attempt in [Some(FIRST_JOB), None] {
            let (status, output, _, calls) = run("run-1-train", first_attempt, job("Completed"));
            assert_eq!(status, ExecutionStatus::Succeeded, "{first_attempt:?}");
            assert_eq!(operations(&calls), TRAINS, "{first_attempt:?}");
            assert_eq!(output.unwrap()["TrainingJobName"], FIRST_JOB);
        }
    }

    #[test]
    fn a_rerun_reuses_the_first_attempts_completed_job_and_names_the_model_after_itself() {
        let (status, output, _, calls) = run("run-1-train-r1", Some(FIRST_JOB), job("Completed"));
        assert_eq!(status, ExecutionStatus::Succeeded);
        assert_eq!(
            operations(&calls),
            [
                "aws-sdk:sagemaker:describeTrainingJob",
                "sagemaker:createModel"
            ]
        );
        assert_eq!(calls[0].1, json!({"TrainingJobName": FIRST_JOB}));
        assert_eq!(calls[1].1["ModelName"], "automl-run-1-train-r1");
        assert_eq!(
            calls[1].1["PrimaryContainer"]["ModelDataUrl"],
            FIRST_ARTIFACTS
        );
        let output = output.unwrap();
        assert_eq!(output["TrainingJobName"], FIRST_JOB);
        assert_eq!(output["ModelPath"], FIRST_ARTIFACTS);
        assert_eq!(output["ModelName"], "automl-run-1-train-r1");
        // The same shape as a first attempt's output.
        let (_, first, _, _) = run("run-1-train", Some(FIRST_JOB), job("Completed"));
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&output), keys(&first.unwrap()));
    }

    #[test]
    fn a_rerun_trains_again_when_the_first_job_did_not_complete_or_never_existed() {
        let not_found = Err(Failure::new(
            "SageMaker.SageMakerException",
            "Requested resource not found. (Service: SageMaker, Status Code: 400, Request ID: r)",
        ));
        for describe in [job("Failed"), job("Stopped"), job("InProgress"), not_found] {
            let (status, output, _, calls) =
                run("run-1-train-r1", Some(FIRST_JOB), describe.clone());
            assert_eq!(status, ExecutionStatus::Succeeded, "{describe:?}");
            assert_eq!(
                operations(&calls),
                [
                    "aws-sdk:sagemaker:describeTrainingJob",
                    TRAINS[0],
                    TRAINS[1]
                ],
                "{describe:?}"
            );
            assert_eq!(calls[1].1["TrainingJobName"], "automl-run-1-train-r1");
            assert_eq!(output.unwrap()["TrainingJobName"], "automl-run-1-train-r1");
        }
    }

    #[test]
    fn a_rerun_that_may_not_describe_the_first_job_fails_with_sagemakers_error() {
        let denied = Err(Failure::new(
            "SageMaker.SageMakerException",
            "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: sagemaker:DescribeTrainingJob (Service: SageMaker, Status Code: 400, Request ID: r)",
        ));
        let (status, _, error, calls) = run("run-1-train-r1", Some(FIRST_JOB), denied);
        assert_eq!(status, ExecutionStatus::Failed);
        assert_eq!(error.as_deref(), Some("SageMaker.SageMakerException"));
        assert_eq!(
            operations(&calls),
            ["aws-sdk:sagemaker:describeTrainingJob"]
        );
    }

    /// Main's TrainModel names the first attempt's job as the first Train execution's
    /// NameTrainingJob does, on every attempt.
    #[test]
    fn main_names_the_first_attempts_job_on_every_attempt() {
        for count in [0u32, 1, 7, 12_499] {
            let request = crate::stack::machines::main::rendered_child_request(Child::Train, count);
            assert_eq!(
                request["Input"][FIRST_ATTEMPT]["TrainingJobName"],
                json!(format!(
                    "${{AWS::StackName}}-{}",
                    child_execution_name("run-1", Child::Train, 0)
                )),
                "after {count} redrives"
            );
        }
    }
}
