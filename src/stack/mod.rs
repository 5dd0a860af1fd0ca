//! The AutoML stack: the three state machines (Main, Train, Deploy), the evaluation
//! Lambda, the roles and the data bucket, built from the `cfn`, `asl` and `iam` models.
//! Nothing here talks to AWS; `synth` renders what [`build`] returns, `deploy` uploads
//! it, and the local runner executes its machines.

pub(crate) mod assets;
pub(crate) mod images;
pub(crate) mod machines;
mod roles;
pub(crate) mod settings;
pub(crate) mod synth;
mod template;

pub use settings::{Settings, SettingsError};
pub use template::CHECKOV_SKIPS;

use crate::asl::{MachineError, Retrier, StateMachine};
use crate::cfn::{Template, TemplateError};
use serde_json::{json, Value};
use std::fmt;

/// The stack name when none is given.
pub(crate) const DEFAULT_STACK_NAME: &str = "automl";

/// Stack names prefix SageMaker resource names (`<stack>-<execution>-deploy`, at most 63
/// characters, lowercased in ARNs), which IAM policies match by prefix: lowercase keeps the
/// prefix and the ARNs equal, and 19 characters leave room for a 36-character execution id.
pub(crate) fn check_stack_name(name: &str) -> Result<(), String> {
    let valid = name.len() <= 19
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(
            "use 1-19 lowercase letters, digits and hyphens, starting with a letter \
             (e.g. `automl` or `churn-dev`): it prefixes SageMaker names and IAM scopes them"
                .to_string(),
        )
    }
}

/// The three state machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum MachineId {
    Main,
    Train,
    Deploy,
}

impl MachineId {
    pub(crate) const ALL: [MachineId; 3] = [MachineId::Main, MachineId::Train, MachineId::Deploy];

    /// The machine's logical id in the template (also the key of its ARN output).
    pub fn logical_id(self) -> &'static str {
        match self {
            MachineId::Main => "MainStateMachine",
            MachineId::Train => "TrainStateMachine",
            MachineId::Deploy => "DeployStateMachine",
        }
    }

    /// The machine a user names (`main`, `train`, `deploy`, in any case).
    pub(crate) fn from_name(name: &str) -> Option<MachineId> {
        MachineId::ALL
            .into_iter()
            .find(|id| id.name().eq_ignore_ascii_case(name))
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
pub(crate) struct Machine {
    pub(crate) id: MachineId,
    pub(crate) definition: StateMachine,
}

/// Everything `synth` renders.
#[derive(Debug, Clone)]
pub struct Stack {
    pub(crate) template: Template,
    pub(crate) machines: Vec<Machine>,
    pub(crate) assets: Vec<assets::Asset>,
}

impl Stack {
    /// A machine's definition as JSON (with its `${...}` placeholders).
    pub fn definition_json(&self, id: MachineId) -> Value {
        serde_json::to_value(self.machine(id)).expect("machines serialise")
    }

    pub(crate) fn machine(&self, id: MachineId) -> &StateMachine {
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
                MachineId::Main => machines::main::machine(settings),
                MachineId::Train => machines::train::machine(settings),
                MachineId::Deploy => machines::deploy::machine(settings),
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
pub(crate) enum Placeholder {
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
pub(crate) const STACK_TAG: &str = "automl:stack";

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
