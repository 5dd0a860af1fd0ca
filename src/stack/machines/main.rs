//! The Main machine, the one users start: train (a nested Train execution), put the
//! trained model's name where a pretrained one would be, evaluate it with the Lambda,
//! and deploy it (a nested Deploy execution) — each step chosen by `Parameters.Flow`.
//! A model below the threshold ends in `ModelRejected`, a Fail state, so pipelines
//! notice; a request to evaluate without training ends in `EvaluateNeedsTraining`.

use crate::asl::{Choice, Condition, Fail, Pass, Retrier, StateMachine, Succeed, Task, Transition};
use crate::stack::{Placeholder, Settings};
use serde_json::json;

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
            .result_path("$.Training"),
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
            .result_path("$.Evaluation")
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
            .result_path("$.Deployment"),
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
