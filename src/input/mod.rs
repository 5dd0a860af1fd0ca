//! The execution input contract: what users feed the Main state machine, checked in
//! milliseconds before anything starts, and normalised into exactly what the machines
//! read.
//!
//! [`read`] parses a file (line and column on bad JSON, duplicate keys refused);
//! [`validate`] applies every rule and reports every problem at once, each naming its
//! JSON path, what is wrong and how to fix it; on success it returns the [`Normalized`]
//! input: the seed's shape (`{"Parameters": {"Flow": ..., "Train": ..., ...}}`) in one
//! canonical form — all three Flow flags, FitArgs/InitArgs as JSON objects (the Train
//! machine applies `States.JsonToString` itself), the threshold a number, only the
//! sections the flow reads. `run` sends that to StartExecution and the local runner
//! executes it. A test checks that every `$.Parameters` path the machines read exists in
//! it, so the contract and the machines cannot drift.
//!
//! Accepted as the seed wrote them: a threshold as a numeric string (`"0.6"`), FitArgs
//! and InitArgs as JSON-encoded strings (once or twice).

mod autogluon;
mod check;
mod data;
mod metrics;
mod model;
mod names;
mod preflight;
mod problem;
mod read;
mod suggest;

#[cfg(test)]
mod tests;

pub(crate) use check::{parse_expiry, Target};
pub(crate) use data::{check_data, data_sources, local_sample, Sample};
pub(crate) use model::{Deploy, DeployMode, Flow, Input, Registry, Train};
pub(crate) use names::{check_execution_name, check_model_package, check_sagemaker_name};
pub(crate) use preflight::{preflight, Preflight, PreflightError};
pub use problem::Problem;
pub(crate) use read::{parse, read_capped};
pub use read::{read, ReadError};

use crate::s3uri::S3Uri;
use serde_json::Value;

/// Checks a raw input against every rule for a run on AWS. All problems come back at
/// once; never panics.
pub fn validate(raw: &Value) -> Result<Normalized, Vec<Problem>> {
    validate_for(raw, Target::Aws)
}

/// Like [`validate`], for `target`: a local run also takes plain file paths as data
/// locations.
pub(crate) fn validate_for(raw: &Value, target: Target) -> Result<Normalized, Vec<Problem>> {
    let outcome = check::check(raw, target);
    match outcome.input {
        Some(input) if outcome.problems.is_empty() => {
            let value = serde_json::to_value(&input).expect("the input model always serialises");
            Ok(Normalized {
                input,
                value,
                notes: outcome.notes,
            })
        }
        _ => Err(outcome.problems),
    }
}

/// A valid input in canonical form, with typed access to what `run` and the local runner
/// need.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    input: Input,
    value: Value,
    notes: Vec<Problem>,
}

impl Normalized {
    /// The canonical input, as sent to StartExecution.
    pub fn value(&self) -> &Value {
        &self.value
    }

    pub fn into_value(self) -> Value {
        self.value
    }

    pub(crate) fn flow(&self) -> Flow {
        self.input.parameters.flow
    }

    #[cfg_attr(not(feature = "aws"), allow(dead_code))] // used by the AWS commands only
    pub(crate) fn train(&self) -> Option<&Train> {
        self.input.parameters.train.as_ref()
    }

    pub(crate) fn evaluation(&self) -> Option<&model::Evaluation> {
        self.input.parameters.evaluation.as_ref()
    }

    pub(crate) fn deploy(&self) -> Option<&Deploy> {
        self.input.parameters.deploy.as_ref()
    }

    /// Fixes when the endpoint expires from its `TimeToLive` and the run's `start` (the
    /// Deploy machine schedules its deletion at `ExpiresAt`). A run calls this once, as it
    /// starts the execution.
    pub(crate) fn stamp_expiry(&mut self, start: crate::sfn::Timestamp) {
        let Some(deploy) = self.input.parameters.deploy.as_mut() else {
            return;
        };
        if let Some(hours) = deploy.time_to_live {
            deploy.expires_at = Some(check::expiry_after(start, hours));
            self.value =
                serde_json::to_value(&self.input).expect("the input model always serialises");
        }
    }

