//! The Main machine's model registry states: after the evaluation gate, register the
//! trained model as a version of the stack's model package group `<stack>-<ModelName>`
//! (created by the first execution that needs it), with its score and an approval status;
//! before a deploy, turn a registered version (`PretrainedModel.ModelPackage`) into a
//! SageMaker model, refusing one that is not Approved.
//!
//! A model the gate rejects is registered too, as `Rejected`: the registry then holds every
//! candidate with the score that decided it (what an auditor asks for), and `Rejected`
//! cannot be deployed (SageMaker: "for versioned models, the value of this parameter must
//! be set to Approved to deploy the model", botocore sagemaker service-2.json
//! `CreateModelPackageInput.ModelApprovalStatus`). The execution still ends in
//! `ModelRejected`.

use crate::asl::{Choice, Condition, Fail, Pass, StateMachine, Task, Test, Transition};
use crate::stack::machines::train::serving_environment;
use crate::stack::{sagemaker_task, Creates, Placeholder, Settings};
use serde_json::json;

/// `ModelApprovalStatus` values (botocore sagemaker `ModelApprovalStatus` enum).
pub(crate) const APPROVED: &str = "Approved";
pub(crate) const PENDING: &str = "PendingManualApproval";
pub(crate) const REJECTED: &str = "Rejected";

/// The group of `$.Parameters.Registry.ModelName`: `<stack>-<ModelName>`.
fn group_name() -> String {
    format!(
        "States.Format('{{}}-{{}}', '{}', $.Parameters.Registry.ModelName)",
        Placeholder::StackName
    )
}

/// States that register the model gated by the evaluation: `passed` is where a model that
/// passed the gate goes (`ShouldRegister` decides whether to register it), `failed` where
/// one that did not goes (`ShouldRegisterRejected`); both continue at `deploy` or end in
/// `rejected`.
pub(crate) fn register(
    machine: StateMachine,
    settings: &Settings,
    deploy: &str,
    rejected: &str,
) -> StateMachine {
    let next = |name: &str| Transition::Next(name.to_string());
    let status = |status: &str| {
        Pass::new(
            json!({ "Status": status, "ModelPackageGroupName.$": group_name() }),
            next("CreateModelPackageGroup"),
        )
        .result_path("$.Registering")
    };
    let machine = machine
        .state(
            "ShouldRegister",
            Choice::new()
                .when(
                    Condition::compare("$.Parameters.Registry", Test::IsPresent(true)),
                    "ChooseApproval",
                )
                .otherwise(deploy),
        )
        .state(
            "ChooseApproval",
            Choice::new()
                .when(
                    Condition::string_equals("$.Parameters.Registry.Approval", "manual"),
                    "LeaveForApproval",
                )
                .otherwise("ApproveVersion"),
        )
        .state("ApproveVersion", status(APPROVED))
        .state(
            "LeaveForApproval",
            status(PENDING).comment("A person approves it: `automl models approve <model>/<version>`."),
        )
        .state(
            "ShouldRegisterRejected",
            Choice::new()
                .when(
                    Condition::compare("$.Parameters.Registry", Test::IsPresent(true)),
                    "RejectVersion",
                )
                .otherwise(rejected),
        )
        .state(
            "RejectVersion",
            status(REJECTED).comment("Registered anyway, so the registry keeps every candidate and the score that decided it."),
        );
    let machine = sagemaker_task(
        machine,
        "CreateModelPackageGroup",
        Task::new(
            "arn:${AWS::Partition}:states:::aws-sdk:sagemaker:createModelPackageGroup",
            next("CreateModelPackage"),
        )
        .parameters(json!({
            "ModelPackageGroupName.$": "$.Registering.ModelPackageGroupName",
            "ModelPackageGroupDescription": format!("AutoGluon models registered by the {} stack", Placeholder::StackName),
            "Tags": crate::stack::tags(),
        }))
        .discard_result(),
        // The group outlives executions: "already exists" (SageMaker answers
        // ValidationException "Model Package Group already exists", see
        // `ALREADY_EXISTS_CAUSES`) means it is there to register into.
        Creates::Shared,
    );
    let machine = sagemaker_task(
        machine,
        "CreateModelPackage",
        Task::new(
            "arn:${AWS::Partition}:states:::aws-sdk:sagemaker:createModelPackage",
            next("RecordRegistration"),
        )
        .parameters(json!({
            "ModelPackageGroupName.$": "$.Registering.ModelPackageGroupName",
            "ModelPackageDescription.$": "States.Format('Trained by execution {}', $$.Execution.Name)",
            "ModelApprovalStatus.$": "$.Registering.Status",
            // Stable across the retries of one execution: a retry after a lost answer
            // does not register a second version (ClientToken: 1-36 of [a-zA-Z0-9-];
            // an MD5 is 32 hex digits).
            "ClientToken.$": "States.Hash($$.Execution.Id, 'MD5')",
            "InferenceSpecification": {
                "Containers": [{
                    "Image.$": "$.Training.Image",
                    "ModelDataUrl.$": "$.Training.ModelPath",
                    "Environment": serving_environment(settings),
                }],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv", "application/json"],
            },
            // The score inline: ModelMetrics would point at a statistics file in S3
            // (MetricsSource requires S3Uri and ContentType), which nothing writes. A
            // version in a group takes no Tags: it has its group's (botocore
            // CreateModelPackageInput.Tags: "you cannot supply a tag argument").
            "CustomerMetadataProperties": {
                "Metric.$": "$.Evaluation.Metric",
                "Score.$": "States.Format('{}', $.Evaluation.Value)",
                "Threshold.$": "States.Format('{}', $.Evaluation.Threshold)",
                "TrainingJobName.$": "$.Training.TrainingJobName",
                "Execution.$": "$$.Execution.Name",
            },
        }))
        .result_selector(json!({ "ModelPackageArn.$": "$.ModelPackageArn" }))
        .result_path("$.Registered"),
        Creates::Nothing,
    );
    machine
        .state(
            "RecordRegistration",
            Pass::new(
                json!({
                    "ModelPackageGroupName.$": "$.Registering.ModelPackageGroupName",
                    "ModelPackageArn.$": "$.Registered.ModelPackageArn",
                    "ModelApprovalStatus.$": "$.Registering.Status",
                }),
                next("WasVersionRejected"),
            )
            .result_path(&super::main::results::result_path(
                super::main::results::REGISTRATION,
            )),
        )
        .state(
            "WasVersionRejected",
            Choice::new()
                .when(
                    Condition::string_equals("$.Registration.ModelApprovalStatus", REJECTED),
                    rejected,
                )
                .otherwise(deploy),
        )
}

