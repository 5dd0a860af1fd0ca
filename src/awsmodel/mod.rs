//! AWS's own request contract: the input shapes of the AWS operations this tool calls,
//! as botocore's service models publish them (extracted into `src/awsmodel/*.json` by
//! `scripts/aws-models/extract.py`, which names the botocore version and model file in
//! each file's `_source`), and a validator that checks a JSON request against them the way
//! botocore's `ParamValidator` does (required and unknown members, types, minimums) plus
//! the constraints botocore leaves to the service (maximums, enums, patterns).
//!
//! This module is a model of AWS, like `cfn`, `asl` and `iam`: it knows nothing of AutoML
//! and imports nothing from the rest of the crate.

mod integration;
mod pattern;
mod shape;
mod validate;

#[cfg(test)]
mod tests;

pub(crate) use integration::{api_request, operation_of};
pub(crate) use shape::Model;
pub(crate) use validate::{Problem, Violation, ViolationKind};

use std::sync::OnceLock;

/// The services whose models are extracted (the botocore service names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Service {
    ApplicationAutoScaling,
    Lambda,
    SageMaker,
    Scheduler,
    StepFunctions,
}

impl Service {
    pub(crate) const ALL: [Service; 5] = [
        Service::ApplicationAutoScaling,
        Service::Lambda,
        Service::SageMaker,
        Service::Scheduler,
        Service::StepFunctions,
    ];

    /// botocore's name for the service (its `botocore/data/<name>/` folder).
    pub(crate) fn botocore_name(self) -> &'static str {
        match self {
            Service::ApplicationAutoScaling => "application-autoscaling",
            Service::Lambda => "lambda",
            Service::SageMaker => "sagemaker",
            Service::Scheduler => "scheduler",
            Service::StepFunctions => "stepfunctions",
        }
    }

    #[cfg(test)]
    pub(crate) fn from_botocore_name(name: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|s| s.botocore_name() == name)
    }

    fn source(self) -> &'static str {
        match self {
            Service::ApplicationAutoScaling => include_str!("application-autoscaling.json"),
            Service::Lambda => include_str!("lambda.json"),
            Service::SageMaker => include_str!("sagemaker.json"),
            Service::Scheduler => include_str!("scheduler.json"),
            Service::StepFunctions => include_str!("stepfunctions.json"),
        }
    }

    /// The service's extracted model, parsed once. The files are generated and checked by
    /// tests (tests/python/test_service_models.py, this module's tests), so a file that does
    /// not parse is a build defect, reported by the `models_parse` test.
    pub(crate) fn model(self) -> &'static Model {
        static MODELS: [OnceLock<Model>; 5] = [const { OnceLock::new() }; 5];
        let index = Service::ALL.iter().position(|s| *s == self).unwrap_or(0);
        MODELS[index].get_or_init(|| match Model::parse(self.source()) {
            Ok(model) => model,
            // A generated file the tests check; an empty model refuses every operation
            // with a message naming the file rather than crashing the runner.
            Err(e) => Model::broken(format!("src/awsmodel/{}.json: {e}", self.botocore_name())),
        })
    }
}

/// Checks `request` against the input shape of `service`'s `operation` (its API name, e.g.
/// `CreateTrainingJob`). `Ok` when AWS's model accepts it; otherwise every violation, each
/// naming its JSON path as botocore does (`ProductionVariants[0].InstanceType`).
pub(crate) fn validate(
    service: Service,
    operation: &str,
    request: &serde_json::Value,
) -> Result<(), Problem> {
    service.model().validate(operation, request)
}

/// The kinds of SageMaker resources with their own instance-type enum: a training-only
/// family, an inference-only family, so each is checked against its own list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InstanceUse {
    /// `CreateTrainingJob` `ResourceConfig.InstanceType`.
    Training,
    /// `CreateEndpointConfig` `ProductionVariants[].InstanceType`.
    Endpoint,
    /// `CreateTransformJob` `TransformResources.InstanceType`.
    Transform,
}

impl InstanceUse {
    /// The botocore shape holding the enum (sagemaker service-2.json).
    pub(crate) fn shape_name(self) -> &'static str {
        match self {
            InstanceUse::Training => "TrainingInstanceType",
            InstanceUse::Endpoint => "ProductionVariantInstanceType",
            InstanceUse::Transform => "TransformInstanceType",
        }
    }
}

/// The instance types SageMaker accepts for `use_`, sorted, from botocore's model.
pub(crate) fn instance_types(use_: InstanceUse) -> &'static [String] {
    Service::SageMaker
        .model()
        .enum_values(use_.shape_name())
        .unwrap_or(&[])
}

/// The botocore version the extracted models come from.
pub(crate) fn botocore_version() -> &'static str {
    Service::SageMaker.model().botocore_version()
}