    /// How the model is served, when the flow deploys.
    pub(crate) fn deploy_mode(&self) -> Option<DeployMode> {
        self.deploy().map(|d| d.mode)
    }

    #[cfg(test)] // only the tests read it
    /// Where training writes the model, when the flow trains.
    pub(crate) fn train_output(&self) -> Option<S3Uri> {
        self.train()?.training_output.parse().ok()
    }

    /// The pretrained SageMaker model to deploy, when the flow deploys without training
    /// and names a model (not a registered version).
    pub(crate) fn pretrained_model(&self) -> Option<&str> {
        self.input
            .parameters
            .pretrained_model
            .as_ref()
            .and_then(|m| m.name.as_deref())
    }

    /// The registered version to deploy (`<model>/<version>` or its ARN), when the flow
    /// deploys one.
    pub(crate) fn pretrained_package(&self) -> Option<&str> {
        self.input
            .parameters
            .pretrained_model
            .as_ref()
            .and_then(|m| m.model_package.as_deref())
    }

    /// Where the trained model is registered, when it is.
    pub(crate) fn registry(&self) -> Option<&Registry> {
        self.input.parameters.registry.as_ref()
    }

    /// What was accepted but is ignored or worth a look (`path: message`, like problems).
    pub(crate) fn notes(&self) -> &[Problem] {
        &self.notes
    }

    #[cfg_attr(not(feature = "aws"), allow(dead_code))] // used by the AWS commands only
    /// Every S3 location the execution reads or writes (see [`data_locations`]).
    pub(crate) fn data_locations(&self) -> Vec<(String, S3Uri)> {
        data_locations(self)
    }

    /// One line saying what the execution does: `train + evaluate + deploy to endpoint`.
    pub(crate) fn describe(&self) -> String {
        let flow = self.flow();
        let mut steps = Vec::new();
        if flow.train {
            steps.push("train".to_string());
        }
        if flow.evaluate {
            steps.push("evaluate".to_string());
        }
        if let Some(registry) = self.registry() {
            steps.push(format!(
                "register as {} ({})",
                registry.model_name,
                registry.approval.name()
            ));
        }
        let pretrained = self
            .pretrained_model()
            .map(str::to_string)
            .or_else(|| self.pretrained_package().map(|p| format!("version {p}")));
        let pretrained = pretrained.as_deref();
        if let Some(mode) = self.deploy_mode() {
            steps.push(match (mode, pretrained) {
                (DeployMode::Endpoint, None) => "deploy to endpoint".to_string(),
                (DeployMode::Serverless, None) => "deploy to serverless endpoint".to_string(),
                (DeployMode::Serverless, Some(model)) => {
                    format!("deploy pretrained model {model} to serverless endpoint")
                }
                (DeployMode::Batch, None) => "batch transform".to_string(),
                (DeployMode::Endpoint, Some(model)) => {
                    format!("deploy pretrained model {model} to endpoint")
                }
                (DeployMode::Batch, Some(model)) => {
                    format!("batch transform with pretrained model {model}")
                }
            });
        }
        steps.join(" + ")
    }
}

impl serde::Serialize for Normalized {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

#[cfg_attr(not(feature = "aws"), allow(dead_code))] // used by the AWS commands only
/// Every S3 URI the input reads or writes, with its JSON path, so `run` can warn when
/// one lies outside the stack's allowed data locations.
pub(crate) fn data_locations(normalized: &Normalized) -> Vec<(String, S3Uri)> {
    let mut locations: Vec<(&str, &str)> = Vec::new();
    if let Some(train) = normalized.train() {
        locations.push(("Parameters.Train.TrainDataPath", &train.train_data_path));
        locations.push(("Parameters.Train.TestDataPath", &train.test_data_path));
        locations.push(("Parameters.Train.TrainingOutput", &train.training_output));
    }
    if let Some(deploy) = normalized.deploy() {
        if let Some(uri) = &deploy.batch_input_data_path {
            locations.push(("Parameters.Deploy.BatchInputDataPath", uri));
        }
        if let Some(uri) = &deploy.batch_output_data_path {
            locations.push(("Parameters.Deploy.BatchOutputDataPath", uri));
        }
    }
    locations
        .into_iter()
        .filter_map(|(path, uri)| Some((path.to_string(), uri.parse().ok()?)))
        .collect()
}
