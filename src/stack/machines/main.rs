//! The Main machine, the one users start: train (a nested Train execution), put the
//! trained model's name where a pretrained one would be, evaluate it with the Lambda,
//! and deploy it (a nested Deploy execution) — each step chosen by `Parameters.Flow`.
//! A model below the threshold ends in `ModelRejected`, a Fail state, so pipelines
//! notice; a request to evaluate without training ends in `EvaluateNeedsTraining`.

use crate::asl::{Choice, Condition, Fail, Pass, Retrier, StateMachine, Succeed, Task, Transition};
use crate::stack::{Placeholder, Settings};
use serde_json::json;

/// Where the Main machine keeps what each step produced. The machine writes these paths
/// and `report::Summary` reads them: one definition for both, and a test (below) checks
/// that every field the summary reads is one the machine writes.
pub(crate) mod results {
    pub(crate) const TRAINING: &str = "Training";
    pub(crate) const EVALUATION: &str = "Evaluation";
    pub(crate) const DEPLOYMENT: &str = "Deployment";

    /// The fields the summary reads, per section (`Output/X`: inside the Deploy
    /// machine's output).
    #[cfg(test)] // the test below checks the machine writes each of them
    pub(crate) const READ: &[(&str, &[&str])] = &[
        (TRAINING, &["ModelName", "ModelPath", "TrainingJobName"]),
        (
            EVALUATION,
            &["IsValid", "Metric", "Value", "Threshold", "Scores"],
        ),
        (
            DEPLOYMENT,
            &[
                "Output/EndpointName",
                "Output/TransformJobName",
                "Output/OutputPath",
            ],
        ),
    ];

    /// `$.Training`: where a state puts its result.
    pub(crate) fn result_path(section: &str) -> String {
        format!("$.{section}")
    }

    /// `/Training/ModelName`: the JSON pointer of a field in the Main machine's data.
    pub(crate) fn pointer(section: &str, field: &str) -> String {
        format!("/{section}/{field}")
    }
}

