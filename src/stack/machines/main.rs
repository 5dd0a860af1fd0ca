//! The Main machine, the one users start: train (a nested Train execution), put the
//! trained model's name where a pretrained one would be, evaluate it with the Lambda,
//! and deploy it (a nested Deploy execution) — each step chosen by `Parameters.Flow`.
//! A model below the threshold ends in `ModelRejected`, a Fail state, so pipelines
//! notice; a request to evaluate without training ends in `EvaluateNeedsTraining`.

use crate::asl::{
    Choice, Condition, Fail, Pass, Retrier, StateMachine, Succeed, Task, Test, Transition,
};
use crate::stack::{Placeholder, Settings};
use serde_json::json;

/// Where the Main machine keeps what each step produced. The machine writes these paths
/// and `report::Summary` reads them: one definition for both, and a test (below) checks
/// that every field the summary reads is one the machine writes.
pub(crate) mod results {
    pub(crate) const TRAINING: &str = "Training";
    pub(crate) const EVALUATION: &str = "Evaluation";
    pub(crate) const DEPLOYMENT: &str = "Deployment";
    pub(crate) const REGISTRATION: &str = "Registration";

    /// The fields the summary reads, per section (`Output/X`: inside the Deploy
    /// machine's output).
    #[cfg(test)] // the test below checks the machine writes each of them
    pub(crate) const READ: &[(&str, &[&str])] = &[
        (TRAINING, &["ModelName", "ModelPath", "TrainingJobName"]),
        (
            REGISTRATION,
            &[
                "ModelPackageGroupName",
                "ModelPackageArn",
                "ModelApprovalStatus",
            ],
        ),
        (
            EVALUATION,
            &["IsValid", "Metric", "Value", "Threshold", "Scores"],
        ),
        (
            DEPLOYMENT,
            &[
                "Output/EndpointName",
                "Output/ExpiresAt",
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

/// The characters SageMaker allows in names (`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`, botocore
/// sagemaker service-2.json `EntityName`); Step Functions allows more in execution names
/// (`_`, `.`, `!`, `'`, `(`, `)`, `+`, `=`, `@`, non-ASCII letters).
const SAGEMAKER_NAME_CHARACTERS: &str =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-";

/// The base64 alphabet but its padding: splitting a base64 string on it leaves the
/// trailing `=`/`==` as the only token.
const BASE64_WITHOUT_PADDING: &str =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// How many nested base64 encodings measure a name. A string of n ASCII characters
/// encodes to 4*ceil(n/3) characters, padded with (3 - n mod 3) mod 3 `=`; the paddings
/// of 5 nested encodings differ for every n in 1..=243 (see the test), which covers
/// `<stack>-<name>-deploy` for any stack name CloudFormation allows (128) and any
/// execution name (80).
const LEVELS: usize = 5;
#[cfg(test)] // the test below checks every length up to it
const LONGEST_MEASURED: usize = 243;

/// The longest SageMaker name (botocore `EntityName`: max 63).
const SAGEMAKER_NAME_MAX: usize = 63;

/// The padding of the base64 encodings of a string of `len` ASCII characters, level by level.
fn paddings(len: usize) -> [usize; LEVELS] {
    let mut out = [0; LEVELS];
    let mut length = len;
    for slot in &mut out {
        *slot = (3 - length % 3) % 3;
        length = 4 * length.div_ceil(3);
    }
    out
}

/// A length's signature as the machine spells it: per level, `States.JsonToString` of
/// the padding token array (`[]`, `["="]`, `["=="]`).
fn signature(len: usize) -> String {
    paddings(len)
        .iter()
        .map(|p| match p {
            0 => "[]".to_string(),
            p => format!("[\"{}\"]", "=".repeat(*p)),
        })
        .collect()
}

/// The states that refuse, before anything is created, an execution name the machines
/// cannot name SageMaker resources after. ASL has no regex and no string length, so:
/// characters — `States.StringSplit` on every allowed character leaves no token iff the
/// name has none other (`States.ArrayLength` = 0); length — the paddings of nested
/// `States.Base64Encode`s of the longest resource name, `<stack>-<name>` and
/// [`longest_child_suffix`], identify its length exactly (see [`LEVELS`]), and
/// `States.ArrayContains` looks the signature up among those of the lengths SageMaker
/// accepts (1..=63). The child executions' names are then at most 63 - 2 + 14
/// characters, well within Step Functions' 80.
fn check_execution_name(machine: StateMachine, next: &str) -> StateMachine {
    let resource = format!(
        "States.Format('{{}}-{{}}{}', '{}', $$.Execution.Name)",
        longest_child_suffix(),
        Placeholder::StackName
    );
    let mut levels = serde_json::Map::new();
    let mut encoded = resource;
    for level in 1..=LEVELS {
        encoded = format!("States.Base64Encode({encoded})");
        levels.insert(format!("Level{level}.$"), json!(encoded));
    }
    levels.insert(
        "InvalidCharacters.$".into(),
        json!(format!(
            "States.ArrayLength(States.StringSplit($$.Execution.Name, '{SAGEMAKER_NAME_CHARACTERS}'))"
        )),
    );
    let parts: Vec<String> = (1..=LEVELS)
        .map(|level| {
            format!("States.JsonToString(States.StringSplit($.NameCheck.Level{level}, '{BASE64_WITHOUT_PADDING}'))")
        })
        .collect();
    let signature_expression = format!(
        "States.Format('{}', {})",
        "{}".repeat(LEVELS),
        parts.join(", ")
    );
    let allowed: Vec<String> = (1..=SAGEMAKER_NAME_MAX).map(signature).collect();
    machine
        .state(
            "MeasureExecutionName",
            Pass::new(json!(levels), Transition::Next("SignExecutionName".into()))
                .comment("Executions started from the console skip `automl run`: the machine checks the name SageMaker resources will get.")
                .result_path("$.NameCheck"),
        )
        .state(
            "SignExecutionName",
            Pass::new(
                json!({
                    "InvalidCharacters.$": "$.NameCheck.InvalidCharacters",
                    "Signature.$": signature_expression,
                    "Fits": allowed,
                }),
                Transition::Next("LookUpExecutionName".into()),
            )
            .result_path("$.NameCheck"),
        )
        .state(
            "LookUpExecutionName",
            Pass::new(
                json!({
                    "InvalidCharacters.$": "$.NameCheck.InvalidCharacters",
                    "Fits.$": "States.ArrayContains($.NameCheck.Fits, $.NameCheck.Signature)",
                }),
                Transition::Next("IsExecutionNameValid".into()),
            )
            .result_path("$.NameCheck"),
        )
        .state(
            "IsExecutionNameValid",
            Choice::new()
                .when(
                    Condition::compare("$.NameCheck.InvalidCharacters", Test::NumericGreaterThanEquals(1.0)),
                    "ExecutionNameHasInvalidCharacters",
                )
                .when(Condition::compare("$.NameCheck.Fits", Test::BooleanEquals(false)), "ExecutionNameTooLong")
                .otherwise(next),
        )
        .state(
            "ExecutionNameHasInvalidCharacters",
            Fail::new(
                "InvalidInput",
                "The execution name may hold only letters, digits and '-': the machines name SageMaker resources after it (<stack>-<name>-train, <stack>-<name>-deploy, with -r<n> after a redrive), and SageMaker names allow nothing else (no '_', '.' or other characters). Start the execution again with such a name.",
            ),
        )
        .state(
            "ExecutionNameTooLong",
            Fail::new(
                "InvalidInput",
                &format!(
                    "The execution name is too long: the machines name SageMaker resources <stack>-<name>-deploy, and <stack>-<name>-deploy-r<n> after the n-th redrive, which SageMaker allows up to {SAGEMAKER_NAME_MAX} characters, so the name may have at most {} characters minus the stack name's length. Start the execution again with a shorter name.",
                    SAGEMAKER_NAME_MAX - 1 - longest_child_suffix().len()
                ),
            ),
        )
}

pub(crate) fn machine(settings: &Settings) -> StateMachine {
    let next = |name: &str| Transition::Next(name.to_string());
    let machine = StateMachine::new(
        "AutoML workflow: train an AutoGluon model, evaluate it against a threshold, deploy it.",
        "MeasureExecutionName",
    );
    let machine = check_execution_name(machine, "ShouldTrain");
    let machine = super::registry::register(machine, settings, "ShouldDeploy", "ModelRejected");
    let machine = super::registry::deploy_version(machine, "ShouldDeploy");
    machine
    .state(
        "ShouldTrain",
        Choice::new()
            .when(Condition::present_and_true("$.Parameters.Flow.Train"), Child::Train.state())
            .otherwise("CheckPretrainedFlow"),
    )
    .state(
        "CheckPretrainedFlow",
        Choice::new()
            .comment("A pretrained model has no test scores to evaluate: refuse instead of skipping silently.")
            .when(Condition::present_and_true("$.Parameters.Flow.Evaluate"), "EvaluateNeedsTraining")
            .otherwise("ShouldUseModelPackage"),
    )
    .state(
        "EvaluateNeedsTraining",
        Fail::new(
            "InvalidInput",
            "Parameters.Flow.Evaluate needs Parameters.Flow.Train: only a model trained in this execution has test scores to evaluate.",
        ),
    )
    .state(
        Child::Train.state(),
        Task::new("arn:${AWS::Partition}:states:::states:startExecution.sync:2", next("UseTrainedModel"))
            .parameters(child_execution(Placeholder::TrainStateMachineArn, Child::Train))
            .result_selector(json!({
                "ExecutionArn.$": "$.ExecutionArn",
                "ModelName.$": "$.Output.ModelName",
                "ModelPath.$": "$.Output.ModelPath",
                "TrainingJobName.$": "$.Output.TrainingJobName",
                "Image.$": "$.Output.Image",
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
            .when(Condition::is_true("$.Evaluation.IsValid"), "ShouldRegister")
            .otherwise("ShouldRegisterRejected"),
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
            .when(Condition::present_and_true("$.Parameters.Flow.Deploy"), Child::Deploy.state())
            .otherwise("Done"),
    )
    .state(
        Child::Deploy.state(),
        Task::new("arn:${AWS::Partition}:states:::states:startExecution.sync:2", next("Done"))
            .parameters(child_execution(Placeholder::DeployStateMachineArn, Child::Deploy))
            .result_selector(json!({ "ExecutionArn.$": "$.ExecutionArn", "Output.$": "$.Output" }))
            .result_path(&results::result_path(results::DEPLOYMENT)),
    )
    .state("Done", Succeed::default())
}

/// The nested executions a Main execution starts, each named after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Child {
    Train,
    Deploy,
}

impl Child {
    fn suffix(self) -> &'static str {
        match self {
            Child::Train => "train",
            Child::Deploy => "deploy",
        }
    }

    /// The Main machine's Task that starts this child.
    pub(crate) fn state(self) -> &'static str {
        match self {
            Child::Train => "TrainModel",
            Child::Deploy => "DeployModel",
        }
    }

    /// The child that Main's state `state` starts, if it starts one.
    pub(crate) fn started_by(state: &str) -> Option<Child> {
        [Child::Train, Child::Deploy]
            .into_iter()
            .find(|child| child.state() == state)
    }
}

/// How many digits a redrive count can have. RedriveExecution needs the history to hold
/// fewer than 24,999 events, and each redrive appends `ExecutionRedriven` "and at least
/// one other history event" (botocore stepfunctions service-2.json, RedriveExecution's
/// documentation), so an execution is redriven at most 12,499 times: 5 digits. (The
/// "hard limit of 1000 redrives" in the Developer Guide is a Map Run's, "Redriving Map
/// Runs".) A Task reads the count as `$$.Execution.RedriveCount` (the Context object's
/// Execution fields, AWS Step Functions Developer Guide, "Accessing execution data from
/// the Context object"); it is DescribeExecution's `redriveCount`, "The number of times
/// you've redriven an execution. If you have not yet redriven an execution, the
/// redriveCount is 0" (botocore stepfunctions service-2.json).
const REDRIVE_COUNT_DIGITS: usize = 5;

/// The longest suffix a child's name adds to the parent's, `-deploy-r99999`: what the
/// name check (here, and `automl run`'s in `input::names`) leaves room for.
pub(crate) fn longest_child_suffix() -> String {
    format!(
        "-{}-r{}",
        Child::Deploy.suffix(),
        "9".repeat(REDRIVE_COUNT_DIGITS)
    )
}

/// The name of the `child` execution that attempt `redrive_count` of Main execution
/// `parent` starts: `<parent>-train` on the first attempt, `<parent>-train-r<n>` after
/// the n-th redrive. The machine spells the same rule in ASL ([`child_name_expression`]);
/// everything in Rust that needs a child's name asks this function.
///
/// Why a new name per attempt: a redriven Main execution reruns its failed
/// `startExecution.sync:2` Task, and StartExecution of a name whose execution is closed
/// "returns a 400 ExecutionAlreadyExists error" ("StartExecution is idempotent for
/// STANDARD workflows ... If the execution is closed or if the input is different",
/// botocore stepfunctions service-2.json, StartExecution's documentation), so the redrive
/// would fail at the very state it resumes. The name also names the SageMaker resources
/// the child creates (`<stack>-<child>`), so each attempt gets its own training job,
/// model, endpoint config, endpoint and transform job, and never collides with a job an
/// earlier attempt left (SageMaker job names stay taken).
///
/// Why the first attempt keeps the plain name rather than always carrying a count
/// (`-train-0`): nearly every execution is never redriven, and its resource names — the
/// endpoint a client calls, the job in the console and the logs — stay what they always
/// were and what the README documents; the count appears only when it tells attempts
/// apart. The cost is one intrinsic expression, tested against this function.
pub(crate) fn child_execution_name(parent: &str, child: Child, redrive_count: u32) -> String {
    match redrive_count {
        0 => format!("{parent}-{}", child.suffix()),
        n => format!("{parent}-{}-r{n}", child.suffix()),
    }
}

/// The request the Main machine's Task for `child` makes when execution `run-1` runs it
/// after `redrive_count` redrives: its Parameters rendered as the interpreter would.
#[cfg(test)]
pub(crate) fn rendered_child_request(child: Child, redrive_count: u32) -> serde_json::Value {
    let main = crate::stack::build(&Settings::default())
        .unwrap()
        .definition_json(crate::stack::MachineId::Main);
    let parameters = &main["States"][child.state()]["Parameters"];
    let context = json!({"Execution": {
        "Id": "arn:aws:states:eu-west-1:1:execution:Main:run-1",
        "Name": "run-1",
        "RedriveCount": redrive_count,
    }});
    crate::sfn::payload::Template::compile(parameters)
        .unwrap()
        .render(&json!({"Parameters": {}}), &context)
        .unwrap()
}

/// What a rerun `child` does besides starting under its new name, for the redrive
/// messages: a rerun Train execution reuses the first attempt's training job
/// (`<stack>-<parent>-train`) when it completed (`crate::stack::machines::train::FIRST_ATTEMPT`).
pub(crate) fn rerun_note(stack: &str, parent: &str, child: Child) -> String {
    match child {
        Child::Train => format!(
            ", reusing training job {stack}-{} if that job completed",
            child_execution_name(parent, child, 0)
        ),
        Child::Deploy => String::new(),
    }
}

/// [`child_execution_name`] in ASL, evaluated in the Task's own Parameters: a Pass state
/// before the Task succeeded on the first attempt and is not rerun by a redrive, so only
/// the Task sees the current `$$.Execution.RedriveCount`. Intrinsics have no `if`, so the
/// expression picks a spelling by index: `States.ArrayUnique([0, count])` has one element
/// when the count is 0 and two otherwise, and that length indexes `[plain, plain,
/// suffixed]` (no `States.MathAdd` with a negative literal, whose parsing is the one thing
/// here the ASL documentation shows no example of).
pub(crate) fn child_name_expression(child: Child) -> String {
    let suffix = child.suffix();
    let plain = format!("States.Format('{{}}-{suffix}', $$.Execution.Name)");
    format!(
        "States.ArrayGetItem(States.Array({plain}, {plain}, \
         States.Format('{{}}-{suffix}-r{{}}', $$.Execution.Name, $$.Execution.RedriveCount)), \
         States.ArrayLength(States.ArrayUnique(States.Array(0, $$.Execution.RedriveCount))))"
    )
}

/// Starts a nested execution named after this one ([`child_execution_name`]), so the
/// SageMaker resources it creates carry the name the user gave the run.
///
/// A Train execution is also told its first attempt's training job
/// (`crate::stack::machines::train::FIRST_ATTEMPT`), so a rerun after a redrive reuses
/// that job when it completed instead of training again.
fn child_execution(machine: Placeholder, child: Child) -> serde_json::Value {
    let mut parameters = json!({
        "StateMachineArn": machine.to_string(),
        "Name.$": child_name_expression(child),
        "Input": {
            "Parameters.$": "$.Parameters",
            "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
        },
    });
    if child == Child::Train {
        parameters["Input"][super::train::FIRST_ATTEMPT] = json!({
            "TrainingJobName.$": first_attempt_resource_name(child),
        });
    }
    parameters
}

/// `<stack>-<name>-train`: the name the first attempt's `child` gives its SageMaker
/// resources (`<stack>-` and [`child_execution_name`] with redrive count 0), in ASL.
fn first_attempt_resource_name(child: Child) -> String {
    format!(
        "States.Format('{{}}-{{}}-{}', '{}', $$.Execution.Name)",
        child.suffix(),
        Placeholder::StackName
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_paddings_tell_every_measured_length_apart() {
        let mut seen = std::collections::BTreeMap::new();
        for len in 1..=LONGEST_MEASURED {
            if let Some(other) = seen.insert(signature(len), len) {
                panic!("lengths {other} and {len} have the same signature");
            }
        }
        // The arithmetic is base64's: check it against an encoder.
        use base64::Engine;
        for len in [1, 2, 3, 10, 63, 64, 107] {
            let mut text = "a".repeat(len);
            for (level, padding) in paddings(len).iter().enumerate() {
                text = base64::engine::general_purpose::STANDARD.encode(&text);
                assert_eq!(
                    text.len() - text.trim_end_matches('=').len(),
                    *padding,
                    "len {len} level {level}"
                );
            }
        }
    }
}

#[cfg(test)]
mod summary_paths {
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
                    // A Task's ResultSelector, or a Pass state's Parameters.
                    None => ["ResultSelector", "Parameters"].iter().any(|key| {
                        state[*key]
                            .as_object()
                            .is_some_and(|selector| selector.contains_key(&format!("{field}.$")))
                    }),
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
