//! The Map state: the items (`ItemsPath` of the effective input, an array) each run
//! through the item processor (`ItemProcessor`, or the older `Iterator`), one after the
//! other in index order, on the item or on what `ItemSelector` (the older `Parameters`)
//! renders for it; the result is the array of their outputs, in index order.
//! `MaxConcurrency` is checked but changes nothing, since items run one at a time.
//!
//! Inline, the items' events are in this execution's history (`MapStateStarted`
//! {length}, then per item `MapIterationStarted`, its states, `MapIterationSucceeded`
//! or `MapIterationFailed`; then `MapStateSucceeded` or `MapStateFailed`), and the first
//! item that fails fails the state with its own error and cause (LocalStack's snapshot
//! of AWS: test_base_scenarios.test_map_state_break_condition, and
//! test_map_state_catch_empty_fail: a Fail state with neither Error nor Cause fails the
//! execution with neither). Distributed (`ProcessorConfig.Mode: DISTRIBUTED`), each item
//! is a child execution whose events are in its own history (a `MapRunStarted` here),
//! and failed items are tolerated up to `ToleratedFailureCount`/`Percentage`; past
//! that the state fails with `States.ExceedToleratedFailureThreshold` (AWS's Distributed
//! Map documentation; the cause as AWS's TestState API words it, LocalStack's snapshot
//! test_state_configuration.snapshot.json).

use super::{input_path, Rules, Run, Step, Stop};
use crate::sfn::context::ExecutionInfo;
use crate::sfn::definition::{Given, MapState, State};
use crate::sfn::errors::Failure;
use crate::sfn::path::{compact, Path, Scope};
use crate::sfn::payload::Template;
use crate::sfn::time::Timestamp;
use serde_json::{json, Value};

