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
    /// Not in serverless mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) instance_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) instance_type: Option<String>,
    pub(crate) mode: DeployMode,
    /// Only in batch mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) batch_input_data_path: Option<String>,
    /// Only in batch mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) batch_output_data_path: Option<String>,
    /// The endpoint to create, or to update in place when it exists (endpoint and
    /// serverless modes); without it each execution creates one named after itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) endpoint_name: Option<String>,
    /// How an existing endpoint is updated (blue/green).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) update: Option<EndpointUpdate>,
    /// Application Auto Scaling of the endpoint's variant (endpoint mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) auto_scaling: Option<AutoScaling>,
    /// Only in serverless mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) serverless: Option<Serverless>,
    /// Hours after the run starts when the endpoint deletes itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) time_to_live: Option<f64>,
    /// The UTC time (`yyyy-mm-ddThh:mm:ss`) the endpoint deletes itself at: set by the run
    /// pre-flight from `TimeToLive` and the run's start (Step Functions' JSONPath has no
    /// date arithmetic), so the Deploy machine only formats `at(...)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expires_at: Option<String>,
}

/// `Parameters.Deploy.Update`: SageMaker's blue/green deployment of a new endpoint config.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct EndpointUpdate {
    pub(crate) strategy: UpdateStrategy,
    /// Canary only: the share of capacity that takes traffic first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) canary_percent: Option<u32>,
    /// How long traffic stays on the canary (or on the whole new fleet before the old one
    /// is terminated) while the alarms are watched.
    pub(crate) wait_seconds: u32,
    /// CloudWatch alarms that roll the update back.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) rollback_alarms: Vec<String>,
    /// The same, as SageMaker's UpdateEndpoint takes it (the Deploy machine passes it as
    /// is: JSONPath cannot turn a list of names into a list of `{"AlarmName": ...}`).
    pub(crate) deployment_config: serde_json::Value,
}

impl EndpointUpdate {
    pub(crate) fn new(
        strategy: UpdateStrategy,
        canary_percent: Option<u32>,
        wait_seconds: u32,
        rollback_alarms: Vec<String>,
    ) -> EndpointUpdate {
        // botocore sagemaker DeploymentConfig / BlueGreenUpdatePolicy / TrafficRoutingConfig
        // (Type and WaitIntervalInSeconds required; CanarySize for CANARY) /
        // AutoRollbackConfig (AlarmList of 1..10 Alarm{AlarmName}).
        let mut routing = serde_json::json!({
            "Type": strategy.traffic_routing(),
            "WaitIntervalInSeconds": wait_seconds,
        });
        if let (UpdateStrategy::Canary, Some(percent)) = (strategy, canary_percent) {
            routing["CanarySize"] =
                serde_json::json!({ "Type": "CAPACITY_PERCENT", "Value": percent });
        }
        let mut config = serde_json::json!({
            "BlueGreenUpdatePolicy": { "TrafficRoutingConfiguration": routing },
        });
        if !rollback_alarms.is_empty() {
            config["AutoRollbackConfiguration"] = serde_json::json!({
                "Alarms": rollback_alarms.iter().map(|name| serde_json::json!({ "AlarmName": name })).collect::<Vec<_>>(),
            });
        }
        EndpointUpdate {
            strategy,
            canary_percent,
            wait_seconds,
            rollback_alarms,
            deployment_config: config,
        }
    }
}

/// `Parameters.Deploy.Update.Strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum UpdateStrategy {
    #[serde(rename = "all-at-once")]
    AllAtOnce,
    #[serde(rename = "canary")]
    Canary,
}

impl UpdateStrategy {
    pub(crate) const ALL: [UpdateStrategy; 2] = [UpdateStrategy::AllAtOnce, UpdateStrategy::Canary];

    pub(crate) fn name(self) -> &'static str {
        match self {
            UpdateStrategy::AllAtOnce => "all-at-once",
            UpdateStrategy::Canary => "canary",
        }
    }

    /// SageMaker's `TrafficRoutingConfig.Type`.
    pub(crate) fn traffic_routing(self) -> &'static str {
        match self {
            UpdateStrategy::AllAtOnce => "ALL_AT_ONCE",
            UpdateStrategy::Canary => "CANARY",
        }
    }
}

/// `Parameters.Deploy.AutoScaling`: target tracking on invocations per instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AutoScaling {
    pub(crate) min_instances: u32,
    pub(crate) max_instances: u32,
    pub(crate) target_invocations_per_instance: f64,
}

/// `Parameters.Deploy.Serverless`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Serverless {
    #[serde(rename = "MemorySizeInMB")]
    pub(crate) memory_size_in_mb: u32,
    pub(crate) max_concurrency: u32,
}

/// `Parameters.Deploy.Mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DeployMode {
    Endpoint,
    Batch,
    Serverless,
}

impl DeployMode {
    pub(crate) const ALL: [DeployMode; 3] = [
        DeployMode::Endpoint,
        DeployMode::Batch,
        DeployMode::Serverless,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            DeployMode::Endpoint => "endpoint",
            DeployMode::Batch => "batch",
            DeployMode::Serverless => "serverless",
        }
    }
}

impl fmt::Display for DeployMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
