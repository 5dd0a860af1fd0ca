//! Assembles the CloudFormation template: parameters for the assets, the region table
//! of AutoGluon registries, the data bucket, the evaluation Lambda, the roles, the three
//! state machines (definitions embedded with `Fn::Sub`, machines referenced with `Ref`,
//! the two forms that work on AWS and on the emulator alike) and their outputs.

use super::assets::Asset;
use super::{images, roles, Machine, MachineId, Placeholder, Settings, StackError};
use crate::cfn::{
    find_in_map, get_att, r#ref, sub, sub_with, Output, Parameter, Resource, Template,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const REGISTRY_MAP: &str = "AutoGluonRegistry";

/// `{"Fn::FindInMap": [AutoGluonRegistry, region, Account]}`.
pub(crate) fn registry_account_ref() -> Value {
    find_in_map(REGISTRY_MAP, r#ref("AWS::Region"), "Account")
}

pub(crate) fn template(
    settings: &Settings,
    machines: &[Machine],
    assets: &[Asset],
) -> Result<Template, StackError> {
    let release = images::release(&settings.autogluon_version).map_err(StackError::Image)?;
    let mut t = Template::new(format!(
        "automl: AutoGluon {} training, evaluation and deployment on Step Functions and SageMaker",
        release.version
    ));
    // `run` reads these back from the deployed template (e.g. to warn about data outside
    // the allowed locations), so the stack itself says how it was built.
    t.metadata = Some(json!({ "automl": { "settings": settings } }));

    t.parameters.insert(
        "AssetsBucket".into(),
        Parameter::string(
            "S3 bucket holding the Lambda zip and the AutoGluon scripts (automl deploy creates it)",
        )
        .pattern("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", "an S3 bucket name"),
    );
    for asset in assets {
        t.parameters.insert(
            asset.parameter.into(),
            Parameter::string(format!(
                "S3 key of the {} asset (content-addressed)",
                asset.name
            ))
            .default(asset.key.clone()),
        );
    }

    let mut regions = BTreeMap::new();
    for (region, account) in images::REGISTRY_ACCOUNTS {
        regions.insert(
            region.to_string(),
            BTreeMap::from([("Account".to_string(), json!(account))]),
        );
    }
    t.mappings.insert(REGISTRY_MAP.into(), regions);
    t.rules.insert(
        "SupportedRegion".into(),
        json!({
            "Assertions": [{
                "Assert": { "Fn::Contains": [images::REGISTRY_ACCOUNTS.iter().map(|(r, _)| *r).collect::<Vec<_>>(), r#ref("AWS::Region")] },
                "AssertDescription": "AWS publishes no AutoGluon training images in this region; see automl's images table for the supported ones."
            }]
        }),
    );

    t.resources.insert("DataBucket".into(), data_bucket());
    t.resources
        .insert("DataBucketPolicy".into(), data_bucket_policy());
    t.resources
        .insert("EvaluateFunction".into(), evaluate_function());
    t.resources
        .insert("EvaluateFunctionLogGroup".into(), evaluate_log_group());
    t.resources.insert(
        "EvaluateFunctionRole".into(),
        roles::evaluate_role(settings),
    );
    t.resources.insert(
        "SageMakerExecutionRole".into(),
        roles::sagemaker_role(settings),
    );
    t.resources
        .insert("MainStateMachineRole".into(), roles::main_role());
    t.resources
        .insert("TrainStateMachineRole".into(), roles::train_role());
    t.resources
        .insert("DeployStateMachineRole".into(), roles::deploy_role());
    t.resources
        .insert("EndpointExpiryRole".into(), roles::endpoint_expiry_role());

    // A pinned image (`--training-image`) replaces both device variants; otherwise the
    // DLC's CPU and GPU tags, from the region's registry account.
    let image = |repository: &str, tag: &str, pinned: &Option<String>| match pinned {
        Some(uri) => json!(uri),
        None => sub_with(
            format!(
                "${{Registry}}.dkr.ecr.${{AWS::Region}}.${{AWS::URLSuffix}}/{repository}:{tag}"
            ),
            json!({ "Registry": registry_account_ref() }),
        ),
    };
    for machine in machines {
        let variables = match machine.id {
            MachineId::Main => json!({
                Placeholder::TrainStateMachineArn.name(): r#ref(MachineId::Train.logical_id()),
                Placeholder::DeployStateMachineArn.name(): r#ref(MachineId::Deploy.logical_id()),
                Placeholder::EvaluateFunctionArn.name(): get_att("EvaluateFunction", "Arn"),
                // A model created from a registered version runs as the SageMaker role.
                Placeholder::SageMakerRoleArn.name(): get_att("SageMakerExecutionRole", "Arn"),
            }),
            MachineId::Train => json!({
                Placeholder::SageMakerRoleArn.name(): get_att("SageMakerExecutionRole", "Arn"),
                Placeholder::TrainingImage.name(): image("autogluon-training", release.cpu_tag, &settings.training_image),
                Placeholder::TrainingImageGpu.name(): image("autogluon-training", release.gpu_tag, &settings.training_image),
                Placeholder::InferenceImage.name(): image("autogluon-inference", release.cpu_tag, &settings.inference_image),
                Placeholder::InferenceImageGpu.name(): image("autogluon-inference", release.gpu_tag, &settings.inference_image),
                Placeholder::ScriptsUri.name(): sub("s3://${AssetsBucket}/${ScriptsKey}"),
            }),
            MachineId::Deploy => json!({
                Placeholder::EndpointExpiryRoleArn.name(): get_att("EndpointExpiryRole", "Arn"),
            }),
        };
        let definition = machine.definition.to_compact_json();
        let definition_string = if variables.as_object().is_some_and(|v| v.is_empty()) {
            sub(definition)
        } else {
            sub_with(definition, variables)
        };
        let role = format!("{}Role", machine.id.logical_id());
        t.resources.insert(
            machine.id.logical_id().into(),
            Resource::new(
                "AWS::StepFunctions::StateMachine",
                json!({
                    "StateMachineType": "STANDARD",
                    "RoleArn": get_att(&role, "Arn"),
                    "DefinitionString": definition_string,
                    "Tags": [{ "Key": super::STACK_TAG, "Value": r#ref("AWS::StackName") }],
                }),
            ),
        );
        t.outputs.insert(
            format!("{}Arn", machine.id.logical_id()),
            Output::new(
                format!("ARN of the {} state machine", machine.id.name()),
                r#ref(machine.id.logical_id()),
            ),
        );
    }

    t.outputs.insert(
        "DataBucketName".into(),
        Output::new(
            "Bucket for training data, outputs and batch files",
            r#ref("DataBucket"),
        ),
    );
    t.outputs.insert(
        "EvaluateFunctionName".into(),
        Output::new("The evaluation Lambda", r#ref("EvaluateFunction")),
    );
    t.outputs.insert(
        "SageMakerRoleArn".into(),
        Output::new(
            "Role SageMaker jobs and models run as",
            get_att("SageMakerExecutionRole", "Arn"),
        ),
    );
    Ok(t)
}

/// checkov checks that do not apply to this stack: (check, resource, why). Each lands in
/// the resource's `Metadata.checkov.skip`, and the README lists them.
pub const CHECKOV_SKIPS: &[(&str, &str, &str)] = &[
    (
        "CKV_AWS_18",
        "DataBucket",
        "Server access logs would need a second bucket per stack; audit S3 access with CloudTrail data events, the account-wide place for it.",
    ),
    (
        "CKV_AWS_158",
        "EvaluateFunctionLogGroup",
        "CloudWatch Logs encrypts every log group at rest; the function logs verdicts and error names, nothing a customer-managed key would need to guard.",
    ),
    (
        "CKV_AWS_115",
        "EvaluateFunction",
        "Step Functions calls the function once per execution; reserving concurrency fails outright on accounts whose concurrency quota is at the default low value.",
    ),
    (
        "CKV_AWS_116",
        "EvaluateFunction",
        "Invoked synchronously by Step Functions, which receives every error; a dead-letter queue only catches asynchronous invocations.",
    ),
    (
        "CKV_AWS_117",
        "EvaluateFunction",
        "The function only reads one S3 object through the AWS API; a VPC would add NAT or endpoints and no protection.",
    ),
];

fn checkov_skips(resource: &str) -> Value {
    let skips: Vec<Value> = CHECKOV_SKIPS
        .iter()
        .filter(|(_, r, _)| *r == resource)
        .map(|(id, _, why)| json!({ "id": id, "comment": why }))
        .collect();
    json!({ "checkov": { "skip": skips } })
}

fn data_bucket() -> Resource {
    Resource::new(
        "AWS::S3::Bucket",
        json!({
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{ "ServerSideEncryptionByDefault": { "SSEAlgorithm": "AES256" } }]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": true,
                "BlockPublicPolicy": true,
                "IgnorePublicAcls": true,
                "RestrictPublicBuckets": true,
            },
            "OwnershipControls": { "Rules": [{ "ObjectOwnership": "BucketOwnerEnforced" }] },
            "VersioningConfiguration": { "Status": "Enabled" },
            "Tags": [{ "Key": super::STACK_TAG, "Value": r#ref("AWS::StackName") }],
        }),
    )
    .metadata(checkov_skips("DataBucket"))
    .deletion_policy("Delete")
}

fn data_bucket_policy() -> Resource {
    Resource::new(
        "AWS::S3::BucketPolicy",
        json!({
            "Bucket": r#ref("DataBucket"),
            "PolicyDocument": crate::iam::deny_insecure_transport(
                get_att("DataBucket", "Arn"),
                sub("${DataBucket.Arn}/*"),
            ),
        }),
    )
}

/// The function's log group, owned by the stack so it has a retention and goes away with
/// the stack (the function's role may write to it but not create groups).
fn evaluate_log_group() -> Resource {
    Resource::new(
        "AWS::Logs::LogGroup",
        json!({
            "LogGroupName": sub("/aws/lambda/${AWS::StackName}-evaluate"),
            "RetentionInDays": 365,
            "Tags": [{ "Key": super::STACK_TAG, "Value": r#ref("AWS::StackName") }],
        }),
    )
    .metadata(checkov_skips("EvaluateFunctionLogGroup"))
    .deletion_policy("Delete")
}

fn evaluate_function() -> Resource {
    Resource::new(
        "AWS::Lambda::Function",
        json!({
            "FunctionName": sub("${AWS::StackName}-evaluate"),
            "Description": "Compares one AutoGluon test score of a training job with a threshold",
            "Runtime": "provided.al2023",
            "Handler": "bootstrap",
            "Architectures": ["x86_64"],
            "MemorySize": 256,
            "Timeout": 60,
            "Role": get_att("EvaluateFunctionRole", "Arn"),
            "Code": { "S3Bucket": r#ref("AssetsBucket"), "S3Key": r#ref("EvaluateCodeKey") },
            "Tags": [{ "Key": super::STACK_TAG, "Value": r#ref("AWS::StackName") }],
        }),
    )
    .metadata(checkov_skips("EvaluateFunction"))
    .depends_on("EvaluateFunctionLogGroup")
}
