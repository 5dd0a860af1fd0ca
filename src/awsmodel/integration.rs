//! How a Step Functions Task reaches the API: which operation a Task `Resource` calls, and
//! the request the API receives from the Task's (resolved) `Parameters`.
//!
//! - Optimised integrations (`arn:<partition>:states:::sagemaker:createTrainingJob.sync`)
//!   and AWS SDK integrations (`...:::aws-sdk:sagemaker:describeEndpoint`) name the
//!   service and the API action in camel case; `.sync`, `.sync:2` and `.waitForTaskToken`
//!   only change how Step Functions waits.
//!   https://docs.aws.amazon.com/step-functions/latest/dg/integrate-services.html
//! - Parameters are written in PascalCase even where the API's members are camel case
//!   (Step Functions' own API: `stateMachineArn`, `input`, `name`): Step Functions passes
//!   each to the member of the same name whatever the case of its first letter.
//!   https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
//! - A Lambda `Payload` and a `StartExecution` `Input` may be JSON: Step Functions
//!   serialises it to the string the API takes.
//!   https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html,
//!   https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html

use super::Service;
use serde_json::{Map, Value};

/// The service and API operation a Task resource calls, e.g.
/// `arn:aws:states:::sagemaker:createTrainingJob.sync` -> (SageMaker, `CreateTrainingJob`).
/// `None` for a resource that is not a service integration of a modelled service.
pub(crate) fn operation_of(resource: &str) -> Option<(Service, String)> {
    let rest = resource.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("states:::")?;
    let rest = rest.strip_prefix("aws-sdk:").unwrap_or(rest);
    let (service, action) = rest.split_once(':')?;
    let action = action.split('.').next()?;
    let service = match service {
        "sagemaker" => Service::SageMaker,
        "lambda" => Service::Lambda,
        "states" | "sfn" => Service::StepFunctions,
        "scheduler" => Service::Scheduler,
        "applicationautoscaling" => Service::ApplicationAutoScaling,
        _ => return None,
    };
    let mut chars = action.chars();
    let first = chars.next()?;
    Some((service, first.to_uppercase().chain(chars).collect()))
}

/// Members Step Functions serialises when a Task gives them as JSON.
const SERIALISED: [(Service, &str, &str); 2] = [
    (Service::Lambda, "Invoke", "Payload"),
    (Service::StepFunctions, "StartExecution", "input"),
];

/// The request the API receives from a Task's resolved `Parameters` (see the module doc).
pub(crate) fn api_request(service: Service, operation: &str, parameters: &Value) -> Value {
    let Some(object) = parameters.as_object() else {
        return parameters.clone();
    };
    let members = service.model().input_members(operation);
    let mut out = Map::new();
    for (key, value) in object {
        let member = members
            .iter()
            .find(|m| m.as_str() == key || same_but_first_case(m, key))
            .cloned()
            .unwrap_or_else(|| key.clone());
        let serialised = SERIALISED
            .iter()
            .any(|(s, o, m)| *s == service && *o == operation && *m == member);
        let value = if serialised && !value.is_string() {
            Value::String(value.to_string())
        } else {
            value.clone()
        };
        out.insert(member, value);
    }
    Value::Object(out)
}

fn same_but_first_case(a: &str, b: &str) -> bool {
    let mut a = a.chars();
    let mut b = b.chars();
    match (a.next(), b.next()) {
        (Some(x), Some(y)) => x.to_lowercase().eq(y.to_lowercase()) && a.eq(b),
        _ => false,
    }
}
