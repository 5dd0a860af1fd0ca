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

use crate::asl::{
    Catcher, Choice, Condition, Fail, MachineError, Pass, Retrier, StateMachine, Task, Test,
    Transition, Wait,
};
use crate::cfn::{Template, TemplateError};
use serde_json::{json, Value};
use std::fmt;

/// The stack name when none is given.
pub(crate) const DEFAULT_STACK_NAME: &str = "automl";

/// Stack names prefix SageMaker resource names (`<stack>-<execution>-deploy`, and
/// `-deploy-r<n>` after a redrive: at most 63 characters, lowercased in ARNs), which IAM
/// policies match by prefix: lowercase keeps the prefix and the ARNs equal. 19 characters
/// leave room for the 24-character names `automl run` generates with the longest redrive
/// suffix (19 + 1 + 24 + 14 <= 63); a console-started execution's default name, a
/// 36-character UUID, fits stacks of up to 12 characters (the Main machine refuses a
/// longer one by name before it creates anything).
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
    /// The role EventBridge Scheduler assumes to delete an expired endpoint.
    EndpointExpiryRoleArn,
    EvaluateFunctionArn,
    SageMakerRoleArn,
    TrainingImage,
    TrainingImageGpu,
    InferenceImage,
    InferenceImageGpu,
    ScriptsUri,
}

