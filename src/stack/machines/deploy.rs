//! The Deploy machine: serve a SageMaker model as a real-time endpoint (instance count and
//! type from the input), a serverless endpoint (memory and concurrency from the input), or
//! run a batch transform job with it. An endpoint named by `Deploy.EndpointName` that
//! exists already is updated in place (blue/green, all at once or canary, rolled back on
//! the input's alarms) and its old config deleted once the new one serves; the status is
//! followed with `describeEndpoint` (no Lambda). After that, optionally, the variant is
//! registered with Application Auto Scaling, and a one-time EventBridge Scheduler
//! schedule deletes the endpoint when its time to live ends. An unknown mode fails with a
//! cause that says what is allowed.

use crate::asl::{
    Catcher, Choice, Condition, Fail, Pass, Retrier, StateMachine, Task, Test, Transition, Wait,
};
use crate::stack::{describe_retry, sagemaker_task, sdk_retry, Creates, Placeholder, Settings};
use serde_json::json;

/// The one production variant of every endpoint config the machine creates.
const VARIANT: &str = "AllTraffic";

/// Application Auto Scaling's retryable errors (botocore application-autoscaling:
/// ConcurrentUpdateException, InternalServiceException).
fn autoscaling_retry() -> Retrier {
    sdk_retry(&[
        "ApplicationAutoScaling.ConcurrentUpdateException",
        "ApplicationAutoScaling.InternalServiceException",
    ])
}

