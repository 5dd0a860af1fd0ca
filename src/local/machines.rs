//! The stack's three machines as the local runner runs them: built by
//! `crate::stack::build` (exactly what `synth` renders and `deploy` uploads), serialised,
//! their `${...}` placeholders filled with local values, and loaded by the interpreter.

use super::backends;
use super::store::LOCAL_ACCOUNT;
use super::LOCAL_REGION;
use crate::sfn::definition::Definition;
use crate::stack::{self, MachineId, Placeholder, Settings};
use anyhow::{bail, Context as _};
use std::collections::BTreeMap;

/// The loaded machines, by ARN.
pub(crate) struct Machines {
    pub(crate) stack_name: String,
    pub(crate) by_arn: BTreeMap<String, Definition>,
    pub(crate) evaluate_function_arn: String,
    pub(crate) role_arn: String,
}

impl Machines {
    pub(crate) fn arn(&self, id: MachineId) -> String {
        machine_arn(&self.stack_name, id)
    }
}

/// `arn:aws:states:local:000000000000:stateMachine:<stack>-MainStateMachine`.
pub(crate) fn machine_arn(stack_name: &str, id: MachineId) -> String {
    format!(
        "arn:aws:states:{LOCAL_REGION}:{LOCAL_ACCOUNT}:stateMachine:{stack_name}-{}",
        id.logical_id()
    )
}

/// The local value of every placeholder.
pub(crate) fn placeholders(stack_name: &str, scripts_uri: &str) -> Vec<(String, String)> {
    let all = [
        Placeholder::StackName,
        Placeholder::TrainStateMachineArn,
        Placeholder::DeployStateMachineArn,
        Placeholder::EndpointExpiryRoleArn,
        Placeholder::EvaluateFunctionArn,
        Placeholder::SageMakerRoleArn,
        Placeholder::TrainingImage,
        Placeholder::TrainingImageGpu,
        Placeholder::InferenceImage,
        Placeholder::InferenceImageGpu,
        Placeholder::ScriptsUri,
    ];
    let version = crate::stack::images::DEFAULT_VERSION;
    let mut values: Vec<(String, String)> = all
        .into_iter()
        .map(|p| {
            let value = match p {
                Placeholder::StackName => stack_name.to_string(),
                Placeholder::TrainStateMachineArn => machine_arn(stack_name, MachineId::Train),
                Placeholder::DeployStateMachineArn => machine_arn(stack_name, MachineId::Deploy),
                Placeholder::EvaluateFunctionArn => evaluate_function_arn(stack_name),
                Placeholder::EndpointExpiryRoleArn => role_arn(stack_name, "endpoint-expiry"),
                Placeholder::SageMakerRoleArn => role_arn(stack_name, "sagemaker"),
                Placeholder::TrainingImage => format!("local/autogluon-training:{version}"),
                Placeholder::InferenceImage => format!("local/autogluon-inference:{version}"),
                // Locally every "device" runs the same AutoGluon venv; the tag still says
                // which image AWS would run.
                Placeholder::TrainingImageGpu => format!("local/autogluon-training:{version}-gpu"),
                Placeholder::InferenceImageGpu => {
                    format!("local/autogluon-inference:{version}-gpu")
                }
                Placeholder::ScriptsUri => scripts_uri.to_string(),
            };
            (p.to_string(), value)
        })
        .collect();
    values.push(("${AWS::Partition}".into(), "aws".into()));
    values.push(("${AWS::Region}".into(), LOCAL_REGION.into()));
    values.push(("${AWS::AccountId}".into(), LOCAL_ACCOUNT.into()));
    values
}

pub(crate) fn evaluate_function_arn(stack_name: &str) -> String {
    // A partial ARN (`<account>:function:<name>`), one of the forms Lambda's Invoke takes
    // (botocore lambda FunctionName pattern): a full one would need a real region's name,
    // and "local" is not one.
    format!("{LOCAL_ACCOUNT}:function:{stack_name}-evaluate")
}

pub(crate) fn role_arn(stack_name: &str, which: &str) -> String {
    format!("arn:aws:iam::{LOCAL_ACCOUNT}:role/{stack_name}-{which}")
}

/// Builds, fills and loads the three machines.
pub(crate) fn load(stack_name: &str, scripts_uri: &str) -> anyhow::Result<Machines> {
    let built =
        stack::build(&Settings::default()).context("cannot build the stack's state machines")?;
    let values = placeholders(stack_name, scripts_uri);
    let mut by_arn = BTreeMap::new();
    for machine in &built.machines {
        let mut text = serde_json::to_string(&machine.definition).expect("machines serialise");
        for (placeholder, value) in &values {
            // Values are inserted into JSON strings: escape them as JSON would.
            let escaped = serde_json::to_string(value).expect("strings serialise");
            text = text.replace(placeholder.as_str(), &escaped[1..escaped.len() - 1]);
        }
        if let Some(at) = text.find("${") {
            let rest: String = text[at..].chars().take(40).collect();
            bail!(
                "the {} machine uses a placeholder the local runner has no value for: {rest}...",
                machine.id.name()
            );
        }
        let definition: serde_json::Value =
            serde_json::from_str(&text).expect("substitution keeps JSON valid");
        let loaded = Definition::load(machine.id.name(), &definition, &backends::supports)?;
        by_arn.insert(machine_arn(stack_name, machine.id), loaded);
    }
    Ok(Machines {
        stack_name: stack_name.to_string(),
        by_arn,
        evaluate_function_arn: evaluate_function_arn(stack_name),
        role_arn: role_arn(stack_name, "states"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stacks_machines_load() {
        let machines = load("automl", "/tmp/scripts.tar.gz").unwrap();
        assert_eq!(machines.by_arn.len(), 3);
        assert_eq!(
            machines.arn(MachineId::Main),
            "arn:aws:states:local:000000000000:stateMachine:automl-MainStateMachine"
        );
        let main = &machines.by_arn[&machines.arn(MachineId::Main)];
        // The name check comes first: nothing is created for a name SageMaker refuses.
        assert_eq!(main.start_at, "MeasureExecutionName");
    }
}
