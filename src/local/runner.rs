//! The host the interpreter runs in locally: dispatches each Task to its back-end, runs
//! `states:startExecution.sync[:2]` as a nested in-process execution of another machine
//! (with its own name, history and record, as Step Functions would), persists every
//! execution under `<state>/executions/<name>/`, and forwards progress.

use super::backends::{
    self, evaluate, expiry, models, registry, scaling, serving, training, transform, Env,
};
use super::machines::Machines;
use super::store::{write_json, Store};
use crate::sfn::context::ExecutionInfo;
use crate::sfn::errors::Failure;
use crate::sfn::interpreter::{execute, ExecutionOutcome, Host, TaskCall};
use crate::sfn::names::{check_execution_name, execution_arn};
use crate::sfn::path::compact;
use crate::sfn::time::Timestamp;
use crate::sfn::HistoryEvent;
use crate::sfn::{Event, ExecutionStatus};
use serde_json::{json, Value};
use std::time::Duration;

pub(crate) struct Runner<'a> {
    pub(crate) env: Env,
    pub(crate) machines: Machines,
    pub(crate) max_wait: Option<Duration>,
    pub(crate) on_event: Box<dyn FnMut(&Event) + 'a>,
}

/// Why an execution could not be redriven.
#[derive(Debug)]
pub(crate) enum RedriveError {
    NotFound(String),
    NotRedrivable(String),
    Io(anyhow::Error),
}

impl std::fmt::Display for RedriveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RedriveError::NotFound(name) => write!(f, "no execution `{name}` here"),
            RedriveError::NotRedrivable(why) => write!(f, "it cannot be redriven: {why}"),
            RedriveError::Io(e) => write!(f, "{e:#}"),
        }
    }
}

/// The record of an execution as `execution.json` keeps it.
fn record(
    status: &str,
    outcome: Option<&ExecutionOutcome>,
    info: &ExecutionInfo,
    parent: &Option<String>,
) -> Value {
    let mut record = json!({
        "executionArn": info.arn,
        "stateMachineArn": info.machine_arn,
        "name": info.name,
        "status": status,
        "startDate": info.start.to_rfc3339(),
        "input": info.input,
        "owner": super::interrupt::owner(),
    });
    if info.redrive_count > 0 {
        record["redriveCount"] = json!(info.redrive_count);
    }
    if let Some(parent) = parent {
        record["parentExecution"] = json!(parent);
    }
    if let Some(outcome) = outcome {
        record["stopDate"] = json!(outcome.stop.to_rfc3339());
        if let Some(output) = &outcome.output {
            record["output"] = output.clone();
        }
        if let Some(error) = &outcome.error {
            record["error"] = json!(error);
        }
        if let Some(cause) = &outcome.cause {
            record["cause"] = json!(cause);
        }
    }
    record
}

/// Why an execution could not start.
#[derive(Debug)]
pub(crate) enum StartError {
    NoSuchMachine(String),
    InvalidName(String),
    AlreadyExists(String),
    Io(anyhow::Error),
}

impl StartError {
    pub(crate) fn into_failure(self) -> Failure {
        let (error, cause) = match self {
            StartError::NoSuchMachine(arn) => (
                "StepFunctions.StateMachineDoesNotExistException",
                format!("State Machine Does Not Exist: '{arn}'"),
            ),
            StartError::InvalidName(why) => ("StepFunctions.InvalidNameException", why),
            StartError::AlreadyExists(arn) => (
                "StepFunctions.ExecutionAlreadyExistsException",
                format!("Execution Already Exists: '{arn}'"),
            ),
            StartError::Io(e) => ("States.TaskFailed", format!("{e:#}")),
        };
        Failure::new(
            error,
            format!("{cause} (Service: AWSStepFunctions; ExecutionStatus Code: 400)"),
        )
    }
}

