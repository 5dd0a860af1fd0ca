//! The interpreter: runs a loaded [`Definition`] from `StartAt` to a terminal state,
//! applying the States Language's input and output processing to every state
//! (InputPath -> Parameters -> task -> ResultSelector -> ResultPath -> OutputPath),
//! Retry (interval, backoff, max delay, jitter) and Catch on failures, Wait states, the
//! machine's `TimeoutSeconds`, and recording a history like the AWS one. Parallel
//! branches and Map items run through the same loop ([`parallel`], [`map`]), one after
//! the other. What a Task does is up to the [`Host`]; the interpreter itself never
//! touches files or processes.

use super::context::ExecutionInfo;
use super::definition::{
    Catcher, Definition, IoPath, Kind, MapState, Next, Outcome, ResultSpec, Retrier, State, Task,
    Text, WaitFor,
};
use super::errors::{names, Failure};
use super::history::{History, HistoryEvent};
use super::path::{compact, Scope};
use super::payload::Template;
use super::time::Timestamp;
use crate::sfn::{Event, ExecutionStatus};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

mod item_batcher;
mod item_reader;
mod map;
mod parallel;

/// A state's Retry and Catch rules and where it goes on success.
#[derive(Clone, Copy)]
pub(super) struct Rules<'r> {
    pub(super) retry: &'r [Retrier],
    pub(super) catch: &'r [Catcher],
    pub(super) next: &'r Next,
    /// Whether the context gives `$$.State.RetryCount` (Task states only).
    pub(super) counts_retries: bool,
    /// The event recorded once the state has failed for good, caught or not
    /// (`ParallelStateFailed`, `MapStateFailed`; none for a Task or a `States.Runtime`
    /// error), as AWS records it (LocalStack's snapshots of AWS: test_base_scenarios.
    /// test_map_state_retry, test_map_state_catch, test_parallel_state_retry,
    /// test_parallel_state_catch: not after a failed attempt that is retried;
    /// test_max_concurrency_path, test_map_state_tolerated_failure_count_path: not for
    /// a runtime error).
    pub(super) failed_event: Option<&'static str>,
}

impl<'r> Rules<'r> {
    /// The rules of a Parallel or Map state: its own Retry, Catch and Next, no
    /// `$$.State.RetryCount`, and `failed_event` once it has failed for good.
    pub(super) fn of_branches(outcome: &'r Outcome, failed_event: &'static str) -> Self {
        Rules {
            retry: &outcome.retry,
            catch: &outcome.catch,
            next: &outcome.next,
            counts_retries: false,
            failed_event: Some(failed_event),
        }
    }
}

/// A Task invocation handed to the host.
pub struct TaskCall<'a> {
    pub resource: &'a str,
    /// The task's input: the state's effective input after `Parameters`.
    pub input: &'a Value,
    pub context: &'a Value,
    /// When the task must have ended (its `TimeoutSeconds` or the execution's).
    pub deadline: Option<std::time::Instant>,
    /// 0 for a top-level execution, +1 per nested `startExecution`.
    pub depth: usize,
    pub state: &'a str,
    pub execution: &'a ExecutionInfo,
}

/// What the interpreter needs from its surroundings.
pub trait Host {
    /// Runs a Task resource; a failure carries the error name Retry/Catch match on.
    /// A host that reaches `deadline` returns a `States.Timeout` failure.
    fn invoke(&mut self, call: &TaskCall) -> Result<Value, Failure>;

    /// Asked while a Wait state waits before a Task: true when calling that task now
    /// would answer what it would answer after the wait (a resource that has settled),
    /// so the wait may end early. Default: never.
    fn settled(&mut self, _resource: &str, _input: &Value) -> bool {
        false
    }

    /// Progress, as the CLI prints it.
    fn event(&mut self, _event: &Event) {}

    /// The longest a Wait state or a retry delay may last (the local runner's option to
    /// shorten them); `None`: as the machine says.
    fn max_wait(&self) -> Option<Duration> {
        None
    }

    /// Whether the execution was stopped from outside (StopExecution; locally an
    /// interrupt), with the cause to record. Asked between states, after each task and
    /// while waiting: a stopped execution ends `ABORTED` at once, without Retry or Catch.
    fn aborted(&self) -> Option<String> {
        None
    }

    /// The body of S3 object `key` in `bucket`, as text: what a Distributed Map's
    /// `ItemReader` (`arn:aws:states:::s3:getObject`) reads its items from. A failure is
    /// the Map state's (`States.ItemReaderFailed` with the reason). Default: no objects.
    fn get_object(&mut self, bucket: &str, key: &str) -> Result<String, Failure> {
        Err(no_objects(bucket, key))
    }

    /// The objects of `bucket` whose keys start with `prefix`, in key order, each as
    /// `arn:aws:states:::s3:listObjectsV2` gives it to a Map's `ItemReader` (`Etag`,
    /// `Key`, `LastModified`, `Size`, `StorageClass`). Default: no objects.
    fn list_objects(&mut self, bucket: &str, prefix: &str) -> Result<Vec<Value>, Failure> {
        Err(no_objects(bucket, prefix))
    }
}

fn no_objects(bucket: &str, key: &str) -> Failure {
    Failure::new(
        "States.ItemReaderFailed",
        format!("s3://{bucket}/{key}: this runner serves no S3 objects"),
    )
}

/// How an execution ended.
#[derive(Debug, Clone)]
pub struct ExecutionOutcome {
    pub info: ExecutionInfo,
    pub status: ExecutionStatus,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// The output on success, else the input of the state that failed.
    pub last_data: Value,
    pub history: Vec<HistoryEvent>,
    pub stop: Timestamp,
}

