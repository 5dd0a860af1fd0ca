//! Local back-ends for the Task resources the machines use, one file each. Each takes
//! the task's input (after `Parameters`) and answers what the AWS integration answers:
//! the same result shape on success, and on failure the error name a `Retry`/`Catch`
//! would see on AWS (`SageMaker.AmazonSageMakerException` for a refused request,
//! `States.TaskFailed` with the job's description as the cause for a failed `.sync` job,
//! the Lambda's error type for a failed evaluation).

pub(crate) mod evaluate;
pub(crate) mod models;
pub(crate) mod serving;
pub(crate) mod training;
pub(crate) mod transform;

use super::objects::{Location, Objects};
use super::store::Store;
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
pub(crate) const RESOURCES: [&str; 9] = [
    "states:startExecution.sync",
    "states:startExecution.sync:2",
    "sagemaker:createTrainingJob.sync",
    "sagemaker:createModel",
    "sagemaker:createEndpointConfig",
    "sagemaker:createEndpoint",
    "aws-sdk:sagemaker:describeEndpoint",
    "sagemaker:createTransformJob.sync",
    "lambda:invoke",
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

/// A SageMaker resource name, checked as SageMaker checks it.
pub(crate) fn resource_name<'v>(input: &'v Value, field: &str) -> Result<&'v str, Failure> {
    let name = text(input, &format!("/{field}"), "ValidationException")?;
    crate::input::check_sagemaker_name(name).map_err(|why| {
        sagemaker_refusal(
            "ValidationException",
            format!("1 validation error detected: Value '{name}' at '{field}' failed to satisfy constraint: {why}"),
        )
    })?;
    Ok(name)
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
    fn resources_are_matched_whatever_the_partition() {
        assert!(supports("arn:aws:states:::sagemaker:createModel").is_ok());
        assert!(supports("arn:aws-cn:states:::lambda:invoke").is_ok());
        let error = supports("arn:aws:states:::sqs:sendMessage").unwrap_err();
        assert!(error.contains("no local back-end"), "{error}");
        assert!(supports("arn:aws:lambda:us-east-1:1:function:f").is_err());
    }
}