pub(crate) fn machine(_settings: &Settings) -> StateMachine {
    let next = |name: &str| Transition::Next(name.to_string());
    StateMachine::new(
        "AutoML workflow: train an AutoGluon model, evaluate it against a threshold, deploy it.",
        "ShouldTrain",
    )
    .state(
        "ShouldTrain",
        Choice::new()
            .when(Condition::present_and_true("$.Parameters.Flow.Train"), "TrainModel")
            .otherwise("CheckPretrainedFlow"),
    )
    .state(
        "CheckPretrainedFlow",
        Choice::new()
            .comment("A pretrained model has no test scores to evaluate: refuse instead of skipping silently.")
            .when(Condition::present_and_true("$.Parameters.Flow.Evaluate"), "EvaluateNeedsTraining")
            .otherwise("ShouldDeploy"),
    )
    .state(
        "EvaluateNeedsTraining",
        Fail::new(
            "InvalidInput",
            "Parameters.Flow.Evaluate needs Parameters.Flow.Train: only a model trained in this execution has test scores to evaluate.",
        ),
    )
    .state(
        "TrainModel",
        Task::new("arn:${AWS::Partition}:states:::states:startExecution.sync:2", next("UseTrainedModel"))
            .parameters(child_execution(Placeholder::TrainStateMachineArn, "train"))
            .result_selector(json!({
                "ExecutionArn.$": "$.ExecutionArn",
                "ModelName.$": "$.Output.ModelName",
                "ModelPath.$": "$.Output.ModelPath",
                "TrainingJobName.$": "$.Output.TrainingJobName",
            }))
            .result_path(&results::result_path(results::TRAINING)),
    )
    .state(
        "UseTrainedModel",
        Pass::new(json!({ "Name.$": "$.Training.ModelName" }), next("ShouldEvaluate"))
            .comment("From here on the trained model is the model to evaluate and deploy.")
            .result_path("$.Parameters.PretrainedModel"),
    )
    .state(
        "ShouldEvaluate",
        Choice::new()
            .when(Condition::present_and_true("$.Parameters.Flow.Evaluate"), "EvaluateModel")
            .otherwise("ShouldDeploy"),
    )
    .state(
        "EvaluateModel",
        Task::new("arn:${AWS::Partition}:states:::lambda:invoke", next("IsModelGoodEnough"))
            .parameters(json!({
                "FunctionName": Placeholder::EvaluateFunctionArn.to_string(),
                "Payload": {
                    "ModelPath.$": "$.Training.ModelPath",
                    "EvalThreshold.$": "$.Parameters.Evaluation.Threshold",
                    "EvalMetric.$": "$.Parameters.Evaluation.Metric",
                },
            }))
            .result_selector(json!({
                "IsValid.$": "$.Payload.IsValid",
                "Metric.$": "$.Payload.Metric",
                "Value.$": "$.Payload.Value",
                "Threshold.$": "$.Payload.Threshold",
                "Scores.$": "$.Payload.Scores",
            }))
            .result_path(&results::result_path(results::EVALUATION))
            .retry(Retrier {
                error_equals: [
                    "Lambda.ServiceException",
                    "Lambda.AWSLambdaException",
                    "Lambda.SdkClientException",
                    "Lambda.TooManyRequestsException",
                    "Lambda.ClientExecutionTimeoutException",
                ]
                .map(String::from)
                .to_vec(),
                interval_seconds: 2,
                max_attempts: 6,
                backoff_rate: 2.0,
            }),
    )
    .state(
        "IsModelGoodEnough",
        Choice::new()
            .when(Condition::is_true("$.Evaluation.IsValid"), "ShouldDeploy")
            .otherwise("ModelRejected"),
    )
    .state(
        "ModelRejected",
        Fail::new(
            "ModelRejected",
            "The model scored below Parameters.Evaluation.Threshold on the test set, so it was not deployed. The EvaluateModel step's output has the score.",
        ),
    )
    .state(
        "ShouldDeploy",
        Choice::new()
            .when(Condition::present_and_true("$.Parameters.Flow.Deploy"), "DeployModel")
            .otherwise("Done"),
    )
    .state(
        "DeployModel",
        Task::new("arn:${AWS::Partition}:states:::states:startExecution.sync:2", next("Done"))
            .parameters(child_execution(Placeholder::DeployStateMachineArn, "deploy"))
            .result_selector(json!({ "ExecutionArn.$": "$.ExecutionArn", "Output.$": "$.Output" }))
            .result_path(&results::result_path(results::DEPLOYMENT)),
    )
    .state("Done", Succeed::default())
}

/// Starts a nested execution named after this one (`<name>-train`), so the SageMaker
/// resources it creates carry the name the user gave the run.
fn child_execution(machine: Placeholder, suffix: &str) -> serde_json::Value {
    json!({
        "StateMachineArn": machine.to_string(),
        "Name.$": format!("States.Format('{{}}-{suffix}', $$.Execution.Name)"),
        "Input": {
            "Parameters.$": "$.Parameters",
            "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::results;
    use crate::stack::{build, MachineId, Settings};
    use serde_json::Value;

    /// Every field `report::Summary` reads is written by the state whose ResultPath is
    /// that section: by its ResultSelector, or (Deployment) by the Deploy machine's last states.
    #[test]
    fn the_summary_reads_what_the_main_machine_writes() {
        let stack = build(&Settings::default()).unwrap();
        let main = stack.definition_json(MachineId::Main);
        let deploy = stack.definition_json(MachineId::Deploy);
        for (section, fields) in results::READ {
            let path = results::result_path(section);
            let state = main["States"]
                .as_object()
                .unwrap()
                .values()
                .find(|state| state["ResultPath"] == Value::String(path.clone()))
                .unwrap_or_else(|| panic!("no Main state writes {path}"));
            for field in *fields {
                let written = match field.strip_prefix("Output/") {
                    None => state["ResultSelector"]
                        .as_object()
                        .is_some_and(|selector| selector.contains_key(&format!("{field}.$"))),
                    Some(inner) => {
                        state["ResultSelector"]["Output.$"].is_string()
                            && deploy["States"].as_object().unwrap().values().any(|s| {
                                s["End"] == true
                                    && s["Parameters"]
                                        .as_object()
                                        .is_some_and(|p| p.contains_key(&format!("{inner}.$")))
                            })
                    }
                };
                assert!(
                    written,
                    "the summary reads {section}.{field}, which no state writes"
                );
            }
        }
    }
}