impl Placeholder {
    pub fn name(self) -> &'static str {
        match self {
            Placeholder::StackName => "AWS::StackName",
            Placeholder::TrainStateMachineArn => "TrainStateMachineArn",
            Placeholder::DeployStateMachineArn => "DeployStateMachineArn",
            Placeholder::EndpointExpiryRoleArn => "EndpointExpiryRoleArn",
            Placeholder::EvaluateFunctionArn => "EvaluateFunctionArn",
            Placeholder::SageMakerRoleArn => "SageMakerRoleArn",
            Placeholder::TrainingImage => "TrainingImage",
            Placeholder::InferenceImage => "InferenceImage",
            Placeholder::TrainingImageGpu => "TrainingImageGpu",
            Placeholder::InferenceImageGpu => "InferenceImageGpu",
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

/// What a SageMaker call creates, which decides what "it already exists" means when a
/// retry finds the name taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Creates {
    /// A model, endpoint config or endpoint (`Cannot create already existing ...`). Names
    /// are `<stack>-<execution>-<suffix>` and execution names are unique per machine, so
    /// on a RETRY the resource can only be the one the lost attempt created: carry on to
    /// the next state. On the first attempt the same error fails the execution (someone
    /// else's resource holds the name).
    Resource,
    /// A `.sync` training or transform job. A retry that finds the job (`ResourceInUse`)
    /// cannot follow it (`.sync` polls only jobs it started), so the execution fails with
    /// SageMaker's cause, which names the job: the job itself runs on and its result is in
    /// `aws sagemaker describe-training-job` / `describe-transform-job`.
    Job,
    /// Something every execution of the stack shares, created by the first that needs it
    /// (a model package group): "already exists" on ANY attempt means carry on.
    Shared,
    /// Nothing is created (a read, or an update of an existing endpoint): every error but a
    /// transient one fails at once, and a retry never counts a taken name as its own
    /// (SageMaker refuses an update while one is in progress, with a cause that says so).
    Nothing,
}

/// How many times a SageMaker call is retried after a transient error, and how long it
/// waits in between (fixed: a Wait state has no backoff; 5 x 15 s outlasts SageMaker's
/// per-second API throttling).
pub(crate) const TRANSIENT_RETRIES: u32 = 5;
pub(crate) const TRANSIENT_WAIT_SECONDS: u64 = 15;

/// The `Cause` patterns of the errors worth retrying. The optimised SageMaker
/// integration names errors after the AWS SDK for Java's exception classes: the modelled
/// ones keep their name (`SageMaker.ResourceLimitExceededException`,
/// `SageMaker.ResourceInUseException`: the Java SDK's `ResourceLimitExceededException
/// extends AmazonSageMakerException`; AWS's own samples retry
/// `SageMaker.ResourceLimitExceededException` apart), every other code is the generic
/// `SageMaker.AmazonSageMakerException`, the real error code in the Cause as the Java SDK
/// words it: `<message> (Service: AmazonSageMaker; Status Code: 400; Error Code:
/// ThrottlingException; Request ID: ...)`. A validation error ("Could not find model")
/// carries the same name, so a `Retry` on the name would retry it: the machines `Catch`
/// the name and retry only these causes. The codes are the AWS SDKs' throttling and
/// transient errors (AWS SDKs and Tools Reference Guide, "Retry behavior": Throttling*,
/// TooManyRequestsException, RequestTimeout*, InternalError/InternalFailure,
/// ServiceUnavailable, HTTP 500/502/503/504).
pub(crate) const TRANSIENT_CAUSES: &[&str] = &[
    "*Throttl*",
    "*TooManyRequestsException*",
    "*RequestLimitExceeded*",
    "*RequestTimeout*",
    "*InternalFailure*",
    "*InternalError*",
    "*InternalServerError*",
    "*ServiceUnavailable*",
    "*Status Code: 500;*",
    "*Status Code: 502;*",
    "*Status Code: 503;*",
    "*Status Code: 504;*",
];

/// SageMaker's words for a create whose name is taken (CreateModel, CreateEndpointConfig,
/// CreateEndpoint answer `ValidationException: Cannot create already existing model
/// "arn:..."`).
pub(crate) const ALREADY_EXISTS_CAUSE: &str = "*Cannot create already existing*";

/// The words SageMaker uses for a taken name elsewhere ("... already exists"): the
/// SageMaker Python SDK's `Session._create_resource`, which creates model package groups
/// when missing, treats a `ValidationException` carrying either phrase as "exists".
/// CreateModelPackageGroup of an existing group answers `ValidationException` with
/// "Model Package Group already exists" (botocore has no error messages; AWS's own
/// sample matches that code and text: aws-samples/amazon-sagemaker-drift-detection,
/// batch_pipeline/infra/model_registry.py, `create_model_package_group`), which
/// `*already exists*` matches.
pub(crate) const ALREADY_EXISTS_CAUSES: &[&str] = &[ALREADY_EXISTS_CAUSE, "*already exists*"];

/// The errors a SageMaker Task raises, by integration. An optimised integration names them
/// after the Java SDK v1's classes (see [`TRANSIENT_CAUSES`]); an AWS SDK integration
/// (`aws-sdk:sagemaker:*`) names them `SageMaker.<ErrorCode>Exception` ("the resulting
/// Error field is composed of the service name and error name ... add the Exception
/// suffix", https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html),
/// so ValidationException becomes `SageMaker.ValidationException` and an error code the
/// model does not declare may surface under the SDK's base class: catch every task
/// failure (`States.TaskFailed`; a timeout is not one) and let the Choice tell them apart.
fn caught_errors(resource: &str) -> Vec<String> {
    if resource.contains(":aws-sdk:") {
        vec!["States.TaskFailed".to_string()]
    } else {
        [
            "SageMaker.AmazonSageMakerException",
            "SageMaker.ResourceInUseException",
        ]
        .map(String::from)
        .to_vec()
    }
}

/// Adds SageMaker Task `name` to `machine` with retries that help: the task catches
/// SageMaker's errors into `$.Failure`; a Choice retries only transient causes (at most
/// [`TRANSIENT_RETRIES`] times, counted in `$.Retries.<name>.Count` with `States.MathAdd`,
/// through a Wait), treats "already exists" after a retry as described by `creates`,
/// and fails at once, with SageMaker's own error and cause, on anything else — so a
/// missing model fails in seconds, once, naming itself.
pub(crate) fn sagemaker_task(
    machine: StateMachine,
    name: &str,
    task: Task,
    creates: Creates,
) -> StateMachine {
    let on_success = match &task.transition {
        Transition::Next(next) => next.clone(),
        Transition::End => unreachable!("SageMaker tasks are followed by a state"),
    };
    let caught = format!("{name}Error");
    let failed = format!("{name}Failed");
    let first = format!("{name}FirstRetry");
    let count = format!("{name}CountRetry");
    let backoff = format!("{name}Backoff");
    let retries = format!("$.Retries.{name}");
    let retries_count = format!("$.Retries.{name}.Count");
    let transient = Condition::or(
        TRANSIENT_CAUSES
            .iter()
            .map(|p| Condition::string_matches("$.Failure.Cause", p))
            .collect(),
    );
    let mut choice = Choice::new().comment(
        "Retries only throttling and transient service errors; anything else fails at once with SageMaker's error and cause.",
    );
    match creates {
        Creates::Resource => {
            choice = choice.when(
                Condition::and(vec![
                    Condition::compare(&retries, Test::IsPresent(true)),
                    Condition::string_matches("$.Failure.Cause", ALREADY_EXISTS_CAUSE),
                ]),
                &on_success,
            );
        }
        Creates::Shared => {
            choice = choice.when(
                Condition::or(
                    ALREADY_EXISTS_CAUSES
                        .iter()
                        .map(|p| Condition::string_matches("$.Failure.Cause", p))
                        .collect(),
                ),
                &on_success,
            );
        }
        Creates::Job | Creates::Nothing => {}
    }
    let choice = choice
        .when(Condition::not(transient), &failed)
        .when(Condition::compare(&retries, Test::IsPresent(false)), &first)
        .when(
            Condition::compare(
                &retries_count,
                Test::NumericGreaterThanEquals(f64::from(TRANSIENT_RETRIES)),
            ),
            &failed,
        )
        .otherwise(&count);
    let error_equals = caught_errors(&task.resource);
    machine
        .state(
            name,
            task.catch(Catcher {
                error_equals,
                result_path: Some("$.Failure".to_string()),
                next: caught.clone(),
            }),
        )
        .state(&caught, choice)
        .state(&failed, Fail::rethrow("$.Failure.Error", "$.Failure.Cause"))
        .state(
            &first,
            Pass::new(json!({ "Count": 1 }), Transition::Next(backoff.clone()))
                .result_path(&retries),
        )
        .state(
            &count,
            Pass::new(
                json!({ "Count.$": format!("States.MathAdd({retries_count}, 1)") }),
                Transition::Next(backoff.clone()),
            )
            .result_path(&retries),
        )
        .state(
            &backoff,
            Wait {
                seconds: TRANSIENT_WAIT_SECONDS,
                transition: Transition::Next(name.to_string()),
            },
        )
}

/// Retries of `describeEndpoint` (an AWS SDK integration: errors are named
/// `SageMaker.<code>`, so throttling is told apart by name). Reading cannot duplicate
/// anything.
pub(crate) fn describe_retry() -> Retrier {
    sdk_retry(&[
        "SageMaker.ThrottlingException",
        "SageMaker.SageMakerException",
    ])
}

/// The machines' one retry of an AWS SDK integration's transient `errors` (throttling and
/// the like, named by the caller): after 5, 10 and 20 s.
pub(crate) fn sdk_retry(errors: &[&str]) -> Retrier {
    Retrier {
        error_equals: errors.iter().map(|e| e.to_string()).collect(),
        interval_seconds: 5,
        max_attempts: 3,
        backoff_rate: 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asl::Succeed;
    use crate::sfn::{
        execute, Definition, ExecutionInfo, ExecutionStatus, Failure, Host, TaskCall, Timestamp,
    };

    /// Answers the task's calls from a script, counting them.
    struct Scripted {
        answers: Vec<Result<Value, Failure>>,
        calls: usize,
    }

    impl Host for Scripted {
        fn invoke(&mut self, _call: &TaskCall) -> Result<Value, Failure> {
            self.calls += 1;
            self.answers.remove(0)
        }
    }

    fn refusal(code: &str, message: &str) -> Result<Value, Failure> {
        Err(Failure::new(
            "SageMaker.AmazonSageMakerException",
            format!("{message} (Service: AmazonSageMaker; Status Code: 400; Error Code: {code}; Request ID: r; Proxy: null)"),
        ))
    }

    /// Runs one `sagemaker_task` (Waits shortened to 0 s) against `answers`.
    fn run(
        creates: Creates,
        answers: Vec<Result<Value, Failure>>,
    ) -> (ExecutionStatus, Option<String>, Option<String>, usize) {
        let machine = sagemaker_task(
            StateMachine::new("test", "Create"),
            "Create",
            Task::new(
                "arn:aws:states:::sagemaker:createModel",
                Transition::Next("Done".into()),
            )
            .parameters(json!({"ModelName": "m"}))
            .discard_result(),
            creates,
        )
        .state("Done", Succeed::default());
        let mut definition = serde_json::to_value(&machine).unwrap();
        for state in definition["States"].as_object_mut().unwrap().values_mut() {
            if state["Type"] == "Wait" {
                state["Seconds"] = json!(0);
            }
        }
        let loaded = Definition::load("Test", &definition, &|_| Ok(())).unwrap();
        let info = ExecutionInfo {
            name: "e".into(),
            arn: "arn:aws:states:eu-west-1:1:execution:t:e".into(),
            machine_arn: "arn:aws:states:eu-west-1:1:stateMachine:t".into(),
            machine_name: "t".into(),
            role_arn: "arn:aws:iam::1:role/r".into(),
            start: Timestamp::now(),
            input: json!({}),
            redrive_count: 0,
        };
        let mut host = Scripted { answers, calls: 0 };
        let outcome = execute(&loaded, info, 0, None, &mut host);
        (outcome.status, outcome.error, outcome.cause, host.calls)
    }

    #[test]
    fn a_validation_error_fails_at_once_with_sagemakers_error_and_cause() {
        let (status, error, cause, calls) = run(
            Creates::Resource,
            vec![refusal(
                "ValidationException",
                "Could not find model \"arn:aws:sagemaker:eu-west-1:1:model/x\".",
            )],
        );
        assert_eq!(status, ExecutionStatus::Failed);
        assert_eq!(calls, 1);
        assert_eq!(error.as_deref(), Some("SageMaker.AmazonSageMakerException"));
        assert!(cause.unwrap().contains("Could not find model"));
    }

    #[test]
    fn throttling_is_retried_a_bounded_number_of_times() {
        let ok = Ok(json!({"ModelArn": "arn"}));
        let throttled = || refusal("ThrottlingException", "Rate exceeded");
        let (status, _, _, calls) = run(Creates::Resource, vec![throttled(), throttled(), ok]);
        assert_eq!((status, calls), (ExecutionStatus::Succeeded, 3));
        let unavailable = || {
            Err(Failure::new(
                "SageMaker.AmazonSageMakerException",
                "Service Unavailable (Service: AmazonSageMaker; Status Code: 503; Error Code: ServiceUnavailable; Request ID: r; Proxy: null)",
            ))
        };
        let answers = (0..=TRANSIENT_RETRIES).map(|_| unavailable()).collect();
        let (status, error, _, calls) = run(Creates::Resource, answers);
        assert_eq!(status, ExecutionStatus::Failed);
        assert_eq!(calls as u32, 1 + TRANSIENT_RETRIES);
        assert_eq!(error.as_deref(), Some("SageMaker.AmazonSageMakerException"));
    }

    #[test]
    fn already_exists_is_success_only_after_a_lost_reply() {
        let exists = || {
            refusal(
                "ValidationException",
                "Cannot create already existing model \"arn:aws:sagemaker:eu-west-1:1:model/m\".",
            )
        };
        // The first attempt timed out on the way back (a 500), the retry finds the model.
        let lost = Err(Failure::new(
            "SageMaker.AmazonSageMakerException",
            "Internal Failure (Service: AmazonSageMaker; Status Code: 500; Error Code: InternalFailure; Request ID: r; Proxy: null)",
        ));
        let (status, _, _, calls) = run(Creates::Resource, vec![lost, exists()]);
        assert_eq!((status, calls), (ExecutionStatus::Succeeded, 2));
        // On a first attempt the name belongs to someone else: fail, naming it.
        let (status, _, cause, calls) = run(Creates::Resource, vec![exists()]);
        assert_eq!((status, calls), (ExecutionStatus::Failed, 1));
        assert!(cause.unwrap().contains("already existing model"));
        // A job cannot be followed after a lost reply: the execution fails with the cause.
        let lost = refusal("ThrottlingException", "Rate exceeded");
        let (status, _, _, calls) = run(Creates::Job, vec![lost, exists()]);
        assert_eq!((status, calls), (ExecutionStatus::Failed, 2));
    }
}
