//! Local back-ends for the Task resources the machines use, one file each. Before any of
//! them runs, the runner checks the request against AWS's model of the API
//! (`crate::awsmodel`, botocore's service models) and refuses it as the service would
//! ([`model_refusal`]), so a back-end only sees requests AWS would accept. Each takes
//! the task's input (after `Parameters`) and answers what the AWS integration answers:
//! the same result shape on success, and on failure the error name a `Retry`/`Catch`
//! would see on AWS (`SageMaker.AmazonSageMakerException` for a refused request,
//! `States.TaskFailed` with the job's description as the cause for a failed `.sync` job,
//! the Lambda's error type for a failed evaluation).

pub(crate) mod evaluate;
pub(crate) mod expiry;
pub(crate) mod item_reader;
pub(crate) mod models;
pub(crate) mod registry;
pub(crate) mod scaling;
pub(crate) mod serving;
pub(crate) mod training;
pub(crate) mod transform;

use super::objects::{Location, Objects};
use super::store::Store;
use crate::awsmodel::{Problem, Service};
use crate::sfn::errors::Failure;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What every back-end needs: where things live, and the Python to run.
pub(crate) struct Env {
    pub(crate) store: Store,
    pub(crate) objects: Objects,
    /// The interpreter with AutoGluon, or why there is none.
    pub(crate) python: Result<PathBuf, String>,
}

impl Env {
    pub(crate) fn python(&self) -> Result<&Path, Failure> {
        self.python
            .as_deref()
            .map_err(|why| Failure::task_failed(why.clone()))
    }
}

/// The resources with a local back-end, after `arn:<partition>:states:::`.
pub(crate) const RESOURCES: [&str; 18] = [
    "states:startExecution.sync",
    "states:startExecution.sync:2",
    "sagemaker:createTrainingJob.sync",
    "aws-sdk:sagemaker:describeTrainingJob",
    "sagemaker:createModel",
    "sagemaker:createEndpointConfig",
    "sagemaker:createEndpoint",
    "aws-sdk:sagemaker:describeEndpoint",
    "sagemaker:updateEndpoint",
    "aws-sdk:sagemaker:deleteEndpointConfig",
    "aws-sdk:applicationautoscaling:registerScalableTarget",
    "aws-sdk:applicationautoscaling:putScalingPolicy",
    "aws-sdk:scheduler:createSchedule",
    "sagemaker:createTransformJob.sync",
    "lambda:invoke",
    "aws-sdk:sagemaker:createModelPackageGroup",
    "aws-sdk:sagemaker:createModelPackage",
    "aws-sdk:sagemaker:describeModelPackage",
];

/// `arn:aws:states:::sagemaker:createModel` -> `sagemaker:createModel`.
pub(crate) fn service_part(resource: &str) -> Option<&str> {
    let rest = resource.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(':')?;
    rest.strip_prefix("states:::")
}

/// The load-time check: is there a back-end for this resource?
pub(crate) fn supports(resource: &str) -> Result<(), String> {
    match service_part(resource) {
        Some(part) if RESOURCES.contains(&part) => Ok(()),
        _ => Err(format!(
            "no local back-end for `{resource}`; the local runner runs: {}",
            RESOURCES
                .map(|r| format!("arn:aws:states:::{r}"))
                .join(", ")
        )),
    }
}

/// An error like the SageMaker API's (a refused request), as an optimised integration
/// reports it: the errors SageMaker's model declares (`ResourceInUse`,
/// `ResourceLimitExceeded`, `ResourceNotFound`: botocore sagemaker service-2.json) keep
/// their own name, `SageMaker.<Code>Exception`; every other code (ValidationException,
/// ThrottlingException...) is `SageMaker.AmazonSageMakerException`, the code in the cause.
pub(crate) fn sagemaker_refusal(code: &str, message: impl Into<String>) -> Failure {
    let name = match code {
        "ResourceInUse" | "ResourceLimitExceeded" | "ResourceNotFound" => {
            format!("SageMaker.{code}Exception")
        }
        _ => "SageMaker.AmazonSageMakerException".to_string(),
    };
    Failure::new(
        name,
        format!(
            "{} (Service: AmazonSageMaker; Status Code: 400; Error Code: {code}; Request ID: {}; Proxy: null)",
            message.into(),
            crate::sfn::ids::uuid_v4()
        ),
    )
}

/// A request AWS's model of the API refuses, failed as the integration reports the
/// service's `ValidationException`: error `<Service>.<the Java SDK's exception class>`
/// (for SageMaker, whose model declares no ValidationException, the base class
/// `AmazonSageMakerException`; for Lambda `AWSLambdaException`, a name Step Functions'
/// Lambda documentation lists; Step Functions' model declares `ValidationException`), and
/// the service's message with the SDK's `(Service: ...; Error Code: ...)` suffix.
pub(crate) fn model_refusal(service: Service, problem: &Problem) -> Failure {
    let message = problem.aws_message();
    if problem.model_error.is_some() {
        // Not the request's fault: the extract lacks the operation (a defect here).
        return Failure::runtime(format!(
            "cannot check the request against AWS's model: {message}"
        ));
    }
    validation_refusal(service, message)
}

