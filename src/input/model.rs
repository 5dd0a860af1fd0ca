//! The typed model of a valid input. Serialising it gives the canonical (normalised)
//! input: what `run` sends to StartExecution and the local runner executes, in the shape
//! of the seed's contract, with only the sections the flow reads.

use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;

/// `{"Parameters": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Input {
    #[serde(rename = "Parameters")]
    pub(crate) parameters: Parameters,
}

/// `Parameters`: the flow and the sections it reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Parameters {
    pub(crate) flow: Flow,
    /// Only when deploying without training (the Main machine fills it after training).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) pretrained_model: Option<PretrainedModel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) train: Option<Train>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) evaluation: Option<Evaluation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) deploy: Option<Deploy>,
    /// Only when training (the Main machine registers the model it evaluated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) registry: Option<Registry>,
}

/// `Parameters.Flow`: which steps run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Flow {
    pub(crate) train: bool,
    pub(crate) evaluate: bool,
    pub(crate) deploy: bool,
}

/// `Parameters.PretrainedModel`: a SageMaker model (`Name`) or a version registered in
/// the stack's model registry (`ModelPackage`), exactly one of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PretrainedModel {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    /// `<model>/<version>` (a group of this stack) or a model package version's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) model_package: Option<String>,
}

/// `Parameters.Registry`: register the trained model as a version of the model package
/// group `<stack>-<ModelName>`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Registry {
    pub(crate) model_name: String,
    pub(crate) approval: Approval,
}

/// `Parameters.Registry.Approval`: who approves a version that passed the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Approval {
    /// Passing the evaluation gate approves it (`Approved`).
    Auto,
    /// A person approves it later (`PendingManualApproval`; `automl models approve`).
    Manual,
}

impl Approval {
    pub(crate) const ALL: [Approval; 2] = [Approval::Auto, Approval::Manual];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Approval::Auto => "auto",
            Approval::Manual => "manual",
        }
    }
}

/// `Parameters.Train`. The S3 locations are kept as written (they are checked).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Train {
    pub(crate) train_data_path: String,
    pub(crate) test_data_path: String,
    pub(crate) training_output: String,
    pub(crate) instance_count: u32,
    pub(crate) instance_type: String,
    /// Keyword arguments of `TabularPredictor.fit()`, as a JSON object.
    pub(crate) fit_args: Map<String, Value>,
    /// Keyword arguments of `TabularPredictor()`, as a JSON object with a `label`.
    pub(crate) init_args: Map<String, Value>,
    /// Permutation feature importance on the test set, and its budget.
    pub(crate) feature_importance: FeatureImportance,
}

/// `Parameters.Train.FeatureImportance`, normalised (true/false and partial objects are
/// accepted; defaults in `check::importance`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct FeatureImportance {
    pub(crate) enabled: bool,
    /// Seconds.
    pub(crate) time_limit: f64,
    /// Rows of the test set it is computed on.
    pub(crate) subsample_size: u64,
}

/// `Parameters.Evaluation`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Evaluation {
    /// The lowest acceptable score (higher is better; negative for losses).
    pub(crate) threshold: f64,
    /// A score name from `predictor.evaluate(test)`.
    pub(crate) metric: String,
}

/// `Parameters.Deploy`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Deploy {
    pub(crate) instance_count: u32,
    pub(crate) instance_type: String,
    pub(crate) mode: DeployMode,
    /// Only in batch mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) batch_input_data_path: Option<String>,
    /// Only in batch mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) batch_output_data_path: Option<String>,
}

/// `Parameters.Deploy.Mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DeployMode {
    Endpoint,
    Batch,
}

impl DeployMode {
    pub(crate) const ALL: [DeployMode; 2] = [DeployMode::Endpoint, DeployMode::Batch];

    pub(crate) fn name(self) -> &'static str {
        match self {
            DeployMode::Endpoint => "endpoint",
            DeployMode::Batch => "batch",
        }
    }
}

impl fmt::Display for DeployMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
