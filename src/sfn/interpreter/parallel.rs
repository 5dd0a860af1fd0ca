//! The Parallel state: each branch runs on the state's effective input (after
//! `InputPath` and `Parameters`), one after the other in the order the definition gives
//! them; the result is the array of their outputs, in that order. A branch that fails
//! fails the state with the branch's own error and cause, which the state's Retry and
//! Catch then see. Variables a branch assigns stay in the branch.
//!
//! As AWS runs it (LocalStack's snapshots of AWS, tests/fixtures/aws-recorded:
//! test_base_scenarios.test_parallel_state_order: `ParallelStateEntered`,
//! `ParallelStateStarted`, the branches' events, `ParallelStateSucceeded`,
//! `ParallelStateExited`, and the outputs in branch order; test_parallel_state_fail:
//! the failing branch's error, `ParallelStateFailed`; test_assign_base.
//! test_base_parallel_cases_BASE_SCOPE_PARALLEL: branches read the outer variables).

use super::{input_path, Rules, Run, Step, Stop};
use crate::sfn::definition::{Parallel, State};
use crate::sfn::time::Timestamp;
use serde_json::Value;

impl<'a> Run<'a> {
    pub(super) fn parallel(
        &mut self,
        state: &'a State,
        parallel: &'a Parallel,
        input: &Value,
        entered: Timestamp,
    ) -> Result<Step, Stop> {
        let outcome = &parallel.outcome;
        let rules = Rules::of_branches(outcome, "ParallelStateFailed");
        self.retrying(state, rules, input, entered, &mut |run, scope| {
            let effective = input_path(&state.input_path, input, scope)?;
            let data = match state.jsonata {
                true => super::states_of(input, scope.context, None),
                false => effective.clone(),
            };
            let effective = match &parallel.parameters {
                Some(template) => template.render(&data, scope).map_err(Stop::Failed)?,
                None => effective,
            };
            run.history.plain("ParallelStateStarted");
            let outer = run.variables.clone();
            let mut outputs = Vec::with_capacity(parallel.branches.len());
            for branch in &parallel.branches {
                let (result, _) =
                    run.run_states(&branch.start_at, &branch.states, effective.clone());
                run.variables = outer.clone();
                match result {
                    Ok(output) => outputs.push(output),
                    Err(stop) => return Err(stop),
                }
            }
            run.history.plain("ParallelStateSucceeded");
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