impl<'a> Run<'a> {
    pub(super) fn map(
        &mut self,
        state: &'a State,
        map: &'a MapState,
        input: &Value,
        entered: Timestamp,
    ) -> Result<Step, Stop> {
        let outcome = &map.outcome;
        let rules = Rules::of_branches(outcome, "MapStateFailed");
        self.retrying(state, rules, input, entered, &mut |run, scope| {
            let effective = input_path(&state.input_path, input, scope)?;
            // With an ItemReader the items come from S3 once the Map Run has started, and
            // ItemsPath is not read (test_map_item_reader_base_json_with_items_path: the
            // same items from the object whatever ItemsPath says, even a path to nothing).
            // Under JSONata, `Items` or the input.
            let given = match &map.item_reader {
                Some(_) => None,
                None if state.jsonata => Some(super::jsonata_items(map, input, scope)?),
                None => Some(items_of(map, &effective, scope)?),
            };
            // MaxConcurrency is read before MapStateStarted, the tolerated failures after
            // it (LocalStack's snapshots of AWS: test_max_concurrency_path[NoNumber] and
            // test_map_state_tolerated_failure_count_path[NoNumber]).
            max_concurrency(map, &effective, scope)?;
            // A reader's items are not counted yet: `length` 0 (test_map_item_reader_*).
            run.history
                .map_state_started(given.as_ref().map_or(0, Vec::len));
            let max_items = match &map.item_reader {
                Some(reader) => reader.max_items(&effective, scope)?,
                None => 0,
            };
            let limits = Limits::read(map, &effective, scope)?;
            let batches = match &map.item_batcher {
                Some(batcher) => Some(batcher.limits(&effective, scope)?),
                None => None,
            };
            if map.distributed {
                // Named by the Label, else the state (test_map_state_label's recording:
                // `mapRun:<machine>/TestMap:<id>`).
                let map_run = format!(
                    "{}/{}:{}",
                    map_run_prefix(&run.info.machine_arn),
                    map.label.as_deref().unwrap_or(&state.name),
                    crate::sfn::ids::uuid_v4()
                );
                run.history.map_run_started(&map_run);
            }
            let items = match &map.item_reader {
                None => given.unwrap_or_default(),
                // A reader's failure is the Map Run's (test_map_item_reader_csv_headers_
                // decl_duplicate_headers: MapRunFailed, MapStateFailed, with its error).
                Some(reader) => match reader.read(&mut *run.host, &effective, scope, max_items) {
                    Ok(items) => items,
                    Err(failure) => {
                        run.history.map_run_failed(&failure.error, &failure.cause);
                        return Err(Stop::Failed(failure));
                    }
                },
            };
            let select_item = |index: usize, item: Value| -> Result<Value, Stop> {
                match &map.item_selector {
                    None => Ok(item),
                    Some(template) => {
                        let mut context = scope.context.clone();
                        context["Map"] = json!({"Item": {"Index": index, "Value": item}});
                        let item_scope = Scope {
                            context: &context,
                            variables: scope.variables,
                        };
                        let data = match state.jsonata {
                            true => super::states_of(input, &context, None),
                            false => effective.clone(),
                        };
                        template.render(&data, item_scope).map_err(Stop::Failed)
                    }
                }
            };
            // Batched, each item goes through ItemSelector first ("ItemSelector (Map)":
            // it overrides the items' values before they are passed on), then the batches
            // are the child executions' inputs.
            let (items, selected) = match &batches {
                None => (items, false),
                Some(limits) => {
                    let mut chosen = Vec::with_capacity(items.len());
                    for (index, item) in items.into_iter().enumerate() {
                        chosen.push(select_item(index, item)?);
                    }
                    (limits.batches(chosen), true)
                }
            };
            let total = items.len();
            let outer = run.variables.clone();
            let mut outputs = Vec::with_capacity(total);
            let mut failed = 0usize;
            for (index, item) in items.into_iter().enumerate() {
                let item_input = if selected {
                    item
                } else {
                    select_item(index, item)?
                };
                let result = if map.distributed {
                    // A child execution: its own history, from its own ExecutionStarted,
                    // and its own facts in `$$`.
                    let label = map.label.as_deref().unwrap_or(&state.name);
                    let child = child_execution(&run.info, label, &item_input);
                    let parent_info = std::mem::replace(&mut run.info, child);
                    let parent = std::mem::take(&mut run.history);
                    run.history.execution_started(
                        &item_input,
                        &run.info.role_arn,
                        &run.info.machine_arn,
                    );
                    let (result, _) =
                        run.run_states(&map.processor.start_at, &map.processor.states, item_input);
                    run.history = parent;
                    run.info = parent_info;
                    result
                } else {
                    run.history
                        .map_iteration("MapIterationStarted", &state.name, index);
                    let (result, _) =
                        run.run_states(&map.processor.start_at, &map.processor.states, item_input);
                    result
                };
                run.variables = outer.clone();
                match result {
                    Ok(output) => {
                        if !map.distributed {
                            run.history
                                .map_iteration("MapIterationSucceeded", &state.name, index);
                        }
                        outputs.push(output);
                    }
                    Err(stop @ (Stop::TimedOut | Stop::Aborted(_))) => return Err(stop),
                    Err(stop) if !map.distributed => {
                        run.history
                            .map_iteration("MapIterationFailed", &state.name, index);
                        return Err(stop);
                    }
                    Err(stop) => {
                        failed += 1;
                        if limits.exceeded(failed, total) {
                            let failure = Failure::new(
                                "States.ExceedToleratedFailureThreshold",
                                "The specified tolerated failure threshold was exceeded",
                            );
                            run.history.map_run_failed(&failure.error, &failure.cause);
                            return Err(Stop::Failed(failure));
                        }
                        outputs.push(failed_item(stop));
                    }
                }
            }
            if map.distributed {
                run.history.plain("MapRunSucceeded");
            }
            run.history.plain("MapStateSucceeded");
            run.finish(
                state,
                outcome.result_selector.as_ref(),
                &outcome.result_path,
                input,
                Value::Array(outputs),
                scope,
            )
        })
    }
}

/// The items at `ItemsPath` of the effective input, which must be an array.
fn items_of(map: &MapState, effective: &Value, scope: Scope) -> Result<Vec<Value>, Stop> {
    let items = match &map.items_path {
        None => effective.clone(),
        Some(path) => path.select(effective, scope).map_err(|_| {
            Stop::Failed(Failure::runtime(format!(
                "Invalid path '{path}' : {}",
                path.why_nothing(scope.document(path, effective))
            )))
        })?,
    };
    // AWS's words for items that are not an array (LocalStack's snapshots of
    // AWS: test_base_scenarios.test_map_state_items_input_types_*, where the
    // items come from JSONata `Items`).
    match items {
        Value::Array(items) => Ok(items),
        other => Err(Stop::Failed(Failure::runtime(format!(
            "Map state input must be an array but was: {}",
            compact(&other)
        )))),
    }
}

