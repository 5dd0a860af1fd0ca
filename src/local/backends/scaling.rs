//! Application Auto Scaling for local endpoints: `registerScalableTarget` and
//! `putScalingPolicy` are checked (against botocore's model before they get here, and
//! here that the resource is a local endpoint's variant) and recorded on the endpoint, so
//! `automl local endpoints` shows them; scaling itself is not simulated (one server).

use super::{validation_refusal, Env};
use crate::awsmodel::Service;
use crate::local::endpoints::Registry;
use crate::local::store::LOCAL_ACCOUNT;
use crate::sfn::errors::Failure;
use serde_json::{json, Value};

/// `endpoint/<name>/variant/<variant>` -> the endpoint's name.
fn endpoint_of(input: &Value) -> Result<String, Failure> {
    let id = input
        .get("ResourceId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let parts: Vec<&str> = id.split('/').collect();
    match parts.as_slice() {
        ["endpoint", name, "variant", _] => Ok((*name).to_string()),
        _ => Err(validation_refusal(Service::ApplicationAutoScaling, format!(
            "Unsupported resource ID {id:?} for service namespace sagemaker: use endpoint/<endpoint-name>/variant/<variant-name>"
        ))),
    }
}

pub(crate) fn register_scalable_target(env: &Env, input: &Value) -> Result<Value, Failure> {
    let name = endpoint_of(input)?;
    let registry = Registry::new(&env.store);
    let Some(mut record) = registry.get(&name) else {
        return Err(validation_refusal(
            Service::ApplicationAutoScaling,
            format!("Unable to register scalable target: endpoint {name} does not exist"),
        ));
    };
    let (min, max) = (input["MinCapacity"].as_i64(), input["MaxCapacity"].as_i64());
    if let (Some(min), Some(max)) = (min, max) {
        if min > max {
            return Err(validation_refusal(
                Service::ApplicationAutoScaling,
                format!("MinCapacity ({min}) cannot be greater than MaxCapacity ({max})"),
            ));
        }
    }
    record.auto_scaling = Some(json!({
        "ResourceId": input["ResourceId"],
        "MinCapacity": input["MinCapacity"],
        "MaxCapacity": input["MaxCapacity"],
    }));
    registry
        .save(&record)
        .map_err(|e| Failure::task_failed(format!("{e:#}")))?;
    Ok(json!({
        "ScalableTargetARN": format!("arn:aws:application-autoscaling:{}:{LOCAL_ACCOUNT}:scalable-target/local-{name}", crate::local::LOCAL_REGION),
    }))
}

pub(crate) fn put_scaling_policy(env: &Env, input: &Value) -> Result<Value, Failure> {
    let name = endpoint_of(input)?;
    let registry = Registry::new(&env.store);
    let Some(mut scaling) = registry.get(&name).filter(|r| r.auto_scaling.is_some()) else {
        return Err(Failure::new(
            "ApplicationAutoScaling.ObjectNotFoundException",
            format!("No scalable target registered for service namespace: sagemaker, resource ID: endpoint/{name}/variant/AllTraffic, scalable dimension: sagemaker:variant:DesiredInstanceCount"),
        ));
    };
    if let Some(target) = scaling.auto_scaling.as_mut() {
        target["Policy"] = json!({
            "PolicyName": input["PolicyName"],
            "PolicyType": input["PolicyType"],
            "TargetTrackingScalingPolicyConfiguration": input["TargetTrackingScalingPolicyConfiguration"],
        });
    }
    registry
        .save(&scaling)
        .map_err(|e| Failure::task_failed(format!("{e:#}")))?;
    Ok(json!({
        "PolicyARN": format!(
            "arn:aws:autoscaling:{}:{LOCAL_ACCOUNT}:scalingPolicy:local:resource/sagemaker/endpoint/{name}/variant/AllTraffic:policyName/{}",
            crate::local::LOCAL_REGION,
            input["PolicyName"].as_str().unwrap_or_default()
        ),
        "Alarms": [],
    }))
}
