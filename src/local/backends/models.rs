//! `sagemaker:createModel` and `sagemaker:createEndpointConfig`: records, checked as
//! SageMaker checks them (unique names, the model data must exist, the config's model
//! must exist), kept in the state directory for the endpoint and transform back-ends.

use super::{location, now_millis, resource_name, sagemaker_refusal, Env};
use crate::local::store::{ResourceKind, Store};
use crate::sfn::errors::Failure;
use serde_json::{json, Value};

/// The model record: `ModelName`, `ModelArn`, `PrimaryContainer`, `ExecutionRoleArn`,
/// `CreationTime`. A model created from a registered version (`Containers:
/// [{"ModelPackageName"}]`) records the version's container as its `PrimaryContainer`,
/// which is what the endpoint and transform back-ends serve.
pub(crate) fn create_model(env: &Env, input: &Value) -> Result<Value, Failure> {
    let name = resource_name(input, "ModelName")?;
    let package = input
        .pointer("/Containers/0/ModelPackageName")
        .and_then(Value::as_str);
    let container = match package {
        Some(package) => super::registry::container_of(env, package)?,
        None => input
            .get("PrimaryContainer")
            .cloned()
            .unwrap_or(Value::Null),
    };
    let data_url = location(&container, "/ModelDataUrl")?;
    if !env.objects.path(&data_url).is_file() {
        return Err(sagemaker_refusal(
            "ValidationException",
            format!(
                "Could not find model data at {} (locally {}).",
                data_url.to_uri(),
                env.objects.path(&data_url).display()
            ),
        ));
    }
    let arn = Store::arn(ResourceKind::Model, name);
    if env
        .store
        .claim_resource(ResourceKind::Model, name)
        .map_err(|e| Failure::task_failed(format!("{e:#}")))?
        .is_none()
    {
        return Err(sagemaker_refusal(
            "ValidationException",
            format!("Cannot create already existing model \"{arn}\"."),
        ));
    }
    let record = json!({
        "ModelName": name,
        "ModelArn": arn,
        "PrimaryContainer": container,
        "ModelPackageName": package,
        "ExecutionRoleArn": input.get("ExecutionRoleArn"),
        "CreationTime": now_millis(),
    });
    env.store
        .write_record(ResourceKind::Model, name, &record)
        .map_err(|e| Failure::task_failed(format!("{e:#}")))?;
    Ok(json!({ "ModelArn": arn }))
}

/// A model that must exist (for an endpoint config or a transform job). SageMaker answers
/// a missing one with `ValidationException: Could not find model "<arn>".`, which the
/// optimised integration reports as `SageMaker.AmazonSageMakerException`; locally the
/// cause also names the models that exist, so a wrong name is fixed in one go.
pub(crate) fn existing_model(env: &Env, name: &str) -> Result<Value, Failure> {
    env.store.record(ResourceKind::Model, name).ok_or_else(|| {
        let mut known = env.store.names(ResourceKind::Model);
        known.sort();
        let known = if known.is_empty() {
            "there are no local models yet: a run with Flow.Train creates one".to_string()
        } else {
            format!("local models: {}", known.join(", "))
        };
        sagemaker_refusal(
            "ValidationException",
            format!(
                "Could not find model \"{}\". ({known})",
                Store::arn(ResourceKind::Model, name)
            ),
        )
    })
}

pub(crate) fn create_endpoint_config(env: &Env, input: &Value) -> Result<Value, Failure> {
    let name = resource_name(input, "EndpointConfigName")?;
    let variants = input
        .get("ProductionVariants")
        .and_then(Value::as_array)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            sagemaker_refusal(
                "ValidationException",
                "ProductionVariants must hold at least one variant",
            )
        })?;
    if variants.len() > 1 {
        return Err(sagemaker_refusal(
            "ValidationException",
            "the local runner serves one production variant per endpoint config",
        ));
    }
    let variant = &variants[0];
    let model = variant
        .get("ModelName")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            sagemaker_refusal(
                "ValidationException",
                "ProductionVariants[0].ModelName is required",
            )
        })?;
    existing_model(env, model)?;
    let serverless = variant.get("ServerlessConfig").is_some();
    let instances =
        variant.get("InstanceType").is_some() || variant.get("InitialInstanceCount").is_some();
    // A variant is either on instances or serverless (SageMaker's CreateEndpointConfig:
    // ServerlessConfig "instead of" InstanceType and InitialInstanceCount).
    if serverless && instances {
        return Err(sagemaker_refusal(
            "ValidationException",
            "ProductionVariants[0]: give either ServerlessConfig or InstanceType and InitialInstanceCount, not both",
        ));
    }
    if !serverless
        && variant
            .get("InitialInstanceCount")
            .and_then(Value::as_u64)
            .is_none_or(|n| n < 1)
    {
        return Err(sagemaker_refusal(
            "ValidationException",
            format!(
                "ProductionVariants[0].InitialInstanceCount must be an integer >= 1, got {}",
                variant.get("InitialInstanceCount").unwrap_or(&Value::Null)
            ),
        ));
    }
    let arn = Store::arn(ResourceKind::EndpointConfig, name);
    if env
        .store
        .claim_resource(ResourceKind::EndpointConfig, name)
        .map_err(|e| Failure::task_failed(format!("{e:#}")))?
        .is_none()
    {
        return Err(sagemaker_refusal(
            "ValidationException",
            format!("Cannot create already existing endpoint configuration \"{arn}\"."),
        ));
    }
    let record = json!({
        "EndpointConfigName": name,
        "EndpointConfigArn": arn,
        "ProductionVariants": variants,
        "CreationTime": now_millis(),
    });
    env.store
        .write_record(ResourceKind::EndpointConfig, name, &record)
        .map_err(|e| Failure::task_failed(format!("{e:#}")))?;
    Ok(json!({ "EndpointConfigArn": arn }))
}
