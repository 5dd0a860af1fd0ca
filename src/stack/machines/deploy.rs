//! The Deploy machine: serve a SageMaker model either as a real-time endpoint (instance
//! count and type from the input; status followed with `describeEndpoint`, no Lambda) or
//! as a batch transform job. An unknown mode fails with a cause that says what is allowed.

use crate::asl::{Choice, Condition, Fail, Pass, StateMachine, Task, Test, Transition, Wait};
use crate::stack::{describe_retry, sagemaker_task, Creates, Placeholder, Settings};
use serde_json::json;

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
            .when(Condition::string_equals("$.Parameters.Deploy.Mode", "batch"), "BatchTransform")
            .otherwise("UnknownDeployMode"),
    )
    .state(
        "UnknownDeployMode",
        Fail::new(
            "InvalidDeployMode",
            "Parameters.Deploy.Mode must be \"endpoint\" or \"batch\".",
        ),
    )
    ;
    let machine = sagemaker_task(
        machine,
        "CreateEndpointConfig",
        Task::new(
            "arn:${AWS::Partition}:states:::sagemaker:createEndpointConfig",
            next("CreateEndpoint"),
        )
        .parameters(json!({
            "EndpointConfigName.$": "$.ResourceName",
            "ProductionVariants": [{
                "VariantName": "AllTraffic",
                "ModelName.$": "$.Parameters.PretrainedModel.Name",
                "InitialInstanceCount.$": "$.Parameters.Deploy.InstanceCount",
                "InstanceType.$": "$.Parameters.Deploy.InstanceType",
            }],
            "Tags": crate::stack::tags(),
        }))
        .discard_result(),
        Creates::Resource,
    );
    let machine = sagemaker_task(
        machine,
        "CreateEndpoint",
        Task::new(
            "arn:${AWS::Partition}:states:::sagemaker:createEndpoint",
            next("WaitForEndpoint"),
        )
        .parameters(json!({
            "EndpointName.$": "$.ResourceName",
            "EndpointConfigName.$": "$.ResourceName",
            "Tags": crate::stack::tags(),
        }))
        .discard_result(),
        Creates::Resource,
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
            .parameters(json!({ "EndpointName.$": "$.ResourceName" }))
            .result_path("$.Endpoint")
            .retry(describe_retry()),
    )
    .state(
        "IsEndpointReady",
        Choice::new()
            .when(Condition::string_equals("$.Endpoint.EndpointStatus", "InService"), "EndpointInService")
            .when(
                Condition::or(vec![
                    Condition::string_equals("$.Endpoint.EndpointStatus", "Creating"),
                    Condition::string_equals("$.Endpoint.EndpointStatus", "Updating"),
                    Condition::string_equals("$.Endpoint.EndpointStatus", "SystemUpdating"),
                ]),
                "WaitForEndpoint",
            )
            .when(
                Condition::compare("$.Endpoint.FailureReason", Test::IsPresent(true)),
                "EndpointFailed",
            )
            .otherwise("EndpointNotInService"),
    )
    .state("EndpointFailed", Fail::cause_from("EndpointCreationFailed", "$.Endpoint.FailureReason"))
    .state(
        "EndpointNotInService",
        Fail::new(
            "EndpointCreationFailed",
            "The endpoint stopped being created without reaching InService and without a FailureReason (OutOfService, RollingBack or Deleting): see EndpointStatus in the DescribeEndpoint step's output.",
        ),
    )
    .state(
        "EndpointInService",
        Pass::new(
            json!({ "Mode": "endpoint", "EndpointName.$": "$.ResourceName" }),
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
