//! The AutoML stack: the three state machines (Main, Train, Deploy), the evaluation
//! Lambda, the roles and the data bucket, built from the `cfn`, `asl` and `iam` models.
//! Nothing here talks to AWS; `synth` renders what [`build`] returns, `deploy` uploads
//! it, and the local runner executes its machines.

pub mod assets;
mod deploy;
pub mod images;
mod main;
mod roles;
mod settings;
pub mod synth;
mod template;
mod train;

pub use settings::{Settings, SettingsError};
pub use template::CHECKOV_SKIPS;

use crate::asl::{MachineError, Retrier, StateMachine};
use crate::cfn::{Template, TemplateError};
use serde_json::{json, Value};
use std::fmt;

/// The three state machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, serde::Serialize)]
pub enum MachineId {
    Main,
    Train,
    Deploy,
}

impl MachineId {
    pub const ALL: [MachineId; 3] = [MachineId::Main, MachineId::Train, MachineId::Deploy];

    /// The machine's logical id in the template (also the key of its ARN output).
    pub fn logical_id(self) -> &'static str {
        match self {
            MachineId::Main => "MainStateMachine",
            MachineId::Train => "TrainStateMachine",
            MachineId::Deploy => "DeployStateMachine",
        }
    }

    /// `Main`, `Train`, `Deploy`: the stem of its `.asl.json` file.
    pub fn name(self) -> &'static str {
        match self {
            MachineId::Main => "Main",
            MachineId::Train => "Train",
            MachineId::Deploy => "Deploy",
        }
    }
}

/// A machine of the stack and its definition (with `${...}` placeholders).
#[derive(Debug, Clone)]
pub struct Machine {
    pub id: MachineId,
    pub definition: StateMachine,
}

/// Everything `synth` renders.
#[derive(Debug, Clone)]
pub struct Stack {
    pub template: Template,
    pub machines: Vec<Machine>,
    pub assets: Vec<assets::Asset>,
}

impl Stack {
    pub fn machine(&self, id: MachineId) -> &StateMachine {
        &self
            .machines
            .iter()
            .find(|m| m.id == id)
            .expect("the stack has all three machines")
            .definition
    }
}

/// Why the stack cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("{machine} state machine: {error}")]
    Machine {
        machine: &'static str,
        error: MachineError,
    },
    #[error("template: {0}")]
    Template(#[from] TemplateError),
    #[error("{0}")]
    Image(String),
}

/// Builds the stack for `settings`, checking every machine and the template.
pub fn build(settings: &Settings) -> Result<Stack, StackError> {
    settings.check()?;
    images::release(&settings.autogluon_version).map_err(StackError::Image)?;
    let machines: Vec<Machine> = MachineId::ALL
        .into_iter()
        .map(|id| {
            let definition = match id {
                MachineId::Main => main::machine(settings),
                MachineId::Train => train::machine(settings),
                MachineId::Deploy => deploy::machine(settings),
            };
            let timeout = match id {
                MachineId::Main => settings.main_timeout(),
                MachineId::Train => settings.train_timeout(),
                MachineId::Deploy => settings.deploy_timeout,
            };
            Machine {
                id,
                definition: definition.timeout(u64::from(timeout)),
            }
        })
        .collect();
    for machine in &machines {
        machine
            .definition
            .check()
            .map_err(|error| StackError::Machine {
                machine: machine.id.name(),
                error,
            })?;
    }
    let assets = assets::all();
    let template = template::template(settings, &machines, &assets)?;
    template.check()?;
    Ok(Stack {
        template,
        machines,
        assets,
    })
}

/// The `${Name}` placeholders the machine definitions use; the template fills them
/// through `Fn::Sub`, the local runner with local values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    StackName,
    TrainStateMachineArn,
    DeployStateMachineArn,
    EvaluateFunctionArn,
    SageMakerRoleArn,
    TrainingImage,
    InferenceImage,
    ScriptsUri,
}

impl Placeholder {
    pub fn name(self) -> &'static str {
        match self {
            Placeholder::StackName => "AWS::StackName",
            Placeholder::TrainStateMachineArn => "TrainStateMachineArn",
            Placeholder::DeployStateMachineArn => "DeployStateMachineArn",
            Placeholder::EvaluateFunctionArn => "EvaluateFunctionArn",
            Placeholder::SageMakerRoleArn => "SageMakerRoleArn",
            Placeholder::TrainingImage => "TrainingImage",
            Placeholder::InferenceImage => "InferenceImage",
            Placeholder::ScriptsUri => "ScriptsUri",
        }
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${{{}}}", self.name())
    }
}

/// The tag every SageMaker resource an execution creates carries, so `destroy
/// --endpoints` can find them and IAM can scope by it.
pub const STACK_TAG: &str = "automl:stack";

fn tags() -> Value {
    json!([
        { "Key": STACK_TAG, "Value": Placeholder::StackName.to_string() },
        { "Key": "automl:execution", "Value.$": "$$.Execution.Name" },
    ])
}

/// Retries SageMaker's throttling and transient service errors; a failed job is not
/// retried (its name is taken, and the cause would repeat). The integration reports
/// validation errors under the same name as throttling, so attempts stay few (35 s in all).
fn sagemaker_retry() -> Retrier {
    Retrier {
        error_equals: [
            "SageMaker.AmazonSageMakerException",
            "SageMaker.SageMakerException",
            "SageMaker.ThrottlingException",
        ]
        .map(String::from)
        .to_vec(),
        interval_seconds: 5,
        max_attempts: 3,
        backoff_rate: 2.0,
    }
}