pub(crate) fn machine(settings: &Settings) -> StateMachine {
    let next = |name: &str| Transition::Next(name.to_string());
    let machine = StateMachine::new(
        "Deploys a SageMaker model as a real-time endpoint or runs a batch transform with it.",
        "NameResources",
    )
    .state(
        "NameResources",
        Pass::new(
            json!({
                "Parameters.$": "$.Parameters",
                "ResourceName.$": format!("States.Format('{{}}-{{}}', '{}', $$.Execution.Name)", Placeholder::StackName),
            }),
            next("ChooseMode"),
        )
        .comment("Names the endpoint, endpoint config or transform job after the stack and the execution."),
    )
    .state(
        "ChooseMode",
        Choice::new()
            .when(Condition::string_equals("$.Parameters.Deploy.Mode", "endpoint"), "CreateEndpointConfig")
            .when(Condition::string_equals("$.Parameters.Deploy.Mode", "serverless"), "CreateServerlessEndpointConfig")
            .when(Condition::string_equals("$.Parameters.Deploy.Mode", "batch"), "BatchTransform")
            .otherwise("UnknownDeployMode"),
    )
    .state(
        "UnknownDeployMode",
        Fail::new(
            "InvalidDeployMode",
            "Parameters.Deploy.Mode must be \"endpoint\", \"serverless\" or \"batch\".",
        ),
    )
    ;
    let machine = endpoint_config(
        machine,
        "CreateEndpointConfig",
        &[
            (
                "InitialInstanceCount.$",
                "$.Parameters.Deploy.InstanceCount",
            ),
            ("InstanceType.$", "$.Parameters.Deploy.InstanceType"),
        ],
    );
    // The same variant name as an instance endpoint's: an update keeps its variant
    // (SageMaker, "Deployment guardrails: Exclusions").
    let machine = endpoint_config(
        machine,
        "CreateServerlessEndpointConfig",
        &[("ServerlessConfig.$", "$.Parameters.Deploy.Serverless")],
    );
    let machine = machine
        .state(
            "ChooseEndpointName",
            Choice::new()
                .comment("A named endpoint is created or updated in place; otherwise the execution's own endpoint is created.")
                .when(Condition::compare("$.Parameters.Deploy.EndpointName", Test::IsPresent(true)), "UseGivenEndpointName")
                .otherwise("UseExecutionEndpointName"),
        )
        .state(
            "UseGivenEndpointName",
            Pass::new(json!({ "Name.$": "$.Parameters.Deploy.EndpointName" }), next("FindEndpoint"))
                .result_path("$.Endpoint"),
        )
        .state(
            "UseExecutionEndpointName",
            Pass::new(json!({ "Name.$": "$.ResourceName" }), next("CreateEndpoint"))
                .result_path("$.Endpoint"),
        )
        .state(
            "FindEndpoint",
            Task::new("arn:${AWS::Partition}:states:::aws-sdk:sagemaker:describeEndpoint", next("UpdateEndpoint"))
                .comment("Does the named endpoint exist? Its current config is deleted once the update is live.")
                .parameters(json!({ "EndpointName.$": "$.Endpoint.Name" }))
                .result_selector(json!({ "EndpointConfigName.$": "$.EndpointConfigName" }))
                .result_path("$.PreviousEndpoint")
                .retry(sdk_retry(&["SageMaker.ThrottlingException"]))
                .catch(Catcher {
                    // The integration names an unmodeled SageMaker error after the SDK's base
                    // exception; the cause decides below whether the endpoint is missing.
                    error_equals: vec!["SageMaker.SageMakerException".to_string(), "SageMaker.ValidationException".to_string()],
                    result_path: Some("$.FindEndpointError".to_string()),
                    next: "IsEndpointMissing".to_string(),
                }),
        )
        .state(
            "IsEndpointMissing",
            // SageMaker answers DescribeEndpoint of a missing endpoint with a
            // ValidationException "Could not find endpoint ..." (no modeled error).
            Choice::new()
                .when(Condition::string_matches("$.FindEndpointError.Cause", "*Could not find endpoint*"), "CreateEndpoint")
                .otherwise("FindEndpointFailed"),
        )
        .state("FindEndpointFailed", Fail::rethrow("$.FindEndpointError.Error", "$.FindEndpointError.Cause"));
    let machine = sagemaker_task(
        machine,
        "CreateEndpoint",
        Task::new(
            "arn:${AWS::Partition}:states:::sagemaker:createEndpoint",
            next("WaitForEndpoint"),
        )
        .parameters(json!({
            "EndpointName.$": "$.Endpoint.Name",
            "EndpointConfigName.$": "$.ResourceName",
            "Tags": crate::stack::tags(),
        }))
        .discard_result(),
        Creates::Resource,
    );
    let machine = sagemaker_task(
        machine,
        "UpdateEndpoint",
        Task::new(
            "arn:${AWS::Partition}:states:::sagemaker:updateEndpoint",
            next("WaitForEndpoint"),
        )
        .comment("Blue/green: the new fleet takes the traffic (all at once or a canary first), the old one is kept until the alarms stayed quiet.")
        .parameters(json!({
            "EndpointName.$": "$.Endpoint.Name",
            "EndpointConfigName.$": "$.ResourceName",
            "DeploymentConfig.$": "$.Parameters.Deploy.Update.DeploymentConfig",
        }))
        .discard_result(),
        Creates::Nothing,
    );
    let machine = machine.state(
        "WaitForEndpoint",
        Wait {
            seconds: u64::from(settings.endpoint_poll),
            transition: next("DescribeEndpoint"),
        },
    )
    .state(
        "DescribeEndpoint",
        Task::new("arn:${AWS::Partition}:states:::aws-sdk:sagemaker:describeEndpoint", next("IsEndpointReady"))
            .parameters(json!({ "EndpointName.$": "$.Endpoint.Name" }))
            .result_selector(json!({
                "Name.$": "$.EndpointName",
                "EndpointStatus.$": "$.EndpointStatus",
                "EndpointConfigName.$": "$.EndpointConfigName",
                "Description.$": "$",
            }))
            .result_path("$.Endpoint")
            .retry(describe_retry()),
    )
    .state(
        "IsEndpointReady",
        Choice::new()
            .when(Condition::string_equals("$.Endpoint.EndpointStatus", "InService"), "IsNewConfigLive")
            .when(
                Condition::or(vec![
                    Condition::string_equals("$.Endpoint.EndpointStatus", "Creating"),
                    Condition::string_equals("$.Endpoint.EndpointStatus", "Updating"),
                    Condition::string_equals("$.Endpoint.EndpointStatus", "SystemUpdating"),
                ]),
                "WaitForEndpoint",
            )
            .when(
                Condition::compare("$.Endpoint.Description.FailureReason", Test::IsPresent(true)),
                "EndpointFailed",
            )
            .otherwise("EndpointNotInService"),
    )
    .state("EndpointFailed", Fail::cause_from("EndpointCreationFailed", "$.Endpoint.Description.FailureReason"))
    .state(
        "EndpointNotInService",
        Fail::new(
            "EndpointCreationFailed",
            "The endpoint stopped being created without reaching InService and without a FailureReason (OutOfService, RollingBack or Deleting): see EndpointStatus in the DescribeEndpoint step's output.",
        ),
    )
    .state(
        "IsNewConfigLive",
        // A rolled-back update ends InService on the old config.
        Choice::new()
            .when(Condition::compare("$.Endpoint.EndpointConfigName", Test::StringEqualsPath("$.ResourceName".into())), "WasEndpointUpdated")
            .when(Condition::compare("$.Endpoint.Description.FailureReason", Test::IsPresent(true)), "EndpointUpdateRolledBack")
            .otherwise("EndpointUpdateReverted"),
    )
    .state("EndpointUpdateRolledBack", Fail::cause_from("EndpointUpdateRolledBack", "$.Endpoint.Description.FailureReason"))
    .state(
        "EndpointUpdateReverted",
        Fail::new(
            "EndpointUpdateRolledBack",
            "The endpoint is in service on its previous endpoint config, not this execution's: the update was rolled back (a rollback alarm fired, or the new fleet failed); see the DescribeEndpoint step's output.",
        ),
    )
    .state(
        "WasEndpointUpdated",
        Choice::new()
            .when(Condition::compare("$.PreviousEndpoint", Test::IsPresent(true)), "DeletePreviousEndpointConfig")
            .otherwise("ChooseAutoScaling"),
    )
    .state(
        "DeletePreviousEndpointConfig",
        Task::new("arn:${AWS::Partition}:states:::aws-sdk:sagemaker:deleteEndpointConfig", next("ChooseAutoScaling"))
            .comment("The config the endpoint served before the update; nothing uses it any more.")
            .parameters(json!({ "EndpointConfigName.$": "$.PreviousEndpoint.EndpointConfigName" }))
            .discard_result()
            .retry(describe_retry()),
    )
    .state(
        "ChooseAutoScaling",
        Choice::new()
            .when(Condition::compare("$.Parameters.Deploy.AutoScaling", Test::IsPresent(true)), "RegisterScalableTarget")
            .otherwise("ChooseTimeToLive"),
    )
    .state(
        "RegisterScalableTarget",
        Task::new("arn:${AWS::Partition}:states:::aws-sdk:applicationautoscaling:registerScalableTarget", next("PutScalingPolicy"))
            .parameters(json!({
                "ServiceNamespace": "sagemaker",
                "ResourceId.$": format!("States.Format('endpoint/{{}}/variant/{VARIANT}', $.Endpoint.Name)"),
                "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                "MinCapacity.$": "$.Parameters.Deploy.AutoScaling.MinInstances",
                "MaxCapacity.$": "$.Parameters.Deploy.AutoScaling.MaxInstances",
            }))
            .discard_result()
            .retry(autoscaling_retry()),
    )
    .state(
        "PutScalingPolicy",
        Task::new("arn:${AWS::Partition}:states:::aws-sdk:applicationautoscaling:putScalingPolicy", next("ChooseTimeToLive"))
            .parameters(json!({
                "PolicyName.$": "$.Endpoint.Name",
                "ServiceNamespace": "sagemaker",
                "ResourceId.$": format!("States.Format('endpoint/{{}}/variant/{VARIANT}', $.Endpoint.Name)"),
                "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": {
                    "TargetValue.$": "$.Parameters.Deploy.AutoScaling.TargetInvocationsPerInstance",
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance",
                    },
                },
            }))
            .discard_result()
            .retry(autoscaling_retry()),
    )
    .state(
        "ChooseTimeToLive",
        Choice::new()
            .when(Condition::compare("$.Parameters.Deploy.ExpiresAt", Test::IsPresent(true)), "ExpiryTarget")
            .when(Condition::compare("$.Parameters.Deploy.TimeToLive", Test::IsPresent(true)), "TimeToLiveWithoutExpiry")
            .otherwise("EndpointInService"),
    )
    .state(
        "TimeToLiveWithoutExpiry",
        Fail::new(
            "InvalidTimeToLive",
            "Parameters.Deploy.TimeToLive is set but Parameters.Deploy.ExpiresAt is not: `automl run` computes ExpiresAt (yyyy-mm-ddThh:mm:ss, UTC) from TimeToLive when it starts the execution; give ExpiresAt yourself when you start the machine another way.",
        ),
    )
    .state(
        "ExpiryTarget",
        Pass::new(json!({ "EndpointName.$": "$.Endpoint.Name" }), next("ScheduleEndpointDeletion"))
            .result_path("$.ExpiryTarget"),
    )
    .state(
        "ScheduleEndpointDeletion",
        Task::new("arn:${AWS::Partition}:states:::aws-sdk:scheduler:createSchedule", next("EndpointInServiceUntilExpiry"))
            .comment("A one-time schedule that deletes the endpoint at ExpiresAt and then itself (ActionAfterCompletion DELETE).")
            .parameters(json!({
                "Name.$": "$.ResourceName",
                "ScheduleExpression.$": "States.Format('at({})', $.Parameters.Deploy.ExpiresAt)",
                "ScheduleExpressionTimezone": "UTC",
                "FlexibleTimeWindow": { "Mode": "OFF" },
                "ActionAfterCompletion": "DELETE",
                "Description.$": "States.Format('automl: deletes endpoint {} when its time to live ends', $.Endpoint.Name)",
                "Target": {
                    // EventBridge Scheduler's universal target (Scheduler user guide,
                    // "Using universal targets"): any SDK action, its input as JSON text.
                    "Arn": "arn:${AWS::Partition}:scheduler:::aws-sdk:sagemaker:deleteEndpoint",
                    "RoleArn": Placeholder::EndpointExpiryRoleArn.to_string(),
                    "Input.$": "States.JsonToString($.ExpiryTarget)",
                },
            }))
            .discard_result()
            .retry(sdk_retry(&["Scheduler.ThrottlingException", "Scheduler.InternalServerException"])),
    )
    .state(
        "EndpointInService",
        Pass::new(
            json!({ "Mode.$": "$.Parameters.Deploy.Mode", "EndpointName.$": "$.Endpoint.Name" }),
            Transition::End,
        ),
    )
    .state(
        "EndpointInServiceUntilExpiry",
        Pass::new(
            json!({
                "Mode.$": "$.Parameters.Deploy.Mode",
                "EndpointName.$": "$.Endpoint.Name",
                "ExpiresAt.$": "$.Parameters.Deploy.ExpiresAt",
            }),
            Transition::End,
        ),
    )
    ;
    let machine = sagemaker_task(
        machine,
        "BatchTransform",
        Task::new("arn:${AWS::Partition}:states:::sagemaker:createTransformJob.sync", next("BatchTransformComplete"))
            .parameters(json!({
                "TransformJobName.$": "$.ResourceName",
                "ModelName.$": "$.Parameters.PretrainedModel.Name",
                "TransformInput": {
                    "ContentType": "text/csv",
                    "SplitType": "Line",
                    "DataSource": {
                        "S3DataSource": { "S3DataType": "S3Prefix", "S3Uri.$": "$.Parameters.Deploy.BatchInputDataPath" }
                    },
                },
                "TransformOutput": {
                    "S3OutputPath.$": "$.Parameters.Deploy.BatchOutputDataPath",
                    "Accept": "text/csv",
                    "AssembleWith": "Line",
                },
                "TransformResources": {
                    "InstanceCount.$": "$.Parameters.Deploy.InstanceCount",
                    "InstanceType.$": "$.Parameters.Deploy.InstanceType",
                },
                "Tags": crate::stack::tags(),
            }))
            .result_selector(json!({
                "TransformJobName.$": "$.TransformJobName",
                "OutputPath.$": "$.TransformOutput.S3OutputPath",
            }))
            .result_path("$.Transform"),
        Creates::Job,
    );
    machine.state(
        "BatchTransformComplete",
        Pass::new(
            json!({
                "Mode": "batch",
                "TransformJobName.$": "$.Transform.TransformJobName",
                "OutputPath.$": "$.Transform.OutputPath",
            }),
            Transition::End,
        ),
    )
}

/// A CreateEndpointConfig state named `state` whose one variant serves the model with
/// `capacity` (the variant's fields read from the input: instances, or a serverless
/// config), then goes on to name the endpoint.
fn endpoint_config(machine: StateMachine, state: &str, capacity: &[(&str, &str)]) -> StateMachine {
    let mut variant = serde_json::Map::new();
    variant.insert("VariantName".into(), json!(VARIANT));
    variant.insert(
        "ModelName.$".into(),
        json!("$.Parameters.PretrainedModel.Name"),
    );
    for (field, path) in capacity {
        variant.insert((*field).into(), json!(path));
    }
    sagemaker_task(
        machine,
        state,
        Task::new(
            "arn:${AWS::Partition}:states:::sagemaker:createEndpointConfig",
            Transition::Next("ChooseEndpointName".to_string()),
        )
        .parameters(json!({
            "EndpointConfigName.$": "$.ResourceName",
            "ProductionVariants": [variant],
            "Tags": crate::stack::tags(),
        }))
        .discard_result(),
        Creates::Resource,
    )
}