/// What a Distributed Map's child execution knows of itself (`$$.Execution`,
/// `$$.StateMachine`): it runs under the labelled machine
/// `arn:...:stateMachine:<machine>/<label>` (AWS's "Viewing a Distributed Map Run
/// execution": child workflow executions' metrics carry that ARN;
/// DescribeStateMachineForExecution of a child answers with its Map Run and label),
/// named by a UUID, its input the item. No recording reads `$$` inside a child.
fn child_execution(parent: &ExecutionInfo, label: &str, input: &Value) -> ExecutionInfo {
    let machine_arn = format!("{}/{label}", parent.machine_arn);
    let name = crate::sfn::ids::uuid_v4();
    ExecutionInfo {
        arn: crate::sfn::names::execution_arn(&machine_arn, &name),
        name,
        machine_name: format!("{}/{label}", parent.machine_name),
        machine_arn,
        role_arn: parent.role_arn.clone(),
        start: Timestamp::now(),
        input: input.clone(),
        redrive_count: 0,
    }
}

/// `arn:aws:states:r:a:stateMachine:M` -> `arn:aws:states:r:a:mapRun:M` (a Map Run's ARN
/// is `...:mapRun:<machine>/<label or state>:<id>`, AWS's DescribeMapRun reference).
fn map_run_prefix(machine_arn: &str) -> String {
    machine_arn.replacen(":stateMachine:", ":mapRun:", 1)
}

/// A tolerated failed item's place in the results: its error and cause. No recording
/// shows what AWS puts there; this keeps one entry per item, saying why it failed.
fn failed_item(stop: Stop) -> Value {
    match stop {
        Stop::Failed(failure) => failure.to_value(),
        Stop::Fail(error, cause) => json!({"Error": error, "Cause": cause}),
        Stop::TimedOut | Stop::Aborted(_) => Value::Null,
    }
}

/// Checks `MaxConcurrencyPath`'s value, as AWS does (test_max_concurrency_path_*); the
/// items run one at a time whatever it says.
fn max_concurrency(map: &MapState, input: &Value, scope: Scope) -> Result<(), Stop> {
    if let Some(Given::Expression(t)) = &map.max_concurrency {
        evaluated(t, "MaxConcurrency", input, scope)?;
    }
    if let Some(Given::Path(path)) = &map.max_concurrency {
        let value = select(path, input, scope)?;
        if integer(&value).is_none() {
            return Err(not_a_number("MaxConcurrencyPath", &value, "integer", path));
        }
        // No recording says how AWS words a negative value (its history of
        // test_max_concurrency_path_negative ends at ExecutionStarted): LocalStack's words.
        if integer(&value).is_some_and(|n| n < 0) {
            return Err(Stop::Failed(Failure::runtime(format!(
                "Expected non-negative integer for MaxConcurrency, got '{}' instead.",
                compact(&value)
            ))));
        }
    }
    Ok(())
}

/// The numbers a Map state reads before its items run, each checked as AWS checks it.
struct Limits {
    tolerated_count: Option<u64>,
    tolerated_percentage: Option<f64>,
}

impl Limits {
    /// Reads `ToleratedFailureCount(Path)` and
    /// `ToleratedFailurePercentage(Path)`; the causes as AWS words them (LocalStack's
    /// snapshots of AWS: test_base_scenarios.test_max_concurrency_path_*,
    /// test_map_state_tolerated_failure_count_path_*, ..._percentage_path_*).
    fn read(map: &MapState, input: &Value, scope: Scope) -> Result<Limits, Stop> {
        let tolerated_count = match &map.tolerated_failure_count {
            None => None,
            Some(Given::Value(n)) => Some(*n),
            Some(Given::Expression(t)) => {
                Some(evaluated(t, "ToleratedFailureCount", input, scope)? as u64)
            }
            Some(Given::Path(path)) => {
                let value = select(path, input, scope)?;
                let n = integer(&value).ok_or_else(|| {
                    not_a_number("ToleratedFailureCountPath", &value, "integer", path)
                })?;
                if n < 0 {
                    return Err(Stop::Failed(Failure::runtime(
                        "ToleratedFailureCount cannot be negative.",
                    )));
                }
                Some(n as u64)
            }
        };
        let tolerated_percentage = match &map.tolerated_failure_percentage {
            None => None,
            Some(Given::Value(p)) => Some(*p),
            Some(Given::Expression(t)) => {
                Some(evaluated(t, "ToleratedFailurePercentage", input, scope)?.min(100.0))
            }
            Some(Given::Path(path)) => {
                let value = select(path, input, scope)?;
                let p = match &value {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => s.parse::<i64>().ok().map(|n| n as f64),
                    _ => None,
                }
                .ok_or_else(|| {
                    not_a_number("ToleratedFailurePercentagePath", &value, "float", path)
                })?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(Stop::Failed(Failure::runtime(
                        "ToleratedFailurePercentage must be between 0 and 100.",
                    )));
                }
                Some(p)
            }
        };
        Ok(Limits {
            tolerated_count,
            tolerated_percentage,
        })
    }

    /// Whether `failed` of `total` items is more than the state tolerates (nothing,
    /// when it gives neither a count nor a percentage).
    fn exceeded(&self, failed: usize, total: usize) -> bool {
        let by_count = self.tolerated_count.map(|c| failed as u64 > c);
        let by_percentage = self
            .tolerated_percentage
            .map(|p| failed as f64 * 100.0 / total.max(1) as f64 > p);
        match (by_count, by_percentage) {
            (None, None) => failed > 0,
            (count, percentage) => count.unwrap_or(false) || percentage.unwrap_or(false),
        }
    }
}