/// A request the service refuses with its ValidationException (Application Auto Scaling
/// and EventBridge Scheduler declare one: botocore service-2.json).
pub(crate) fn validation_refusal(service: Service, message: impl Into<String>) -> Failure {
    let (error, sdk_service) = match service {
        Service::SageMaker => return sagemaker_refusal("ValidationException", message),
        Service::Lambda => ("Lambda.AWSLambdaException", "AWSLambda"),
        Service::StepFunctions => ("StepFunctions.ValidationException", "AWSStepFunctions"),
        Service::ApplicationAutoScaling => (
            "ApplicationAutoScaling.ValidationException",
            "AWSApplicationAutoScaling",
        ),
        Service::Scheduler => ("Scheduler.ValidationException", "Scheduler"),
    };
    Failure::new(
        error,
        format!(
            "{} (Service: {sdk_service}; Status Code: 400; Error Code: ValidationException; Request ID: {}; Proxy: null)",
            message.into(),
            crate::sfn::ids::uuid_v4()
        ),
    )
}

/// A required string field of a task's input.
pub(crate) fn text<'v>(input: &'v Value, pointer: &str, code: &str) -> Result<&'v str, Failure> {
    input.pointer(pointer).and_then(Value::as_str).ok_or_else(|| {
        sagemaker_refusal(
            code,
            format!(
                "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must not be null and must be a string",
                pointer.trim_start_matches('/').replace('/', ".")
            ),
        )
    })
}

/// A SageMaker resource name (its length and characters were checked against the model
/// before the back-end ran).
pub(crate) fn resource_name<'v>(input: &'v Value, field: &str) -> Result<&'v str, Failure> {
    text(input, &format!("/{field}"), "ValidationException")
}

/// A location from a task's input, or a refusal naming the field.
pub(crate) fn location(input: &Value, pointer: &str) -> Result<Location, Failure> {
    let uri = text(input, pointer, "ValidationException")?;
    Location::parse(uri).map_err(|why| {
        sagemaker_refusal(
            "ValidationException",
            format!(
                "{}: {why}",
                pointer.trim_start_matches('/').replace('/', ".")
            ),
        )
    })
}

/// The scripts tarball (`sagemaker_submit_directory` / `SAGEMAKER_SUBMIT_DIRECTORY`)
/// unpacked into `code_dir`.
pub(crate) fn unpack_scripts(
    env: &Env,
    submit_directory: &str,
    code_dir: &Path,
) -> Result<(), String> {
    let location = Location::parse(submit_directory)?;
    let path = env.objects.path(&location);
    if !path.is_file() {
        return Err(format!(
            "ClientError: the scripts archive {submit_directory} does not exist (locally {})",
            path.display()
        ));
    }
    super::objects::unpack(&path, code_dir).map_err(|e| format!("ClientError: {e:#}"))
}

/// Epoch milliseconds now, as optimised integrations write timestamps.
pub(crate) fn now_millis() -> i64 {
    crate::sfn::time::Timestamp::now().epoch_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_local_resource_is_an_operation_of_the_extracted_models() {
        for resource in RESOURCES {
            let arn = format!("arn:aws:states:::{resource}");
            let (service, operation) = crate::awsmodel::operation_of(&arn).expect(resource);
            assert!(
                service.model().operations().any(|o| o == operation),
                "{resource}: {operation} is not in src/awsmodel/{}.json",
                service.botocore_name()
            );
        }
    }

    #[test]
    fn a_request_the_model_refuses_fails_as_the_service_says() {
        let request = serde_json::json!({
            "EndpointConfigName": "automl-run-1",
            "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": "automl-run-1",
                                    "InstanceType": "ml.foo", "InitialInstanceCount": 1}],
        });
        let problem =
            crate::awsmodel::validate(Service::SageMaker, "CreateEndpointConfig", &request)
                .unwrap_err();
        let failure = model_refusal(Service::SageMaker, &problem);
        assert_eq!(failure.error, "SageMaker.AmazonSageMakerException");
        assert!(
            failure.cause.starts_with("1 validation error detected: Value 'ml.foo' at 'productionVariants.1.member.instanceType' failed to satisfy constraint: Member must satisfy enum value set: [ml."),
            "{}",
            failure.cause
        );
        assert!(failure.cause.contains("(Service: AmazonSageMaker; Status Code: 400; Error Code: ValidationException; Request ID: "), "{}", failure.cause);
        let request = serde_json::json!({"FunctionName": "not a function", "Payload": "{}"});
        let problem = crate::awsmodel::validate(Service::Lambda, "Invoke", &request).unwrap_err();
        let failure = model_refusal(Service::Lambda, &problem);
        assert_eq!(failure.error, "Lambda.AWSLambdaException");
        assert!(
            failure.cause.starts_with(
                "1 validation error detected: Value 'not a function' at 'functionName'"
            ),
            "{}",
            failure.cause
        );
    }

    #[test]
    fn resources_are_matched_whatever_the_partition() {
        assert!(supports("arn:aws:states:::sagemaker:createModel").is_ok());
        assert!(supports("arn:aws-cn:states:::lambda:invoke").is_ok());
        let error = supports("arn:aws:states:::sqs:sendMessage").unwrap_err();
        assert!(error.contains("no local back-end"), "{error}");
        assert!(supports("arn:aws:lambda:us-east-1:1:function:f").is_err());
    }
}
