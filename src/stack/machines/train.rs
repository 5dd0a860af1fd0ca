//! The Train machine: one SageMaker training job running the AutoGluon training image
//! with our scripts, then a SageMaker model on the AutoGluon inference image. Its output
//! (`ModelName`, `ModelPath`, `TrainingJobName`) is what the Main machine reads.

use crate::asl::{Choice, Condition, Fail, Pass, StateMachine, Task, Test, Transition};
use crate::stack::settings::defaults;
use crate::stack::{assets, sagemaker_retry, Placeholder, Settings};
use serde_json::json;

pub(crate) fn machine(settings: &Settings) -> StateMachine {
    let next = |name: &str| Transition::Next(name.to_string());
    StateMachine::new(
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
            next("TrainModel"),
        )
        .comment("Derives the training job and model name from the stack and the execution."),
    )
    .state(
        "TrainModel",
        Task::new(
            "arn:${AWS::Partition}:states:::sagemaker:createTrainingJob.sync",
            next("CreateModel"),
        )
        .parameters(json!({
            "TrainingJobName.$": "$.JobName",
            "RoleArn": Placeholder::SageMakerRoleArn.to_string(),
            "AlgorithmSpecification": {
                "TrainingImage": Placeholder::TrainingImage.to_string(),
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
        .result_path("$.TrainingJob")
        .retry(sagemaker_retry()),
    )
    .state(
        "CreateModel",
        Task::new("arn:${AWS::Partition}:states:::sagemaker:createModel", next("ReportModel"))
            .parameters(json!({
                "ModelName.$": "$.JobName",
                "ExecutionRoleArn": Placeholder::SageMakerRoleArn.to_string(),
                "PrimaryContainer": {
                    "Image": Placeholder::InferenceImage.to_string(),
                    "ModelDataUrl.$": "$.TrainingJob.ModelArtifacts",
                    "Environment": {
                        "SAGEMAKER_PROGRAM": assets::SERVE_PROGRAM,
                        // tabular_train.py puts the serving script in the model's code/ (as the
                        // SageMaker SDK does when it repacks a model), so a model keeps serving
                        // with the code it was trained with, whatever assets a later deploy uploads.
                        "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
                        "SAGEMAKER_REGION": "${AWS::Region}",
                        "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
                    },
                },
                "Tags": crate::stack::tags(),
            }))
            .discard_result()
            .retry(sagemaker_retry()),
    )
    .state(
        "ReportModel",
        Pass::new(
            json!({
                "ModelName.$": "$.JobName",
                "ModelPath.$": "$.TrainingJob.ModelArtifacts",
                "TrainingJobName.$": "$.TrainingJob.TrainingJobName",
            }),
            Transition::End,
        )
        .comment("The machine's output: what the Main machine evaluates and deploys."),
    )
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