/// A JSONata `MaxConcurrency` / `ToleratedFailure...`: a non-negative number. (No
/// recording shows AWS's words for another value: these are ours.)
pub(super) fn evaluated(
    template: &Template,
    field: &str,
    input: &Value,
    scope: Scope,
) -> Result<f64, Stop> {
    let states = super::states_of(input, scope.context, None);
    let value = template.render(&states, scope).map_err(Stop::Failed)?;
    value.as_f64().filter(|n| *n >= 0.0).ok_or_else(|| {
        Stop::Failed(Failure::new(
            crate::sfn::errors::names::QUERY_EVALUATION,
            format!(
                "The {field} field must be a non-negative number, got {}",
                compact(&value)
            ),
        ))
    })
}

pub(super) fn select(path: &Path, input: &Value, scope: Scope) -> Result<Value, Stop> {
    path.select(input, scope).map_err(|_| {
        Stop::Failed(Failure::runtime(format!(
            "Invalid path '{path}' : {}",
            path.why_nothing(scope.document(path, input))
        )))
    })
}

/// An integer, or a string holding one (AWS reads `"1"` as 1).
pub(super) fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// `The <field> field refers to value "<value>" which is not a valid <kind>: <path>`,
/// the value as text (a string without its quotes).
pub(super) fn not_a_number(field: &str, value: &Value, kind: &str, path: &Path) -> Stop {
    let text = match value {
        Value::String(s) => s.clone(),
        other => compact(other),
    };
    Stop::Failed(Failure::runtime(format!(
        "The {field} field refers to value \"{text}\" which is not a valid {kind}: {path}"
    )))
}

#[cfg(test)]
mod tests {
    use super::super::{execute, Host, TaskCall};
    use crate::sfn::context::ExecutionInfo;
    use crate::sfn::definition::Definition;
    use crate::sfn::errors::Failure;
    use serde_json::{json, Value};

    struct NoTasks;

    impl Host for NoTasks {
        fn invoke(&mut self, _call: &TaskCall) -> Result<Value, Failure> {
            Err(Failure::new("NoTasks", "none here"))
        }
    }

    /// Inside a Distributed Map's child execution, `$$` is the child's: its ARN under the
    /// labelled machine, its input the item; the ItemSelector (rendered in the parent)
    /// still sees the parent's.
    #[test]
    fn a_child_execution_knows_itself() {
        let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "Label": "Rows", "End": true,
            "ItemSelector": {"parent.$": "$$.Execution.Name", "value.$": "$$.Map.Item.Value"},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true, "Parameters": {
                    "id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name", "input.$": "$$.Execution.Input",
                    "machine.$": "$$.StateMachine.Id", "machine_name.$": "$$.StateMachine.Name",
                    "role.$": "$$.Execution.RoleArn"}}}}}}});
        let definition = Definition::load("T", &def, &|_| Ok(())).unwrap();
        let info = ExecutionInfo::for_test(json!([7]));
        let outcome = execute(&definition, info, 0, None, &mut NoTasks);
        let output = outcome.output.expect("succeeded");
        let child = &output[0];
        let name = child["name"].as_str().unwrap();
        assert_eq!(name.len(), 36, "a UUID: {name}");
        assert_eq!(
            child["id"],
            format!("arn:aws:states:local:0:execution:T/Rows:{name}")
        );
        assert_eq!(child["input"], json!({"parent": "e1", "value": 7}));
        assert_eq!(
            child["machine"],
            "arn:aws:states:local:0:stateMachine:T/Rows"
        );
        assert_eq!(child["machine_name"], "T/Rows");
        assert_eq!(child["role"], "arn:aws:iam::0:role/r");
    }
}
