//! EventBridge Scheduler's one-time schedule that deletes an endpoint when its time to
//! live ends (`aws-sdk:scheduler:createSchedule` with an `at(...)` expression and the
//! universal target `aws-sdk:sagemaker:deleteEndpoint`). Locally the endpoint's record and
//! its servers learn the expiry: the servers stop at it, and the endpoint is deleted when
//! it is next looked at (see [`crate::local::endpoints`]).

use super::{validation_refusal, Env};
use crate::awsmodel::Service;
use crate::local::endpoints::Registry;
use crate::local::store::LOCAL_ACCOUNT;
use crate::sfn::errors::Failure;
use serde_json::{json, Value};

/// The universal target this back-end runs (Scheduler user guide, "Using universal
/// targets": `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`).
const DELETE_ENDPOINT: &str = "scheduler:::aws-sdk:sagemaker:deleteEndpoint";

pub(crate) fn create_schedule(env: &Env, input: &Value) -> Result<Value, Failure> {
    let name = input["Name"].as_str().unwrap_or_default();
    let expression = input["ScheduleExpression"].as_str().unwrap_or_default();
    let at = expression
        .strip_prefix("at(")
        .and_then(|rest| rest.strip_suffix(')'))
        .ok_or_else(|| validation_refusal(Service::Scheduler, format!(
            "Invalid Schedule Expression {expression:?}: the local runner runs one-time schedules, at(yyyy-mm-ddThh:mm:ss)"
        )))?;
    let zone = input["ScheduleExpressionTimezone"]
        .as_str()
        .unwrap_or("UTC");
    if zone != "UTC" {
        return Err(validation_refusal(
            Service::Scheduler,
            format!("the local runner takes schedules in UTC, not {zone}"),
        ));
    }
    let expiry = crate::input::parse_expiry(at).map_err(|why| {
        validation_refusal(
            Service::Scheduler,
            format!("Invalid Schedule Expression: {why}"),
        )
    })?;
    let target = input["Target"]["Arn"].as_str().unwrap_or_default();
    if !target.ends_with(DELETE_ENDPOINT) {
        return Err(validation_refusal(Service::Scheduler, format!(
            "the local runner runs schedules whose target is arn:aws:{DELETE_ENDPOINT}, not {target}"
        )));
    }
    let target_input: Value = input["Target"]["Input"]
        .as_str()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or(Value::Null);
    let endpoint = target_input["EndpointName"].as_str().unwrap_or_default();
    let registry = Registry::new(&env.store);
    let Some(mut record) = registry.get(endpoint) else {
        return Err(validation_refusal(
            Service::Scheduler,
            format!("the schedule's target input names no local endpoint ({endpoint:?})"),
        ));
    };
    registry
        .set_expiry(&mut record, expiry)
        .map_err(|e| Failure::task_failed(format!("{e:#}")))?;
    Ok(json!({
        "ScheduleArn": format!("arn:aws:scheduler:{}:{LOCAL_ACCOUNT}:schedule/default/{name}", crate::local::LOCAL_REGION),
    }))
}
