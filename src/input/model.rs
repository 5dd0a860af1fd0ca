//! The typed model of a valid input. Serialising it gives the canonical (normalised)
//! input: what `run` sends to StartExecution and the local runner executes, in the shape
//! of the seed's contract, with only the sections the flow reads.

use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;

/// `{"Parameters": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Input {
    #[serde(rename = "Parameters")]
    pub parameters: Parameters,
}

/// `Parameters`: the flow and the sections it reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameters {
    pub flow: Flow,
    /// Only when deploying without training (the Main machine fills it after training).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pretrained_model: Option<PretrainedModel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train: Option<Train>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Evaluation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
}

/// `Parameters.Flow`: which steps run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Flow {
    pub train: bool,
    pub evaluate: bool,
    pub deploy: bool,
}

/// `Parameters.PretrainedModel`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PretrainedModel {
    pub name: String,
}

/// `Parameters.Train`. The S3 locations are kept as written (they are checked).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Train {
    pub train_data_path: String,
    pub test_data_path: String,
    pub training_output: String,
    pub instance_count: u32,
    pub instance_type: String,
    /// Keyword arguments of `TabularPredictor.fit()`, as a JSON object.
    pub fit_args: Map<String, Value>,
    /// Keyword arguments of `TabularPredictor()`, as a JSON object with a `label`.
    pub init_args: Map<String, Value>,
}

/// `Parameters.Evaluation`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Evaluation {
    /// The lowest acceptable score (higher is better; negative for losses).
    pub threshold: f64,
    /// A score name from `predictor.evaluate(test)`.
    pub metric: String,
}

/// `Parameters.Deploy`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Deploy {
    pub instance_count: u32,
    pub instance_type: String,
    pub mode: DeployMode,
    /// Only in batch mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_input_data_path: Option<String>,
    /// Only in batch mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_output_data_path: Option<String>,
}

/// `Parameters.Deploy.Mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeployMode {
    Endpoint,
    Batch,
}

impl DeployMode {
    pub const ALL: [DeployMode; 2] = [DeployMode::Endpoint, DeployMode::Batch];

    pub fn name(self) -> &'static str {
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
