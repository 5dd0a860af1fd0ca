//! The Train machine: one SageMaker training job running the AutoGluon training image
//! with our scripts, then a SageMaker model on the AutoGluon inference image. Its output
//! (`ModelName`, `ModelPath`, `TrainingJobName`) is what the Main machine reads.

use crate::asl::{Choice, Condition, Fail, Pass, StateMachine, Task, Test, Transition};
use crate::stack::images::{GPU_INSTANCE_PATTERNS, GRAVITON_INSTANCE_PATTERNS};
use crate::stack::settings::defaults;
use crate::stack::{assets, sagemaker_task, Creates, Placeholder, Settings};
use serde_json::json;

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
            .otherwise("NameTrainingJob"),
    )
    .state(
        "DefaultFeatureImportance",
        Pass::new(
            json!({
                "Enabled": true,
                "TimeLimit": defaults::FEATURE_IMPORTANCE_TIME_LIMIT,
                "SubsampleSize": defaults::FEATURE_IMPORTANCE_SUBSAMPLE_SIZE,
            }),
            next("NameTrainingJob"),
        )
        .result_path("$.Parameters.Train.FeatureImportance"),
    )
    .state(
        "NameTrainingJob",
        Pass::new(
            json!({
                "Parameters.$": "$.Parameters",
                // SageMaker names: stack prefix (scopes IAM and clean-up) + this execution's name.
                "JobName.$": format!("States.Format('{{}}-{{}}', '{}', $$.Execution.Name)", Placeholder::StackName),
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
    .state("ServeOnGpu", image_pass(Placeholder::InferenceImageGpu, "$.Images.Inference", "TrainModel"))
    .state("ServeOnCpu", image_pass(Placeholder::InferenceImage, "$.Images.Inference", "TrainModel"))
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