impl Runner<'_> {
    /// Starts an execution of `machine_arn` named `name` and runs it to its end.
    pub(crate) fn start(
        &mut self,
        machine_arn: &str,
        name: &str,
        input: Value,
        depth: usize,
        deadline: Option<std::time::Instant>,
        parent: Option<String>,
    ) -> Result<ExecutionOutcome, StartError> {
        let definition = self
            .machines
            .by_arn
            .get(machine_arn)
            .cloned()
            .ok_or_else(|| StartError::NoSuchMachine(machine_arn.to_string()))?;
        check_execution_name(name).map_err(StartError::InvalidName)?;
        let arn = execution_arn(machine_arn, name);
        let dir = self.env.store.execution_dir(name);
        if !Store::claim(&dir).map_err(StartError::Io)? {
            return Err(StartError::AlreadyExists(arn));
        }
        let info = ExecutionInfo {
            name: name.to_string(),
            arn: arn.clone(),
            machine_arn: machine_arn.to_string(),
            machine_name: machine_arn
                .rsplit(':')
                .next()
                .unwrap_or_default()
                .to_string(),
            role_arn: self.machines.role_arn.clone(),
            start: Timestamp::now(),
            input,
            redrive_count: 0,
        };
        write_json(
            &dir.join("execution.json"),
            &record("RUNNING", None, &info, &parent),
        )
        .map_err(StartError::Io)?;
        let outcome = execute(&definition, info, depth, deadline, self);
        self.finish(&dir, &outcome, &parent)?;
        Ok(outcome)
    }

    /// Redrives the recorded execution `name` (the local RedriveExecution): it goes on
    /// from its history at the state that did not succeed (`crate::sfn::redrive`), keeping
    /// its name, ARN, input and start, with `$$.Execution.RedriveCount` one higher. As on
    /// AWS, a rerun `startExecution` Task starts a new child: the Main machine names it
    /// after the count (`stack::machines::main::child_execution_name`), so it never meets
    /// the closed child of an earlier attempt, and what that child made (a stopped or
    /// failed job) stays recorded under its own name, as SageMaker keeps it.
    pub(crate) fn redrive(
        &mut self,
        name: &str,
        depth: usize,
        deadline: Option<std::time::Instant>,
    ) -> Result<ExecutionOutcome, RedriveError> {
        let store = self.env.store.clone();
        let dir = store.execution_dir(name);
        let recorded = super::executions::record(&store, name)
            .ok_or_else(|| RedriveError::NotFound(name.to_string()))?;
        let text = |key: &str| {
            recorded
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let machine_arn = text("stateMachineArn").unwrap_or_default();
        let definition = self
            .machines
            .by_arn
            .get(&machine_arn)
            .cloned()
            .ok_or_else(|| {
                RedriveError::NotRedrivable(format!(
                    "its state machine {machine_arn} is not one of this stack's"
                ))
            })?;
        let history: Vec<HistoryEvent> = std::fs::read_to_string(dir.join("history.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .and_then(|h| serde_json::from_value(h.get("events")?.clone()).ok())
            .ok_or_else(|| {
                RedriveError::NotRedrivable(format!(
                    "its history {} cannot be read",
                    dir.join("history.json").display()
                ))
            })?;
        let point = crate::sfn::redrive::redrive_point(&history)
            .map_err(|why| RedriveError::NotRedrivable(why.to_string()))?;
        // One redrive at a time: the claim of its number is atomic.
        let claim = dir.join(format!("redrive-{}", point.redrive_count + 1));
        if !Store::claim(&claim).map_err(RedriveError::Io)? {
            return Err(RedriveError::NotRedrivable(
                "another automl process is redriving it".into(),
            ));
        }
        let parent = text("parentExecution");
        let info = ExecutionInfo {
            name: name.to_string(),
            arn: text("executionArn").unwrap_or_else(|| execution_arn(&machine_arn, name)),
            machine_name: machine_arn
                .rsplit(':')
                .next()
                .unwrap_or_default()
                .to_string(),
            machine_arn,
            role_arn: self.machines.role_arn.clone(),
            start: text("startDate")
                .as_deref()
                .and_then(Timestamp::parse)
                .unwrap_or_else(Timestamp::now),
            input: recorded.get("input").cloned().unwrap_or_else(|| json!({})),
            redrive_count: point.redrive_count + 1,
        };
        let mut running = record("RUNNING", None, &info, &parent);
        running["redriveDate"] = json!(Timestamp::now().to_rfc3339());
        write_json(&dir.join("execution.json"), &running).map_err(RedriveError::Io)?;
        let outcome =
            crate::sfn::interpreter::redrive(&definition, info, history, depth, deadline, self);
        let outcome = outcome.map_err(|why| RedriveError::NotRedrivable(why.to_string()))?;
        self.finish(&dir, &outcome, &parent).map_err(|e| match e {
            StartError::Io(e) => RedriveError::Io(e),
            other => RedriveError::Io(anyhow::anyhow!("{}", other.into_failure())),
        })?;
        Ok(outcome)
    }

    /// Records how an execution ended: its record and its whole history.
    fn finish(
        &self,
        dir: &std::path::Path,
        outcome: &ExecutionOutcome,
        parent: &Option<String>,
    ) -> Result<(), StartError> {
        let status = sfn_status(outcome.status);
        let mut ended = record(status, Some(outcome), &outcome.info, parent);
        if outcome.info.redrive_count > 0 {
            ended["redriveDate"] = super::executions::record(&self.env.store, &outcome.info.name)
                .and_then(|r| r.get("redriveDate").cloned())
                .unwrap_or(Value::Null);
        }
        write_json(&dir.join("execution.json"), &ended).map_err(StartError::Io)?;
        write_json(
            &dir.join("history.json"),
            &json!({ "events": outcome.history }),
        )
        .map_err(StartError::Io)
    }

    /// `states:startExecution.sync` (Output as a JSON string) and `.sync:2` (parsed).
    fn start_execution(&mut self, call: &TaskCall, parsed_output: bool) -> Result<Value, Failure> {
        let machine = call
            .input
            .get("StateMachineArn")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Failure::new(
                    "StepFunctions.InvalidArnException",
                    "StateMachineArn is required (Service: AWSStepFunctions; ExecutionStatus Code: 400)",
                )
            })?
            .to_string();
        let name = match call.input.get("Name") {
            None => crate::sfn::ids::uuid_v4(),
            Some(Value::String(name)) => name.clone(),
            Some(other) => {
                return Err(Failure::new(
                    "StepFunctions.InvalidNameException",
                    format!("Name must be a string, got {}", compact(other)),
                ))
            }
        };
        let input = match call.input.get("Input") {
            None => json!({}),
            Some(Value::String(text)) => serde_json::from_str(text).map_err(|e| {
                Failure::new(
                    "StepFunctions.InvalidExecutionInputException",
                    format!("Input is not valid JSON: {e}"),
                )
            })?,
            Some(value) => value.clone(),
        };
        let outcome = self
            .start(
                &machine,
                &name,
                input,
                call.depth + 1,
                call.deadline,
                Some(call.execution.name.clone()),
            )
            .map_err(StartError::into_failure)?;
        let mut description = json!({
            "ExecutionArn": outcome.info.arn,
            "StateMachineArn": outcome.info.machine_arn,
            "Name": outcome.info.name,
            "Status": sfn_status(outcome.status),
            "StartDate": outcome.info.start.epoch_millis(),
            "StopDate": outcome.stop.epoch_millis(),
            "RedriveCount": outcome.info.redrive_count,
            "RedriveStatus": if outcome.status.is_success() { "NOT_REDRIVABLE" } else { "REDRIVABLE" },
        });
        if parsed_output {
            description["Input"] = outcome.info.input.clone();
            description["InputDetails"] = json!({"Included": true});
        } else {
            description["Input"] = json!(compact(&outcome.info.input));
        }
        match outcome.status {
            ExecutionStatus::Succeeded => {
                let output = outcome.output.clone().unwrap_or(Value::Null);
                description["Output"] = if parsed_output {
                    output
                } else {
                    json!(compact(&output))
                };
                description["OutputDetails"] = json!({"Included": true});
                Ok(description)
            }
            _ => {
                if let Some(error) = &outcome.error {
                    description["Error"] = json!(error);
                }
                if let Some(cause) = &outcome.cause {
                    description["Cause"] = json!(cause);
                }
                if outcome.status == ExecutionStatus::TimedOut
                    && call
                        .deadline
                        .is_some_and(|d| std::time::Instant::now() >= d)
                {
                    return Err(Failure::new(
                        crate::sfn::errors::names::TIMEOUT,
                        compact(&description),
                    ));
                }
                Err(Failure::task_failed(compact(&description)))
            }
        }
    }
}