/// States that deploy a registered version: `ShouldUseModelPackage` goes on to `deploy`
/// directly for a model named by `PretrainedModel.Name`; for `ModelPackage` it describes
/// the version, refuses one that is not Approved, creates a model from it
/// (`<stack>-<execution>-model`) and names that model in `PretrainedModel.Name`.
pub(crate) fn deploy_version(machine: StateMachine, deploy: &str) -> StateMachine {
    let next = |name: &str| Transition::Next(name.to_string());
    let model_name = format!(
        "States.Format('{{}}-{{}}-model', '{}', $$.Execution.Name)",
        Placeholder::StackName
    );
    let machine = machine
        .state(
            "ShouldUseModelPackage",
            Choice::new()
                .when(
                    Condition::compare("$.Parameters.PretrainedModel.ModelPackage", Test::IsPresent(true)),
                    "IsModelPackageArn",
                )
                .otherwise(deploy),
        )
        .state(
            "IsModelPackageArn",
            Choice::new()
                .when(
                    Condition::string_matches("$.Parameters.PretrainedModel.ModelPackage", "arn:*"),
                    "UseModelPackageArn",
                )
                .otherwise("NameModelPackageArn"),
        )
        .state(
            "UseModelPackageArn",
            Pass::new(
                json!({ "Arn.$": "$.Parameters.PretrainedModel.ModelPackage", "ModelName.$": model_name }),
                next("DescribeModelPackage"),
            )
            .result_path("$.Package"),
        )
        .state(
            "NameModelPackageArn",
            Pass::new(
                json!({
                    // `<model>/<version>` names a version of this stack's group `<stack>-<model>`.
                    "Arn.$": format!(
                        "States.Format('arn:${{AWS::Partition}}:sagemaker:${{AWS::Region}}:${{AWS::AccountId}}:model-package/{{}}-{{}}', '{}', $.Parameters.PretrainedModel.ModelPackage)",
                        Placeholder::StackName
                    ),
                    "ModelName.$": model_name,
                }),
                next("DescribeModelPackage"),
            )
            .result_path("$.Package"),
        );
    let machine = sagemaker_task(
        machine,
        "DescribeModelPackage",
        Task::new(
            "arn:${AWS::Partition}:states:::aws-sdk:sagemaker:describeModelPackage",
            next("IsModelPackageApproved"),
        )
        .parameters(json!({ "ModelPackageName.$": "$.Package.Arn" }))
        .result_selector(json!({
            "ModelPackageArn.$": "$.ModelPackageArn",
            "ModelApprovalStatus.$": "$.ModelApprovalStatus",
        }))
        .result_path("$.Package.Described"),
        Creates::Nothing,
    );
    let machine = machine
        .state(
            "IsModelPackageApproved",
            Choice::new()
                .when(
                    Condition::string_equals("$.Package.Described.ModelApprovalStatus", APPROVED),
                    "CreateModelFromPackage",
                )
                .otherwise("ExplainNotApproved"),
        )
        .state(
            "ExplainNotApproved",
            Pass::new(
                json!({
                    "Cause.$": "States.Format('Model package {} is {}: only an Approved version is deployed. Approve it with automl models approve or deploy an Approved version.', $.Package.Described.ModelPackageArn, $.Package.Described.ModelApprovalStatus)",
                }),
                next("ModelPackageNotApproved"),
            )
            .result_path("$.Refusal"),
        )
        .state(
            "ModelPackageNotApproved",
            Fail::cause_from("ModelPackageNotApproved", "$.Refusal.Cause"),
        );
    let machine = sagemaker_task(
        machine,
        "CreateModelFromPackage",
        Task::new(
            "arn:${AWS::Partition}:states:::sagemaker:createModel",
            next("UseModelFromPackage"),
        )
        .parameters(json!({
            "ModelName.$": "$.Package.ModelName",
            "ExecutionRoleArn": Placeholder::SageMakerRoleArn.to_string(),
            "Containers": [{ "ModelPackageName.$": "$.Package.Described.ModelPackageArn" }],
            "Tags": crate::stack::tags(),
        }))
        .discard_result(),
        Creates::Resource,
    );
    machine.state(
        "UseModelFromPackage",
        Pass::new(
            json!({
                "Name.$": "$.Package.ModelName",
                "ModelPackage.$": "$.Package.Described.ModelPackageArn",
            }),
            next(deploy),
        )
        .comment("From here on the model created from the version is the model to deploy.")
        .result_path("$.Parameters.PretrainedModel"),
    )
}