/// Runs `definition` to its end. `outer_deadline`: when whatever started it gives up
/// (a parent's task deadline), on top of the machine's own `TimeoutSeconds`.
pub fn execute(
    definition: &Definition,
    info: ExecutionInfo,
    depth: usize,
    outer_deadline: Option<std::time::Instant>,
    host: &mut dyn Host,
) -> ExecutionOutcome {
    let own = definition
        .timeout_seconds
        .map(|s| std::time::Instant::now() + Duration::from_secs(s));
    let deadline = match (own, outer_deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let mut run = Run {
        definition,
        states: &definition.states,
        info,
        depth,
        host,
        history: History::default(),
        deadline,
        variables: Map::new(),
        evaluation_failed: false,
    };
    run.run(None)
}

/// Redrives an unsuccessful execution (RedriveExecution): `previous` is its history so
/// far; the execution keeps its name, ARN, input and start time, its history goes on with
/// an `ExecutionRedriven` event, and it continues at the state that did not succeed, with
/// the input that state had ([`super::redrive`]). The machine's `TimeoutSeconds` counts
/// again from now ("the state machine level timeout, if defined, is reset": AWS Step
/// Functions Developer Guide, "Restarting state machine executions with redrive").
/// Variables set by `Assign` before the redrive are not restored (the history does not
/// record them; none of this stack's machines assign any).
pub(crate) fn redrive(
    definition: &Definition,
    mut info: ExecutionInfo,
    previous: Vec<HistoryEvent>,
    depth: usize,
    outer_deadline: Option<std::time::Instant>,
    host: &mut dyn Host,
) -> Result<ExecutionOutcome, super::redrive::NotRedrivable> {
    let point = super::redrive::redrive_point(&previous)?;
    info.redrive_count = point.redrive_count + 1;
    let own = definition
        .timeout_seconds
        .map(|s| std::time::Instant::now() + Duration::from_secs(s));
    let deadline = match (own, outer_deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let start = match (point.state, point.input) {
        (Some(state), Some(input)) if definition.states.contains_key(&state) => {
            Some((state, input))
        }
        _ => None,
    };
    let mut run = Run {
        definition,
        states: &definition.states,
        info,
        depth,
        host,
        history: History { events: previous },
        deadline,
        variables: Map::new(),
        evaluation_failed: false,
    };
    Ok(run.run(Some(start)))
}

pub(super) struct Run<'a> {
    definition: &'a Definition,
    /// The states running now: the machine's, a branch's or an item processor's.
    states: &'a BTreeMap<String, State>,
    info: ExecutionInfo,
    depth: usize,
    pub(super) host: &'a mut dyn Host,
    pub(super) history: History,
    deadline: Option<std::time::Instant>,
    /// The variables `Assign` has set so far (`$name`).
    pub(super) variables: Map<String, Value>,
    /// The failing state's `EvaluationFailed` event is recorded already (by `retrying`,
    /// before a Map's or Parallel's own failed event).
    evaluation_failed: bool,
}

/// How one state ended.
pub(super) enum Step {
    Next(String, Value),
    End(Value),
}

/// Why a state did not end normally.
pub(super) enum Stop {
    Failed(Failure),
    /// A Fail state: its `Error` and `Cause`, each absent when the state gives none.
    Fail(Option<String>, Option<String>),
    TimedOut,
    Aborted(String),
}

impl<'a> Run<'a> {
    fn machine(&self) -> String {
        self.definition.name.clone()
    }

    /// `redriven`: `None` for a new execution; for a redrive, where it continues (`None`
    /// inside: from `StartAt` with the execution's input).
    fn run(&mut self, redriven: Option<Option<(String, Value)>>) -> ExecutionOutcome {
        let machine = self.machine();
        let (data, current) = match &redriven {
            Some(Some((state, input))) => (input.clone(), state.clone()),
            _ => (self.info.input.clone(), self.definition.start_at.clone()),
        };
        match redriven {
            None => self.history.execution_started(
                &self.info.input,
                &self.info.role_arn,
                &self.info.machine_arn,
            ),
            Some(_) => self.history.execution_redriven(self.info.redrive_count),
        }
        self.host.event(&Event::ExecutionStarted {
            depth: self.depth,
            machine: machine.clone(),
            name: self.info.name.clone(),
            arn: self.info.arn.clone(),
        });
        let definition = self.definition;
        let (result, data) = self.run_states(&current, &definition.states, data);
        let (status, output, failure) = match result {
            Ok(output) => (ExecutionStatus::Succeeded, Some(output), None),
            Err(Stop::Aborted(cause)) => (
                ExecutionStatus::Aborted,
                None,
                Some(known(abort_failure(cause))),
            ),
            Err(Stop::TimedOut) => (
                ExecutionStatus::TimedOut,
                None,
                Some(known(timeout_failure(definition))),
            ),
            Err(Stop::Failed(failure)) => (ExecutionStatus::Failed, None, Some(known(failure))),
            Err(Stop::Fail(error, cause)) => (ExecutionStatus::Failed, None, Some((error, cause))),
        };
        let (error, cause) = failure.unwrap_or_default();
        match (&status, &output) {
            (ExecutionStatus::Succeeded, Some(output)) => self.history.execution_succeeded(output),
            (ExecutionStatus::TimedOut, _) => self.history.execution_timed_out(
                error.as_deref().unwrap_or_default(),
                cause.as_deref().unwrap_or_default(),
            ),
            (ExecutionStatus::Aborted, _) => self.history.execution_aborted(
                error.as_deref().unwrap_or_default(),
                cause.as_deref().unwrap_or_default(),
            ),
            (ExecutionStatus::Failed, _) => self
                .history
                .execution_failed(error.as_deref(), cause.as_deref()),
            _ => {}
        }
        self.host.event(&Event::ExecutionEnded {
            depth: self.depth,
            machine,
            status,
            error: error.clone(),
            cause: cause.clone(),
        });
        ExecutionOutcome {
            info: self.info.clone(),
            status,
            output,
            error,
            cause,
            last_data: data,
            history: std::mem::take(&mut self.history.events),
            stop: Timestamp::now(),
        }
    }

    /// Runs `states` (the machine's, a Parallel branch's or a Map item processor's) from
    /// `start_at` until a state ends them: their output, or why they stopped; and the
    /// data at that point (the output, else the input of the state that failed).
    pub(super) fn run_states(
        &mut self,
        start_at: &str,
        states: &'a BTreeMap<String, State>,
        input: Value,
    ) -> (Result<Value, Stop>, Value) {
        let outer = std::mem::replace(&mut self.states, states);
        let machine = self.machine();
        let mut data = input;
        let mut current = start_at.to_string();
        let result = loop {
            if let Some(cause) = self.host.aborted() {
                break Err(Stop::Aborted(cause));
            }
            if self.timed_out() {
                break Err(Stop::TimedOut);
            }
            let state = &states[&current];
            self.history
                .state_entered(state.type_name(), &state.name, &data);
            let entered_id = self.history.events.len();
            self.evaluation_failed = false;
            self.host.event(&Event::StateEntered {
                depth: self.depth,
                machine: machine.clone(),
                state: state.name.clone(),
            });
            let result = match self.state(state, &data) {
                Err(Stop::Failed(failure))
                    if failure.error == names::RUNTIME
                        || failure.error == names::QUERY_EVALUATION =>
                {
                    if !self.evaluation_failed && is_evaluation_failure(&failure) {
                        self.history.plain("EvaluationFailed");
                    }
                    Err(Stop::Failed(located(failure, &state.name, entered_id)))
                }
                other => other,
            };
            match result {
                Ok(step) => {
                    let output = match &step {
                        Step::Next(_, output) | Step::End(output) => output.clone(),
                    };
                    self.history
                        .state_exited(state.type_name(), &state.name, &output);
                    self.host.event(&Event::StateSucceeded {
                        depth: self.depth,
                        machine: machine.clone(),
                        state: state.name.clone(),
                    });
                    match step {
                        Step::Next(next, output) => {
                            data = output;
                            current = next;
                        }
                        Step::End(output) => {
                            data = output.clone();
                            break Ok(output);
                        }
                    }
                }
                Err(stop) => {
                    let failed = match &stop {
                        Stop::Failed(failure) => {
                            Some((failure.error.clone(), failure.cause.clone()))
                        }
                        Stop::Fail(error, cause) => Some((
                            error.clone().unwrap_or_default(),
                            cause.clone().unwrap_or_default(),
                        )),
                        Stop::TimedOut | Stop::Aborted(_) => None,
                    };
                    if let Some((error, cause)) = failed {
                        self.host.event(&Event::StateFailed {
                            depth: self.depth,
                            machine: machine.clone(),
                            state: state.name.clone(),
                            error,
                            cause,
                        });
                    }
                    break Err(stop);
                }
            }
        };
        self.states = outer;
        (result, data)
    }

    fn timed_out(&self) -> bool {
        self.deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
    }

    fn state(&mut self, state: &'a State, input: &Value) -> Result<Step, Stop> {
        let entered = Timestamp::now();
        let context = self.info.context(&state.name, entered, None);
        let variables = self.variables.clone();
        let scope = Scope {
            context: &context,
            variables: &variables,
        };
        match &state.kind {
            Kind::Pass {
                parameters,
                result,
                result_path,
                next,
            } if state.jsonata => {
                let _ = (parameters, result, result_path);
                let states = states_of(input, &context, None);
                let assigned = assign(state.assign.as_ref(), &states, scope)?;
                let output = jsonata_output(state.output.as_ref(), &states, scope, input)?;
                self.variables.extend(assigned);
                Ok(step(next, output))
            }
            Kind::Pass {
                parameters,
                result,
                result_path,
                next,
            } => {
                let effective = input_path(&state.input_path, input, scope)?;
                let effective = match parameters {
                    Some(template) => template.render(&effective, scope).map_err(Stop::Failed)?,
                    None => effective,
                };
                let result = result.clone().unwrap_or(effective);
                let assigned = assign(state.assign.as_ref(), &result, scope)?;
                let combined = apply_result_path(result_path, input.clone(), result)?;
                let output = output_path(&state.output_path, &combined, scope)?;
                self.variables.extend(assigned);
                Ok(step(next, output))
            }
            Kind::Task(task) => self.task(state, task, input, entered),
            Kind::Parallel(parallel) => self.parallel(state, parallel, input, entered),
            Kind::Map(map) => self.map(state, map, input, entered),
            Kind::Choice { choices, default } => {
                let effective = input_path(&state.input_path, input, scope)?;
                // Under JSONata the rules, Assign and Output read `$states`.
                let data = match state.jsonata {
                    true => states_of(input, &context, None),
                    false => effective.clone(),
                };
                let mut chosen = None;
                let mut output_template = state.output.as_ref();
                for (rule, next, rule_assign, rule_output) in choices {
                    if rule.eval(&data, scope).map_err(Stop::Failed)? {
                        chosen = Some((next.clone(), rule_assign.as_ref()));
                        output_template = rule_output.as_ref().or(output_template);
                        break;
                    }
                }
                // A matching rule's own Assign replaces the state's (LocalStack's snapshot
                // of AWS: test_assign_reference_variables.py::test_assign_in_choice_state).
                let (chosen, assigns) = match chosen {
                    Some((next, Some(rule_assign))) => (Some(next), Some(rule_assign)),
                    Some((next, None)) => (Some(next), state.assign.as_ref()),
                    None => (None, state.assign.as_ref()),
                };
                let next = chosen.or_else(|| default.clone()).ok_or_else(|| {
                    Stop::Failed(Failure::new(
                        names::NO_CHOICE_MATCHED,
                        format!("No Matches! (state `{}` has no Default and no rule matched its input {})", state.name, compact(&effective)),
                    ))
                })?;
                let assigned = assign(assigns, &data, scope)?;
                let output = match state.jsonata {
                    true => jsonata_output(output_template, &data, scope, input)?,
                    false => output_path(&state.output_path, &effective, scope)?,
                };
                self.variables.extend(assigned);
                Ok(Step::Next(next, output))
            }
            Kind::Wait { wait, next } => {
                let effective = input_path(&state.input_path, input, scope)?;
                let states = match state.jsonata {
                    true => states_of(input, &context, None),
                    false => Value::Null,
                };
                let until = match wait {
                    WaitFor::SecondsExpression(template) => {
                        let value = template.render(&states, scope).map_err(Stop::Failed)?;
                        let seconds = value.as_u64().ok_or_else(|| {
                            Stop::Failed(Failure::new(
                                names::QUERY_EVALUATION,
                                format!(
                                    "The Seconds field must be a non-negative integer, got {}",
                                    compact(&value)
                                ),
                            ))
                        })?;
                        std::time::Instant::now() + Duration::from_secs(seconds)
                    }
                    // As AWS words it (LocalStack's snapshots of AWS: test_base_scenarios.py::
                    // test_wait_timestamp_jsonata).
                    WaitFor::TimestampExpression(template) => {
                        let value = template.render(&states, scope).map_err(Stop::Failed)?;
                        let instant = value.as_str().and_then(Timestamp::parse).ok_or_else(|| {
                            let text = match &value {
                                Value::String(s) => s.clone(),
                                other => compact(other),
                            };
                            Stop::Failed(Failure::new(
                                names::QUERY_EVALUATION,
                                format!("The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text}"),
                            ))
                        })?;
                        std::time::Instant::now() + instant.until()
                    }
                    WaitFor::Seconds(s) => std::time::Instant::now() + Duration::from_secs(*s),
                    WaitFor::Timestamp(t) => std::time::Instant::now() + t.until(),
                    // The causes as AWS words them (LocalStack's snapshots of AWS:
                    // test_wait.py::test_base_wait_seconds_path, test_base_scenarios.py::
                    // test_wait_timestamp_path).
                    WaitFor::SecondsPath(path) => {
                        let value = path.select(&effective, scope).map_err(|_| {
                            Stop::Failed(Failure::runtime(format!("The SecondsPath parameter does not reference an input value: {path}")))
                        })?;
                        let seconds = match value.as_i64() {
                            Some(s) if s >= 0 => s as u64,
                            Some(_) => return Err(Stop::Failed(Failure::runtime(format!(
                                "The SecondsPath parameter references a negative value: {path} == {}",
                                compact(&value)
                            )))),
                            None => return Err(Stop::Failed(Failure::runtime(format!(
                                "The SecondsPath parameter cannot be parsed as a long value: {path} == {}",
                                compact(&value)
                            )))),
                        };
                        std::time::Instant::now() + Duration::from_secs(seconds)
                    }
                    WaitFor::TimestampPath(path) => {
                        let value = path.select(&effective, scope).map_err(|_| {
                            Stop::Failed(Failure::runtime(format!("The TimestampPath parameter does not reference an input value: {path}")))
                        })?;
                        let instant = value.as_str().and_then(Timestamp::parse).ok_or_else(|| {
                            let text = match &value {
                                Value::String(s) => s.clone(),
                                other => compact(other),
                            };
                            Stop::Failed(Failure::runtime(format!(
                                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {text}"
                            )))
                        })?;
                        std::time::Instant::now() + instant.until()
                    }
                };
                let (assigned, output) = match state.jsonata {
                    true => (
                        assign(state.assign.as_ref(), &states, scope)?,
                        jsonata_output(state.output.as_ref(), &states, scope, input)?,
                    ),
                    false => (
                        assign(state.assign.as_ref(), &effective, scope)?,
                        output_path(&state.output_path, &effective, scope)?,
                    ),
                };
                let peek = self.peek_task(next, &output);
                self.wait_until(until, peek)?;
                self.variables.extend(assigned);
                Ok(step(next, output))
            }
            Kind::Succeed if state.jsonata => {
                let states = states_of(input, &context, None);
                Ok(Step::End(jsonata_output(
                    state.output.as_ref(),
                    &states,
                    scope,
                    input,
                )?))
            }
            Kind::Succeed => {
                let effective = input_path(&state.input_path, input, scope)?;
                Ok(Step::End(output_path(
                    &state.output_path,
                    &effective,
                    scope,
                )?))
            }
            Kind::Fail { error, cause } => {
                let text = |t: &Option<Text>, what: &str| -> Result<Option<String>, Stop> {
                    Ok(Some(match t {
                        None => return Ok(None),
                        Some(Text::Literal(s)) => s.clone(),
                        Some(Text::Path(path)) => match path.select(input, scope) {
                            Ok(Value::String(s)) => s,
                            Ok(other) => return Err(Stop::Failed(Failure::runtime(format!(
                                "The {what}Path {path} of state `{}` selects {}, not a string",
                                state.name,
                                compact(&other)
                            )))),
                            // As AWS words it (LocalStack's snapshot of AWS:
                            // test_base_scenarios.py::test_invalid_jsonpath, ErrorPath).
                            Err(_) => return Err(Stop::Failed(Failure::runtime(format!(
                                "The JSONPath '{path}' specified for the field '{what}Path' could not be found in the input '{}'",
                                compact(scope.document(path, input))
                            )))),
                        },
                        Some(Text::Call(call)) => match call.eval(input, scope) {
                            Ok(Value::String(s)) => s,
                            Ok(other) => return Err(Stop::Failed(Failure::runtime(format!(
                                "The {what}Path of state `{}` computes {}, not a string",
                                state.name,
                                compact(&other)
                            )))),
                            Err(cause) => return Err(Stop::Failed(Failure::new(names::INTRINSIC_FAILURE, cause))),
                        },
                        Some(Text::Expression(template)) => {
                            match template.render(&states_of(input, &context, None), scope) {
                                Ok(Value::String(s)) => s,
                                Ok(other) => return Err(Stop::Failed(Failure::new(
                                    names::QUERY_EVALUATION,
                                    format!("The {what} of state `{}` computes {}, not a string", state.name, compact(&other)),
                                ))),
                                Err(failure) => return Err(Stop::Failed(failure)),
                            }
                        }
                    }))
                };
                // A Fail state without Error or Cause records neither (LocalStack's
                // snapshot of AWS: test_base.py::test_state_fail_empty).
                Err(Stop::Fail(text(error, "Error")?, text(cause, "Cause")?))
            }
        }
    }

    fn task(
        &mut self,
        state: &State,
        task: &Task,
        input: &Value,
        entered: Timestamp,
    ) -> Result<Step, Stop> {
        let rules = Rules {
            retry: &task.retry,
            catch: &task.catch,
            next: &task.next,
            counts_retries: true,
            failed_event: None,
        };
        self.retrying(state, rules, input, entered, &mut |run, scope| {
            run.attempt(state, task, input, scope)
        })
    }

    /// Runs `attempt` (one try at a Task, Parallel or Map state's work) under the
    /// state's Retry and Catch rules. A Fail state inside a branch fails the branch's
    /// state, where Retry and Catch see its error (none: the empty name).
    pub(super) fn retrying(
        &mut self,
        state: &State,
        rules: Rules,
        input: &Value,
        entered: Timestamp,
        attempt: &mut dyn FnMut(&mut Run<'a>, Scope) -> Result<Value, Stop>,
    ) -> Result<Step, Stop> {
        let mut counts = vec![0u32; rules.retry.len()];
        let mut retries = 0u32;
        loop {
            let retry_count = rules.counts_retries.then_some(retries);
            let context = self.info.context(&state.name, entered, retry_count);
            let variables = self.variables.clone();
            let scope = Scope {
                context: &context,
                variables: &variables,
            };
            let (failure, unhandled) = match attempt(self, scope) {
                Ok(output) => return Ok(step(rules.next, output)),
                Err(stop @ (Stop::TimedOut | Stop::Aborted(_))) => return Err(stop),
                Err(Stop::Failed(failure)) => (failure.clone(), Stop::Failed(failure)),
                Err(Stop::Fail(error, cause)) => (
                    Failure::new(
                        error.clone().unwrap_or_default(),
                        cause.clone().unwrap_or_default(),
                    ),
                    Stop::Fail(error, cause),
                ),
            };
            if self.timed_out() {
                return Err(Stop::TimedOut);
            }
            // Retry: the first retrier whose ErrorEquals matches decides.
            if let Some(index) = rules
                .retry
                .iter()
                .position(|r| failure.matches(&r.error_equals))
            {
                let retrier = &rules.retry[index];
                if counts[index] < retrier.max_attempts {
                    let mut delay = retrier.interval_seconds as f64
                        * retrier.backoff_rate.powi(counts[index] as i32);
                    if let Some(max) = retrier.max_delay_seconds {
                        delay = delay.min(max as f64);
                    }
                    if retrier.full_jitter {
                        delay *= (super::ids::random_u64() % 1_000_000) as f64 / 1_000_000.0;
                    }
                    counts[index] += 1;
                    retries += 1;
                    let until =
                        std::time::Instant::now() + Duration::from_secs_f64(delay.min(1.0e9));
                    self.wait_until(until, None)?;
                    continue;
                }
            }
            if is_evaluation_failure(&failure) {
                self.history.plain("EvaluationFailed");
                self.evaluation_failed = true;
            }
            if let Some(kind) = rules.failed_event.filter(|_| !failure.is_terminal()) {
                self.history.plain(kind);
            }
            if let Some(catcher) = rules
                .catch
                .iter()
                .find(|c| failure.matches(&c.error_equals))
            {
                return self.caught(state, catcher, input, failure);
            }
            return Err(unhandled);
        }
    }

    /// A state's result, processed as the States Language says: `ResultSelector`, then
    /// `Assign` (from the selected result), `ResultPath` (into the state's raw input),
    /// `OutputPath`.
    pub(super) fn finish(
        &mut self,
        state: &State,
        result_selector: Option<&Template>,
        result_path: &ResultSpec,
        input: &Value,
        result: Value,
        scope: Scope,
    ) -> Result<Value, Stop> {
        if state.jsonata {
            let states = states_of(input, scope.context, Some(("result", &result)));
            let assigned = assign(state.assign.as_ref(), &states, scope)?;
            let output = jsonata_output(state.output.as_ref(), &states, scope, &result)?;
            self.variables.extend(assigned);
            return Ok(output);
        }
        let selected = match result_selector {
            Some(template) => template.render(&result, scope).map_err(Stop::Failed)?,
            None => result,
        };
        let assigned = assign(state.assign.as_ref(), &selected, scope)?;
        let combined = apply_result_path(result_path, input.clone(), selected)?;
        let output = output_path(&state.output_path, &combined, scope)?;
        self.variables.extend(assigned);
        Ok(output)
    }

    /// One attempt at a Task state: the whole input/output processing around the call.
    fn attempt(
        &mut self,
        state: &State,
        task: &Task,
        input: &Value,
        scope: Scope,
    ) -> Result<Value, Stop> {
        let context = scope.context;
        let effective = input_path(&state.input_path, input, scope)?;
        let data = match state.jsonata {
            true => states_of(input, context, None),
            false => effective.clone(),
        };
        let parameters = match &task.parameters {
            Some(template) => template.render(&data, scope).map_err(Stop::Failed)?,
            None => effective,
        };
        let seconds = |template: &Option<Template>, given: Option<u64>, field: &str| match template
        {
            None => Ok(given),
            Some(template) => {
                let value = template.render(&data, scope).map_err(Stop::Failed)?;
                match value.as_u64().filter(|s| *s > 0) {
                    Some(s) => Ok(Some(s)),
                    None => Err(Stop::Failed(Failure::new(
                        names::QUERY_EVALUATION,
                        format!(
                            "The {field} field must be a positive integer, got {}",
                            compact(&value)
                        ),
                    ))),
                }
            }
        };
        let timeout_given = seconds(
            &task.timeout_seconds_expression,
            task.timeout_seconds,
            "TimeoutSeconds",
        )?;
        let heartbeat_given = seconds(
            &task.heartbeat_seconds_expression,
            task.heartbeat_seconds,
            "HeartbeatSeconds",
        )?;
        let timeout_seconds = match &task.timeout_seconds_path {
            None => timeout_given,
            Some(path) => {
                let value = path.select(input, scope).map_err(|_| {
                    Stop::Failed(Failure::runtime(format!(
                        "Invalid path '{path}' : {}",
                        path.why_nothing(scope.document(path, input))
                    )))
                })?;
                Some(value.as_u64().filter(|s| *s > 0).ok_or_else(|| {
                    Stop::Failed(Failure::runtime(format!(
                        "The TimeoutSecondsPath parameter references an invalid value: {path} == {}",
                        compact(&value)
                    )))
                })?)
            }
        };
        let heartbeat_seconds = match &task.heartbeat_seconds_path {
            None => heartbeat_given,
            // As AWS words it (LocalStack's snapshot of AWS: test_base_scenarios.py::
            // test_invalid_jsonpath, INVALID_JSONPATH_IN_HEARTBEATSECONDSPATH).
            Some(path) => {
                let value = path.select(input, scope).map_err(|_| {
                    Stop::Failed(Failure::runtime(format!(
                        "Invalid path '{path}' : {}",
                        path.why_nothing(scope.document(path, input))
                    )))
                })?;
                Some(value.as_u64().filter(|s| *s > 0).ok_or_else(|| {
                    Stop::Failed(Failure::runtime(format!(
                        "The HeartbeatSecondsPath parameter references an invalid value: {path} == {}",
                        compact(&value)
                    )))
                })?)
            }
        };
        let now = std::time::Instant::now();
        let task_deadline = timeout_seconds.map(|s| now + Duration::from_secs(s));
        let deadline = match (task_deadline, self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.history.task_scheduled(
            &task.resource,
            super::names::region_of(&self.info.arn),
            &parameters,
            timeout_seconds,
            heartbeat_seconds,
        );
        self.history.task_started(&task.resource);
        let call = TaskCall {
            resource: &task.resource,
            input: &parameters,
            context,
            deadline,
            depth: self.depth,
            state: &state.name,
            execution: &self.info,
        };
        let result = match self.host.invoke(&call) {
            Ok(result) => result,
            Err(failure) => {
                let timed_out = failure.error == names::TIMEOUT;
                self.history
                    .task_failed(&task.resource, &failure.error, &failure.cause, timed_out);
                if let Some(cause) = self.host.aborted() {
                    return Err(Stop::Aborted(cause));
                }
                if timed_out && self.timed_out() {
                    return Err(Stop::TimedOut);
                }
                return Err(Stop::Failed(failure));
            }
        };
        self.history.task_succeeded(&task.resource, &result);
        if let Some(cause) = self.host.aborted() {
            return Err(Stop::Aborted(cause));
        }
        self.finish(
            state,
            task.result_selector.as_ref(),
            &task.result_path,
            input,
            result,
            scope,
        )
    }

    fn caught(
        &mut self,
        state: &State,
        catcher: &Catcher,
        input: &Value,
        failure: Failure,
    ) -> Result<Step, Stop> {
        let machine = self.machine();
        self.host.event(&Event::StateFailed {
            depth: self.depth,
            machine,
            state: state.name.clone(),
            error: failure.error.clone(),
            cause: format!("{} (caught: going to {})", failure.cause, catcher.next),
        });
        let error_output = failure.to_value();
        let context = self.info.context(&state.name, Timestamp::now(), None);
        let variables = self.variables.clone();
        let scope = Scope {
            context: &context,
            variables: &variables,
        };
        let (assigned, output) = if state.jsonata {
            let states = states_of(input, &context, Some(("errorOutput", &error_output)));
            (
                assign(catcher.assign.as_ref(), &states, scope)?,
                jsonata_output(catcher.output.as_ref(), &states, scope, &error_output)?,
            )
        } else {
            (
                assign(catcher.assign.as_ref(), &error_output, scope)?,
                apply_result_path(&catcher.result_path, input.clone(), error_output)?,
            )
        };
        self.variables.extend(assigned);
        Ok(Step::Next(catcher.next.clone(), output))
    }

    /// The next state's resource and task input, when it is a Task (for early wake-ups).
    fn peek_task(&self, next: &Next, output: &Value) -> Option<(String, Value)> {
        let Next::State(name) = next else { return None };
        let state = self.states.get(name)?;
        let Kind::Task(task) = &state.kind else {
            return None;
        };
        let context = self.info.context(name, Timestamp::now(), Some(0));
        let scope = Scope {
            context: &context,
            variables: &self.variables,
        };
        let effective = input_path(&state.input_path, output, scope).ok()?;
        let data = match state.jsonata {
            true => states_of(output, &context, None),
            false => effective.clone(),
        };
        let input = match &task.parameters {
            Some(template) => template.render(&data, scope).ok()?,
            None => effective,
        };
        Some((task.resource.clone(), input))
    }

    /// Sleeps until `until` (capped by the host's max wait and the execution deadline),
    /// waking early when the awaited task has settled.
    fn wait_until(
        &mut self,
        until: std::time::Instant,
        peek: Option<(String, Value)>,
    ) -> Result<(), Stop> {
        let start = std::time::Instant::now();
        let mut until = until;
        if let Some(max) = self.host.max_wait() {
            until = until.min(start + max);
        }
        let deadline_hit = self.deadline.is_some_and(|d| d < until);
        if let Some(d) = self.deadline {
            until = until.min(d);
        }
        loop {
            let now = std::time::Instant::now();
            if now >= until {
                break;
            }
            if let Some(cause) = self.host.aborted() {
                return Err(Stop::Aborted(cause));
            }
            if let Some((resource, input)) = &peek {
                if self.host.settled(resource, input) {
                    return Ok(());
                }
            }
            std::thread::sleep((until - now).min(Duration::from_millis(200)));
        }
        if deadline_hit {
            return Err(Stop::TimedOut);
        }
        Ok(())
    }
}

fn step(next: &Next, output: Value) -> Step {
    match next {
        Next::State(name) => Step::Next(name.clone(), output),
        Next::End => Step::End(output),
    }
}

/// The error and cause an aborted execution records (StopExecution's defaults are empty;
/// locally the cause says which signal stopped it).
fn abort_failure(cause: String) -> Failure {
    Failure::new("States.Aborted", cause)
}

fn timeout_failure(definition: &Definition) -> Failure {
    Failure::new(
        names::TIMEOUT,
        format!(
            "The execution of state machine {} ran longer than its TimeoutSeconds ({} s)",
            definition.name,
            definition.timeout_seconds.unwrap_or_default()
        ),
    )
}

/// How a located cause begins (see [`located`]).
const LOCATED: &str = "An error occurred while executing the state";

/// A `States.Runtime` (or JSONata's `States.QueryEvaluationError`) cause as AWS gives
/// it: which state, entered at which history event, failed (LocalStack's snapshots of
/// AWS, e.g. test_base_scenarios.py::test_invalid_jsonpath: "An error occurred while
/// executing the state 'pass' (entered at the event id #2). Invalid path ...").
fn located(failure: Failure, state: &str, entered_id: usize) -> Failure {
    if failure.cause.starts_with(LOCATED) {
        return failure;
    }
    Failure::new(
        failure.error,
        format!(
            "{LOCATED} '{state}' (entered at the event id #{entered_id}). {}",
            failure.cause
        ),
    )
}

/// `$states` of a JSONata state: its input, the context object and, after its work,
/// `result` (or in a Catch, `errorOutput`).
pub(super) fn states_of(input: &Value, context: &Value, extra: Option<(&str, &Value)>) -> Value {
    let mut states = json!({"input": input, "context": context});
    if let Some((key, value)) = extra {
        states[key] = value.clone();
    }
    states
}

/// A JSONata state's output: its `Output` rendered from `$states`, else `default` (the
/// input; a Task's, Parallel's or Map's result; a Catch's error output).
pub(super) fn jsonata_output(
    template: Option<&Template>,
    states: &Value,
    scope: Scope,
    default: &Value,
) -> Result<Value, Stop> {
    match template {
        Some(template) => template.render(states, scope).map_err(Stop::Failed),
        None => Ok(default.clone()),
    }
}

/// A JSONata Map state's items: `Items` (an array, or an expression giving one), else
/// the state's input, which must be an array (AWS's words: LocalStack's snapshots of
/// AWS, test_base_scenarios.py::test_map_state_items_eval_jsonata_fail_*,
/// test_map_state_items_input_types_*).
pub(super) fn jsonata_items(
    map: &MapState,
    input: &Value,
    scope: Scope,
) -> Result<Vec<Value>, Stop> {
    let failed = |cause: String| Stop::Failed(Failure::new(names::QUERY_EVALUATION, cause));
    let Some(template) = &map.items else {
        return match input {
            Value::Array(items) => Ok(items.clone()),
            other => Err(failed(format!(
                "Map state input must be an array but was: {}",
                compact(other)
            ))),
        };
    };
    let states = states_of(input, scope.context, None);
    let items = template.render(&states, scope).map_err(Stop::Failed)?;
    if let Value::Array(items) = items {
        return Ok(items);
    }
    let kind = match &items {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Object(_) => "object",
        Value::Array(_) => "array",
    };
    let text = match template {
        Template::Expression { expression, .. } => expression.text().to_string(),
        _ => compact(&items),
    };
    Err(failed(format!(
        "The JSONata expression '{text}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{kind}' for value: {}",
        compact(&items)
    )))
}

/// A JSONata expression of this state failed (not one of a state inside it, whose cause
/// is located already): AWS records `EvaluationFailed` before the state's failure
/// (LocalStack's snapshots of AWS: test_assign_reference_variables.py::
/// test_undefined_reference, test_base_scenarios.py::test_map_state_items_*).
fn is_evaluation_failure(failure: &Failure) -> bool {
    failure.error == names::QUERY_EVALUATION && !failure.cause.starts_with(LOCATED)
}

/// A failure whose error and cause are both given.
fn known(failure: Failure) -> (Option<String>, Option<String>) {
    (Some(failure.error), Some(failure.cause))
}

/// The variables a state's `Assign` sets, computed from `value` (the state's result:
/// a Pass state's `Result` or `Parameters`, a Task's result after `ResultSelector`, a
/// Choice or Wait state's input) with the variables as they were when the state began
/// (LocalStack's snapshots of AWS: test_assign_reference_variables.py::
/// test_state_assign_evaluation_order, test_assign_from_value).
pub(super) fn assign(
    template: Option<&Template>,
    value: &Value,
    scope: Scope,
) -> Result<Map<String, Value>, Stop> {
    match template.map(|t| t.render(value, scope)) {
        None => Ok(Map::new()),
        Some(Ok(Value::Object(map))) => Ok(map),
        Some(Ok(_)) => Ok(Map::new()),
        Some(Err(failure)) => Err(Stop::Failed(failure)),
    }
}

pub(super) fn input_path(path: &IoPath, input: &Value, scope: Scope) -> Result<Value, Stop> {
    match path {
        IoPath::Default => Ok(input.clone()),
        IoPath::Null => Ok(json!({})),
        IoPath::Path(path) => path.select(input, scope).map_err(|_| {
            let document = scope.document(path, input);
            Stop::Failed(Failure::runtime(format!(
                "Invalid path '{path}' : {}",
                path.why_nothing(document)
            )))
        }),
    }
}

pub(super) fn output_path(path: &IoPath, output: &Value, scope: Scope) -> Result<Value, Stop> {
    input_path(path, output, scope)
}

pub(super) fn apply_result_path(
    spec: &ResultSpec,
    input: Value,
    result: Value,
) -> Result<Value, Stop> {
    match spec {
        ResultSpec::Default => Ok(result),
        ResultSpec::Discard => Ok(input),
        ResultSpec::At(path) => path.apply(input, result).map_err(|mismatch| {
            Stop::Failed(Failure::new(names::RESULT_PATH_MATCH_FAILURE, mismatch.0))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sfn::definition::Definition;
    use crate::sfn::history::History;
    use serde_json::json;

    struct Echo {
        calls: usize,
        fail_first: usize,
    }

    impl Host for Echo {
        fn invoke(&mut self, call: &TaskCall) -> Result<Value, Failure> {
            self.calls += 1;
            if self.calls <= self.fail_first {
                return Err(Failure::new("Flaky", "try again"));
            }
            Ok(json!({"Echo": call.input, "Name": call.context["Execution"]["Name"]}))
        }
    }

    fn run(def: Value, input: Value, host: &mut dyn Host) -> ExecutionOutcome {
        let definition = Definition::load("T", &def, &|_| Ok(())).unwrap();
        let info = ExecutionInfo::for_test(input);
        execute(&definition, info, 0, None, host)
    }

    /// JSONata: Arguments, Assign and Output read `$states`; Output in Assign's state
    /// sees the variables as they were; a Catch's Output reads `$states.errorOutput`;
    /// a Choice rule is a Condition (the AWS-recorded fixtures check the rest).
    #[test]
    fn jsonata_states_as_aws_runs_them() {
        let def = json!({
            "QueryLanguage": "JSONata",
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task", "Resource": "arn:aws:states:::x",
                    "Arguments": {"v": "{% $states.input.n * 2 %}", "lit": " {% not %} "},
                    "Assign": {"seen": "{% $states.result.Echo.v %}"},
                    "Output": {"v": "{% $states.result.Echo.v %}", "before": "{% $exists($seen) %}"},
                    "Next": "C"
                },
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Condition": "{% $seen = 6 %}", "Next": "F", "Output": "{% $states.input.v + 1 %}"}],
                    "Default": "F"
                },
                "F": {
                    "Type": "Task", "Resource": "arn:aws:states:::x",
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Output": {"caught": "{% $states.errorOutput.Error %}", "in": "{% $states.input %}"}, "Next": "End"}],
                    "End": true
                },
                "End": {"Type": "Succeed"}
            }
        });
        let mut host = Echo {
            calls: 0,
            fail_first: 0,
        };
        let outcome = run(def.clone(), json!({"n": 3}), &mut host);
        assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
        assert_eq!(outcome.output, Some(json!({"Echo": 7, "Name": "e1"})));
        assert_eq!(host.calls, 2);
        // The first call's arguments, and Output's view of the variables.
        let mut host = Echo {
            calls: 0,
            fail_first: 0,
        };
        let mut only_t = def.clone();
        only_t["States"]["T"]["End"] = json!(true);
        only_t["States"]["T"]
            .as_object_mut()
            .unwrap()
            .remove("Next");
        for unused in ["C", "F", "End"] {
            only_t["States"].as_object_mut().unwrap().remove(unused);
        }
        let outcome = run(only_t, json!({"n": 3}), &mut host);
        assert_eq!(outcome.output, Some(json!({"v": 6, "before": false})));
        assert_eq!(host.calls, 1);
        // A failing second Task: the Catch's Output.
        struct SecondFails(usize);
        impl Host for SecondFails {
            fn invoke(&mut self, call: &TaskCall) -> Result<Value, Failure> {
                self.0 += 1;
                match self.0 {
                    1 => Ok(json!({"Echo": call.input})),
                    _ => Err(Failure::new("Boom", "no")),
                }
            }
        }
        let outcome = run(def, json!({"n": 3}), &mut SecondFails(0));
        assert_eq!(outcome.output, Some(json!({"caught": "Boom", "in": 7})));
    }

    #[test]
    fn data_flow_through_a_task() {
        let def = json!({
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task", "Resource": "arn:aws:states:::x",
                    "InputPath": "$.in",
                    "Parameters": {"v.$": "$.v", "n.$": "$$.Execution.Name"},
                    "ResultSelector": {"got.$": "$.Echo.v"},
                    "ResultPath": "$.out",
                    "OutputPath": "$.out",
                    "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                    "End": true
                }
            }
        });
        let mut host = Echo {
            calls: 0,
            fail_first: 1,
        };
        let started = std::time::Instant::now();
        let outcome = run(def, json!({"in": {"v": 7}}), &mut host);
        assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
        assert_eq!(outcome.output, Some(json!({"got": 7})));
        assert_eq!(host.calls, 2);
        assert!(started.elapsed() >= Duration::from_millis(900));
        let kinds: Vec<&str> = outcome.history.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "ExecutionStarted",
                "TaskStateEntered",
                "TaskScheduled",
                "TaskStarted",
                "TaskFailed",
                "TaskScheduled",
                "TaskStarted",
                "TaskSucceeded",
                "TaskStateExited",
                "ExecutionSucceeded"
            ]
        );
    }

    /// RedriveExecution: the succeeded states are not run again, the failed one is, with
    /// the input it had; the history goes on after an `ExecutionRedriven` event.
    #[test]
    fn a_redrive_continues_at_the_failed_state() {
        let def = json!({
            "StartAt": "First",
            "States": {
                "First": {"Type": "Task", "Resource": "arn:aws:states:::x", "ResultPath": "$.first", "Next": "Second"},
                "Second": {"Type": "Task", "Resource": "arn:aws:states:::x",
                           "Parameters": {"n.$": "$$.Execution.RedriveCount"}, "ResultPath": "$.second", "End": true}
            }
        });
        let mut host = Echo {
            calls: 0,
            fail_first: 2,
        };
        let definition = Definition::load("T", &def, &|_| Ok(())).unwrap();
        let failed = run(def, json!({"a": 1}), &mut host);
        // The first call failed, so did the retry-less first state: fix the host, start again.
        assert_eq!(failed.status, ExecutionStatus::Failed);
        let again = redrive(
            &definition,
            failed.info.clone(),
            failed.history.clone(),
            0,
            None,
            &mut host,
        )
        .unwrap();
        assert_eq!(
            again.status,
            ExecutionStatus::Failed,
            "the second call fails too"
        );
        let calls = host.calls;
        let done = redrive(
            &definition,
            again.info.clone(),
            again.history.clone(),
            0,
            None,
            &mut host,
        )
        .unwrap();
        assert_eq!(done.status, ExecutionStatus::Succeeded, "{done:?}");
        assert_eq!(host.calls, calls + 2, "First, then Second: each once");
        assert_eq!(done.info.name, "e1");
        assert_eq!(done.output.as_ref().unwrap()["second"]["Echo"]["n"], 2);
        let kinds: Vec<&str> = done.history.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == "ExecutionRedriven").count(),
            2
        );
        assert_eq!(kinds.first(), Some(&"ExecutionStarted"));
        assert_eq!(kinds.last(), Some(&"ExecutionSucceeded"));
        let ids: Vec<u64> = done.history.iter().map(|e| e.id).collect();
        assert_eq!(
            ids,
            (1..=ids.len() as u64).collect::<Vec<_>>(),
            "one history, numbered on"
        );
        let redriven = done
            .history
            .iter()
            .rev()
            .find(|e| e.kind == "ExecutionRedriven")
            .unwrap();
        assert_eq!(
            redriven.details["executionRedrivenEventDetails"]["redriveCount"],
            2
        );
        // Now it succeeded: no more redrives.
        assert!(redrive(
            &definition,
            done.info.clone(),
            done.history.clone(),
            0,
            None,
            &mut host
        )
        .is_err());

        // A killed run's history (its start, then the abort recorded later): from StartAt.
        let mut host = Echo {
            calls: 0,
            fail_first: 0,
        };
        let mut killed = History {
            events: failed.history[..1].to_vec(),
        };
        killed.execution_aborted("States.Aborted", "killed");
        let ok = redrive(
            &definition,
            failed.info.clone(),
            killed.events,
            0,
            None,
            &mut host,
        )
        .unwrap();
        assert_eq!((ok.status, host.calls), (ExecutionStatus::Succeeded, 2));
        // A failure in the second state: the first is not run again, its result is kept.
        let mut second = History {
            events: failed.history[..1].to_vec(),
        };
        second.state_entered("Task", "First", &json!({"a": 1}));
        second.state_exited("Task", "First", &json!({"a": 1, "first": "kept"}));
        second.state_entered("Task", "Second", &json!({"a": 1, "first": "kept"}));
        second.execution_failed(Some("E"), None);
        let ok = redrive(
            &definition,
            failed.info.clone(),
            second.events,
            0,
            None,
            &mut host,
        )
        .unwrap();
        assert_eq!(
            (ok.status, host.calls),
            (ExecutionStatus::Succeeded, 3),
            "only Second ran"
        );
        assert_eq!(ok.output.unwrap()["first"], "kept");
    }

    #[test]
    fn catch_and_fail() {
        let def = json!({
            "StartAt": "T",
            "States": {
                "T": {"Type": "Task", "Resource": "arn:x", "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "F"}], "End": true},
                "F": {"Type": "Fail", "ErrorPath": "$.err.Error", "CausePath": "$.err.Cause"}
            }
        });
        let mut host = Echo {
            calls: 0,
            fail_first: 5,
        };
        let outcome = run(def, json!({"a": 1}), &mut host);
        assert_eq!(outcome.status, ExecutionStatus::Failed);
        assert_eq!(outcome.error.as_deref(), Some("Flaky"));
        assert_eq!(outcome.cause.as_deref(), Some("try again"));
        assert_eq!(
            outcome.last_data,
            json!({"a": 1, "err": {"Error": "Flaky", "Cause": "try again"}})
        );
    }

    /// As AWS answers (tests/fixtures/aws-recorded, LocalStack's snapshots of AWS).
    #[test]
    fn as_aws_answers() {
        let mut echo = Echo {
            calls: 0,
            fail_first: 0,
        };
        // test_base.test_state_fail_empty: no Error, no Cause.
        let def = json!({"StartAt": "F", "States": {"F": {"Type": "Fail"}}});
        let outcome = run(def, json!({}), &mut echo);
        assert_eq!(outcome.status, ExecutionStatus::Failed);
        assert_eq!((outcome.error, outcome.cause), (None, None));
        let last = outcome.history.last().unwrap();
        assert_eq!(last.details["executionFailedEventDetails"], json!({}));
        // test_invalid_jsonpath_INVALID_JSONPATH_IN_ERRORPATH: the state and the id of
        // the event that entered it, then AWS's wording.
        let def = json!({"StartAt": "pass", "States": {
            "pass": {"Type": "Pass", "Next": "fail", "Parameters": {"Error": "error-value"}},
            "fail": {"Type": "Fail", "ErrorPath": "$.ErrorX"}}});
        let outcome = run(def, json!({"int-literal": 0}), &mut echo);
        assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
        assert_eq!(
            outcome.cause.as_deref(),
            Some("An error occurred while executing the state 'fail' (entered at the event id #4). The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{\"Error\":\"error-value\"}'")
        );
        // test_wait.test_base_wait_seconds_path (-1 and 1.5).
        let def = json!({"StartAt": "WaitState", "States": {"WaitState": {"Type": "Wait", "SecondsPath": "$.input.waitSeconds", "End": true}}});
        for (seconds, why) in [
            (
                json!(-1),
                "references a negative value: $.input.waitSeconds == -1",
            ),
            (
                json!(1.5),
                "cannot be parsed as a long value: $.input.waitSeconds == 1.5",
            ),
        ] {
            let outcome = run(
                def.clone(),
                json!({"input": {"waitSeconds": seconds}}),
                &mut echo,
            );
            assert_eq!(
                outcome.cause.unwrap(),
                format!("An error occurred while executing the state 'WaitState' (entered at the event id #2). The SecondsPath parameter {why}")
            );
        }
        // test_base.test_query_context_object_values: no RetryCount outside Task states.
        let def = json!({"StartAt": "P", "States": {
            "P": {"Type": "Pass", "Parameters": {"s.$": "$$.State"}, "ResultPath": "$.pass", "Next": "T"},
            "T": {"Type": "Task", "Resource": "arn:aws:states:::x", "Parameters": {"s.$": "$$.State"}, "ResultSelector": {"r.$": "$.Echo.s.RetryCount"}, "ResultPath": "$.task", "End": true}}});
        let outcome = run(def, json!({}), &mut echo);
        let output = outcome.output.unwrap();
        assert!(output["pass"]["s"].get("RetryCount").is_none(), "{output}");
        assert_eq!(output["task"]["r"], json!(0));
    }

    /// `Assign` and `$name`, as AWS runs them (tests/fixtures/aws-recorded,
    /// test_assign_reference_variables.*).
    #[test]
    fn variables_as_aws_sets_them() {
        let mut echo = Echo {
            calls: 0,
            fail_first: 0,
        };
        // test_state_assign_evaluation_order: Assign reads the Result; a state's paths
        // read the variables as they were when it began.
        let def = json!({"StartAt": "State0", "States": {
            "State0": {"Type": "Pass", "Result": {"theQuestion": "?"}, "Assign": {"question.$": "$.theQuestion", "answer": 42}, "Next": "State1"},
            "State1": {"Type": "Pass", "InputPath": "$answer", "ResultPath": "$.theAnswer", "OutputPath": "$answer", "Assign": {"answer": "<omitted>"}, "End": true}}});
        assert_eq!(run(def, json!({}), &mut echo).output, Some(json!(42)));
        // test_assign_in_choice_state: no rule matched, so the state's own Assign.
        let def = json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.v", "NumericEquals": 42, "Assign": {"status": "CORRECT"}, "Next": "F"}],
                  "Assign": {"status": "INCORRECT"}, "Default": "F"},
            "F": {"Type": "Pass", "Parameters": {"result.$": "$status"}, "End": true}}});
        assert_eq!(
            run(def.clone(), json!({"v": "42"}), &mut echo).output,
            Some(json!({"result": "INCORRECT"}))
        );
        assert_eq!(
            run(def, json!({"v": 42}), &mut echo).output,
            Some(json!({"result": "CORRECT"}))
        );
        // test_variables_in_lambda_task: a Task assigns from its result; variables feed
        // Parameters, TimeoutSecondsPath and Fail paths.
        let def = json!({"StartAt": "P", "States": {
            "P": {"Type": "Pass", "Assign": {"data": {"v": 1}, "timeout": 300, "why": "because"}, "Next": "T"},
            "T": {"Type": "Task", "Resource": "arn:aws:states:::x", "TimeoutSecondsPath": "$timeout",
                  "Parameters": {"p.$": "$data"}, "Assign": {"got.$": "$.Echo.p.v"}, "Next": "F"},
            "F": {"Type": "Fail", "ErrorPath": "States.Format('E{}', $got)", "CausePath": "$why"}}});
        let outcome = run(def, json!({}), &mut echo);
        assert_eq!(outcome.error.as_deref(), Some("E1"));
        let scheduled = outcome
            .history
            .iter()
            .find(|e| e.kind == "TaskScheduled")
            .unwrap();
        assert_eq!(
            scheduled.details["taskScheduledEventDetails"]["timeoutInSeconds"],
            300
        );
        assert_eq!(outcome.cause.as_deref(), Some("because"));
    }

    /// Parallel and Map as AWS runs them (tests/fixtures/aws-recorded, LocalStack's
    /// snapshots of AWS: test_base_scenarios.test_parallel_state_order,
    /// test_map_state_break_condition, test_map_state_catch; test_assign_base.
    /// test_base_cases_BASE_SCOPE_MAP).
    #[test]
    fn parallel_and_map_as_aws_runs_them() {
        let mut echo = Echo {
            calls: 0,
            fail_first: 0,
        };
        let kinds = |outcome: &ExecutionOutcome| -> Vec<String> {
            outcome.history.iter().map(|e| e.kind.clone()).collect()
        };
        // Branch outputs in branch order; the branch reads the outer variables, and what
        // it assigns stays inside.
        let def = json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Assign": {"x": 1}, "ResultSelector": {"all.$": "$"}, "Next": "Q", "Branches": [
                {"StartAt": "B0", "States": {"B0": {"Type": "Pass", "Result": {"branch": 0}, "End": true}}},
                {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Parameters": {"seen.$": "$x"}, "Assign": {"x": 99}, "End": true}}}]},
            "Q": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": true}}}], "End": true}}});
        let outcome = run(def, json!({}), &mut echo);
        assert_eq!(outcome.status, ExecutionStatus::Failed, "{outcome:?}");
        // `$x` is not set before P ends: B1 fails at run time, and with it P.
        assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
        let def = json!({"StartAt": "S", "States": {
            "S": {"Type": "Pass", "Assign": {"x": 1}, "Next": "P"},
            "P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "B0", "States": {"B0": {"Type": "Pass", "Result": {"branch": 0}, "End": true}}},
                {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Parameters": {"seen.$": "$x"}, "Assign": {"x": 99}, "Next": "B2"},
                                             "B2": {"Type": "Pass", "Parameters": {"now.$": "$x"}, "End": true}}}]}}});
        let outcome = run(def, json!({}), &mut echo);
        assert_eq!(
            outcome.output,
            Some(json!([{"branch": 0}, {"now": 99}])),
            "{outcome:?}"
        );
        assert_eq!(
            kinds(&outcome),
            [
                "ExecutionStarted",
                "PassStateEntered",
                "PassStateExited",
                "ParallelStateEntered",
                "ParallelStateStarted",
                "PassStateEntered",
                "PassStateExited",
                "PassStateEntered",
                "PassStateExited",
                "PassStateEntered",
                "PassStateExited",
                "ParallelStateSucceeded",
                "ParallelStateExited",
                "ExecutionSucceeded"
            ]
        );
        // test_parallel_state_retry: each attempt starts again; the state fails once.
        let def = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
            "Retry": [{"ErrorEquals": ["FailureType"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.0}],
            "Branches": [{"StartAt": "Branch1", "States": {"Branch1": {"Type": "Fail", "Error": "FailureType", "Cause": "Cause description"}}}]}}});
        let mut instant = Echo {
            calls: 0,
            fail_first: 0,
        };
        let outcome = run(def, json!({}), &mut instant);
        assert_eq!(
            kinds(&outcome),
            [
                "ExecutionStarted",
                "ParallelStateEntered",
                "ParallelStateStarted",
                "FailStateEntered",
                "ParallelStateStarted",
                "FailStateEntered",
                "ParallelStateStarted",
                "FailStateEntered",
                "ParallelStateFailed",
                "ExecutionFailed"
            ]
        );
        assert_eq!(outcome.cause.as_deref(), Some("Cause description"));
        // Map: ItemSelector sees $$.Map.Item; the first failing item fails the state
        // with its own error, after MapIterationFailed and MapStateFailed.
        let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.arr", "End": true,
            "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [{"Variable": "$.v", "NumericEquals": 3, "Next": "Break"}], "Default": "Ok"},
                "Ok": {"Type": "Pass", "End": true},
                "Break": {"Type": "Fail", "Error": "SomeFailure", "Cause": "3"}}}}}});
        let outcome = run(def.clone(), json!({"arr": [1, 2]}), &mut echo);
        assert_eq!(
            outcome.output,
            Some(json!([{"i": 0, "v": 1}, {"i": 1, "v": 2}]))
        );
        let started = &outcome.history[2];
        assert_eq!(started.kind, "MapStateStarted");
        assert_eq!(
            started.details["mapStateStartedEventDetails"],
            json!({"length": 2})
        );
        assert_eq!(
            outcome.history[3].details["mapIterationStartedEventDetails"],
            json!({"index": 0, "name": "M"})
        );
        let outcome = run(def, json!({"arr": [1, 3, 5]}), &mut echo);
        assert_eq!(
            (outcome.error.as_deref(), outcome.cause.as_deref()),
            (Some("SomeFailure"), Some("3"))
        );
        let tail: Vec<String> = kinds(&outcome).into_iter().rev().take(4).collect();
        assert_eq!(
            tail,
            [
                "ExecutionFailed",
                "MapStateFailed",
                "MapIterationFailed",
                "FailStateEntered"
            ]
        );
        // A Distributed Map's items run as child executions: their events are not here;
        // a failed item past the tolerated count fails the state.
        let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailureCount": 1, "End": true,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericGreaterThan": 2, "Next": "Break"}], "Default": "Ok"},
                "Ok": {"Type": "Pass", "End": true},
                "Break": {"Type": "Fail", "Error": "Big"}}}}}});
        let outcome = run(def.clone(), json!([1, 3]), &mut echo);
        assert_eq!(outcome.status, ExecutionStatus::Succeeded, "{outcome:?}");
        assert_eq!(
            kinds(&outcome),
            [
                "ExecutionStarted",
                "MapStateEntered",
                "MapStateStarted",
                "MapRunStarted",
                "MapRunSucceeded",
                "MapStateSucceeded",
                "MapStateExited",
                "ExecutionSucceeded"
            ]
        );
        let outcome = run(def, json!([3, 4]), &mut echo);
        assert_eq!(
            outcome.error.as_deref(),
            Some("States.ExceedToleratedFailureThreshold")
        );
        // Items that are not an array, in AWS's words.
        let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}});
        let outcome = run(def, json!({"a": 1}), &mut echo);
        assert_eq!(outcome.cause.as_deref(), Some("An error occurred while executing the state 'M' (entered at the event id #2). Map state input must be an array but was: {\"a\":1}"));
        // A Map's Catch sees a failed item's error; Retry runs all items again.
        let def = json!({"StartAt": "M", "States": {
            "M": {"Type": "Map", "Next": "Done", "ItemsPath": "$.items",
                  "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": "Done"}],
                  "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::x", "End": true}}}},
            "Done": {"Type": "Pass", "End": true}}});
        let mut flaky = Echo {
            calls: 0,
            fail_first: 3,
        };
        let outcome = run(def, json!({"items": [1]}), &mut flaky);
        assert_eq!(flaky.calls, 2, "one try and one retry");
        assert_eq!(
            outcome.output,
            Some(json!({"items": [1], "caught": {"Error": "Flaky", "Cause": "try again"}}))
        );
    }

    #[test]
    fn choice_without_match_and_timeouts() {
        let def = json!({
            "StartAt": "C",
            "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "S"}]}, "S": {"Type": "Succeed"}}
        });
        let outcome = run(
            def,
            json!({"x": 2}),
            &mut Echo {
                calls: 0,
                fail_first: 0,
            },
        );
        assert_eq!(outcome.error.as_deref(), Some("States.NoChoiceMatched"));
        let def = json!({"StartAt": "W", "TimeoutSeconds": 1, "States": {"W": {"Type": "Wait", "Seconds": 30, "End": true}}});
        let started = std::time::Instant::now();
        let outcome = run(
            def,
            json!({}),
            &mut Echo {
                calls: 0,
                fail_first: 0,
            },
        );
        assert_eq!(outcome.status, ExecutionStatus::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