pub(crate) fn sfn_status(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Running => "RUNNING",
        ExecutionStatus::Succeeded => "SUCCEEDED",
        ExecutionStatus::Failed => "FAILED",
        ExecutionStatus::TimedOut => "TIMED_OUT",
        ExecutionStatus::Aborted => "ABORTED",
    }
}

/// The local runner also reads plain paths where AWS takes an S3 URI (`Location::parse`):
/// a path is not held against the model's S3 URI pattern (`(https|s3)://([^/]+)/?(.*)`),
/// only against the member's other constraints.
fn local_path_for_s3_uri(violation: &crate::awsmodel::Violation) -> bool {
    match &violation.kind {
        crate::awsmodel::ViolationKind::Pattern { value, pattern } => {
            pattern.starts_with("(https|s3)://")
                && matches!(
                    super::objects::Location::parse(value),
                    Ok(super::objects::Location::Local(_))
                )
        }
        _ => false,
    }
}

impl Host for Runner<'_> {
    fn get_object(&mut self, bucket: &str, key: &str) -> Result<String, Failure> {
        backends::item_reader::get_object(&self.env.objects, bucket, key)
    }

    fn list_objects(&mut self, bucket: &str, prefix: &str) -> Result<Vec<Value>, Failure> {
        backends::item_reader::list_objects(&self.env.objects, bucket, prefix)
    }

    fn invoke(&mut self, call: &TaskCall) -> Result<Value, Failure> {
        // What AWS would refuse is refused here, worded as AWS words it, before anything runs.
        if let Some((service, operation)) = crate::awsmodel::operation_of(call.resource) {
            let request = crate::awsmodel::api_request(service, &operation, call.input);
            if let Err(mut problem) = crate::awsmodel::validate(service, &operation, &request) {
                problem.violations.retain(|v| !local_path_for_s3_uri(v));
                if !problem.violations.is_empty() || problem.model_error.is_some() {
                    return Err(backends::model_refusal(service, &problem));
                }
            }
        }
        let part = backends::service_part(call.resource).unwrap_or_default();
        match part {
            "states:startExecution.sync" => self.start_execution(call, false),
            "states:startExecution.sync:2" => self.start_execution(call, true),
            "sagemaker:createTrainingJob.sync" => {
                let on_event = &mut self.on_event;
                training::create(&self.env, call.input, call.deadline, &mut |text| {
                    on_event(&Event::TaskProgress { text })
                })
            }
            "aws-sdk:sagemaker:describeTrainingJob" => training::describe(&self.env, call.input),
            "sagemaker:createModel" => models::create_model(&self.env, call.input),
            "sagemaker:createEndpointConfig" => {
                models::create_endpoint_config(&self.env, call.input)
            }
            "sagemaker:createEndpoint" => serving::create_endpoint(&self.env, call.input),
            "aws-sdk:sagemaker:describeEndpoint" => {
                serving::describe_endpoint(&self.env, call.input)
            }
            "sagemaker:updateEndpoint" => serving::update_endpoint(&self.env, call.input),
            "aws-sdk:sagemaker:deleteEndpointConfig" => {
                serving::delete_endpoint_config(&self.env, call.input)
            }
            "aws-sdk:applicationautoscaling:registerScalableTarget" => {
                scaling::register_scalable_target(&self.env, call.input)
            }
            "aws-sdk:applicationautoscaling:putScalingPolicy" => {
                scaling::put_scaling_policy(&self.env, call.input)
            }
            "aws-sdk:scheduler:createSchedule" => expiry::create_schedule(&self.env, call.input),
            "sagemaker:createTransformJob.sync" => {
                transform::create(&self.env, call.input, call.deadline)
            }
            "aws-sdk:sagemaker:createModelPackageGroup" => {
                registry::create_group(&self.env, call.input)
            }
            "aws-sdk:sagemaker:createModelPackage" => {
                registry::create_version(&self.env, call.input)
            }
            "aws-sdk:sagemaker:describeModelPackage" => {
                registry::describe_version(&self.env, call.input)
            }
            "lambda:invoke" => {
                evaluate::invoke(&self.env, &self.machines.evaluate_function_arn, call.input)
            }
            _ => Err(Failure::runtime(format!(
                "no local back-end for {}",
                call.resource
            ))),
        }
    }

    fn settled(&mut self, resource: &str, input: &Value) -> bool {
        match backends::service_part(resource) {
            Some("aws-sdk:sagemaker:describeEndpoint") => serving::settled(&self.env, input),
            _ => false,
        }
    }

    fn event(&mut self, event: &Event) {
        (self.on_event)(event);
    }

    fn max_wait(&self) -> Option<Duration> {
        self.max_wait
    }

    fn aborted(&self) -> Option<String> {
        super::interrupt::requested().map(super::interrupt::cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sfn::definition::Definition;

    /// A Distributed Map's ItemReader, run by the local runner: the CSV and the listing
    /// come from the object root (`s3://data/rows.csv` is `<root>/data/rows.csv`), and a
    /// missing object fails the state with States.ItemReaderFailed, naming the file.
    #[test]
    fn item_readers_read_the_object_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("objects");
        std::fs::create_dir_all(root.join("data")).unwrap();
        std::fs::write(root.join("data/rows.csv"), "id,label\n1,a\n2,b\n3,c\n").unwrap();
        let mut runner = Runner {
            env: Env {
                store: Store::new(dir.path().join("state")),
                objects: super::super::objects::Objects::new(root.clone()),
                python: Err("not needed".into()),
            },
            machines: Machines {
                stack_name: "test".into(),
                by_arn: Default::default(),
                evaluate_function_arn: String::new(),
                role_arn: String::new(),
            },
            max_wait: None,
            on_event: Box::new(|_| {}),
        };
        let machine = |reader: Value| {
            json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
                "ItemReader": reader,
                "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}})
        };
        let mut run = |definition: Value, input: Value| {
            let definition = Definition::load("Test", &definition, &|_| Ok(())).unwrap();
            let info = ExecutionInfo {
                name: "e".into(),
                arn: "arn:aws:states:us-east-1:111111111111:execution:Test:e".into(),
                machine_arn: "arn:aws:states:us-east-1:111111111111:stateMachine:Test".into(),
                machine_name: "Test".into(),
                role_arn: "arn:aws:iam::111111111111:role/r".into(),
                start: Timestamp::now(),
                input: input.clone(),
                redrive_count: 0,
            };
            execute(&definition, info, 0, None, &mut runner)
        };
        let csv = machine(json!({"Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItems": 2},
            "Parameters": {"Bucket": "data", "Key.$": "$.key"}}));
        let done = run(csv.clone(), json!({"key": "rows.csv"}));
        assert_eq!(done.status, ExecutionStatus::Succeeded, "{:?}", done.cause);
        assert_eq!(
            done.output,
            Some(json!([{"id": "1", "label": "a"}, {"id": "2", "label": "b"}]))
        );

        let listing = machine(json!({"Resource": "arn:aws:states:::s3:listObjectsV2",
            "Parameters": {"Bucket": "data"}}));
        let done = run(listing, json!({}));
        assert_eq!(done.status, ExecutionStatus::Succeeded, "{:?}", done.cause);
        let listed = done.output.unwrap();
        assert_eq!(listed[0]["Key"], "rows.csv");
        assert_eq!(listed[0]["Size"], 21);

        let missing = run(csv, json!({"key": "none.csv"}));
        assert_eq!(missing.status, ExecutionStatus::Failed);
        assert_eq!(missing.error.as_deref(), Some("States.ItemReaderFailed"));
        let cause = missing.cause.unwrap();
        assert!(
            cause.contains("s3://data/none.csv")
                && cause.contains(&root.join("data/none.csv").display().to_string()),
            "{cause}"
        );
    }
}

#[cfg(test)]
mod child_names {
    use crate::stack::machines::main::{child_execution_name, rendered_child_request, Child};
    use serde_json::json;

    /// The Main machine's TrainModel and DeployModel Parameters name the child as
    /// `child_execution_name` does (the name the runner starts it under, and the one
    /// `automl redrive` and `run --local --resume` announce), on the first attempt and
    /// after any redrive the history allows (at most 12,499: 5 digits).
    #[test]
    fn the_main_machine_names_each_attempts_child_as_child_execution_name_does() {
        for child in [Child::Train, Child::Deploy] {
            for count in [0u32, 1, 2, 9, 10, 12_499, 99_999] {
                let request = rendered_child_request(child, count);
                assert_eq!(
                    request["Name"],
                    json!(child_execution_name("run-1", child, count)),
                    "{child:?} after {count} redrives"
                );
            }
        }
        assert_eq!(
            child_execution_name("run-1", Child::Train, 0),
            "run-1-train"
        );
        assert_eq!(
            child_execution_name("run-1", Child::Deploy, 3),
            "run-1-deploy-r3"
        );
        assert_eq!(
            crate::stack::machines::main::longest_child_suffix(),
            "-deploy-r99999"
        );
    }
}
