//! The structural rules of the States Language that this project enforces before it
//! renders a machine: the start state and every transition target exist, every state is
//! reachable, some state ends the execution, Choice states have branches, Task resources
//! are service-integration ARNs, and names fit the 80-character limit.

use super::{State, StateMachine};
use std::collections::{BTreeSet, VecDeque};

/// A state machine that breaks a structural rule.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MachineError {
    #[error("StartAt names `{0}`, which is not a state")]
    MissingStart(String),
    #[error("state `{from}` goes to `{to}`, which is not a state")]
    MissingTarget { from: String, to: String },
    #[error("state `{0}` can never be reached from StartAt")]
    Unreachable(String),
    #[error("no state ends the execution (no End, Succeed or Fail)")]
    NoTerminal,
    #[error("Choice state `{0}` has no branches")]
    EmptyChoice(String),
    #[error("Task state `{state}` has resource `{resource}`, which is not an `arn:...:states:::` integration or a Lambda ARN")]
    BadResource { state: String, resource: String },
    #[error("state name `{0}` is empty or longer than 80 characters")]
    BadName(String),
    #[error("state `{0}` is defined twice")]
    Duplicate(String),
    #[error("Fail state `{0}` has neither Cause nor CausePath: say why it failed")]
    SilentFail(String),
}

impl StateMachine {
    /// Checks the machine; the first broken rule is the error.
    pub(crate) fn check(&self) -> Result<(), MachineError> {
        if let Some(name) = self.duplicate_names.first() {
            return Err(MachineError::Duplicate(name.clone()));
        }
        if !self.states.contains_key(&self.start_at) {
            return Err(MachineError::MissingStart(self.start_at.clone()));
        }
        for (name, state) in &self.states {
            if name.is_empty() || name.chars().count() > 80 {
                return Err(MachineError::BadName(name.clone()));
            }
            for (_, target) in state.edges() {
                if !self.states.contains_key(target) {
                    return Err(MachineError::MissingTarget {
                        from: name.clone(),
                        to: target.to_string(),
                    });
                }
            }
            match state {
                State::Choice(choice) if choice.choices.is_empty() => {
                    return Err(MachineError::EmptyChoice(name.clone()))
                }
                State::Task(task) if !is_task_resource(&task.resource) => {
                    return Err(MachineError::BadResource {
                        state: name.clone(),
                        resource: task.resource.clone(),
                    })
                }
                State::Fail(fail) if fail.cause.is_none() && fail.cause_path.is_none() => {
                    return Err(MachineError::SilentFail(name.clone()))
                }
                _ => {}
            }
        }
        let reachable = self.reachable();
        if let Some(name) = self
            .states
            .keys()
            .find(|name| !reachable.contains(name.as_str()))
        {
            return Err(MachineError::Unreachable(name.clone()));
        }
        if !self.states.values().any(State::is_terminal) {
            return Err(MachineError::NoTerminal);
        }
        Ok(())
    }

    fn reachable(&self) -> BTreeSet<&str> {
        let mut seen = BTreeSet::from([self.start_at.as_str()]);
        let mut queue = VecDeque::from([self.start_at.as_str()]);
        while let Some(name) = queue.pop_front() {
            let Some(state) = self.states.get(name) else {
                continue;
            };
            for (_, target) in state.edges() {
                if seen.insert(target) {
                    queue.push_back(target);
                }
            }
        }
        seen
    }
}

/// `arn:<partition>:states:::<service>:<action>[.sync[:2]|.waitForTaskToken]` or a Lambda
/// function ARN; `${AWS::Partition}` stands for the partition until CloudFormation fills it.
fn is_task_resource(resource: &str) -> bool {
    let Some(rest) = resource.strip_prefix("arn:") else {
        return false;
    };
    let (partition_ok, rest) = match rest.strip_prefix("${AWS::Partition}:") {
        Some(rest) => (true, rest),
        None => match rest.split_once(':') {
            Some((partition, rest)) => (partition.starts_with("aws"), rest),
            None => return false,
        },
    };
    let integration = rest
        .strip_prefix("states:::")
        .is_some_and(|action| action.split(':').filter(|part| !part.is_empty()).count() >= 2);
    partition_ok && (integration || rest.starts_with("lambda:"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asl::{Choice, Condition, Fail, Pass, Succeed, Task, Transition};
    use serde_json::json;

    fn next(name: &str) -> Transition {
        Transition::Next(name.to_string())
    }

    fn valid() -> StateMachine {
        StateMachine::new("m", "Decide")
            .state(
                "Decide",
                Choice::new()
                    .when(Condition::is_true("$.go"), "Work")
                    .otherwise("Stop"),
            )
            .state(
                "Work",
                Task::new(
                    "arn:${AWS::Partition}:states:::sagemaker:createModel",
                    next("Done"),
                ),
            )
            .state("Done", Succeed::default())
            .state("Stop", Fail::new("Stopped", "asked to stop"))
    }

    #[test]
    fn a_valid_machine_passes() {
        assert_eq!(valid().check(), Ok(()));
    }

    #[test]
    fn each_rule_is_enforced() {
        let cases: Vec<(StateMachine, MachineError)> = vec![
            (
                StateMachine {
                    start_at: "Nowhere".into(),
                    ..valid()
                },
                MachineError::MissingStart("Nowhere".into()),
            ),
            (
                valid().state("Done", Pass::new(json!({}), next("Ghost"))),
                MachineError::Duplicate("Done".into()),
            ),
            (
                valid().state("Orphan", Succeed::default()),
                MachineError::Unreachable("Orphan".into()),
            ),
            (
                valid().state(
                    "Work",
                    Task::new("arn:aws:states:::sagemaker:createModel", next("Ghost")),
                ),
                MachineError::Duplicate("Work".into()),
            ),
            (
                StateMachine::new("m", "A").state("A", Pass::new(json!({}), next("Ghost"))),
                MachineError::MissingTarget {
                    from: "A".into(),
                    to: "Ghost".into(),
                },
            ),
            (
                StateMachine::new("m", "A")
                    .state("A", Pass::new(json!({}), next("B")))
                    .state("B", Pass::new(json!({}), next("A"))),
                MachineError::NoTerminal,
            ),
            (
                StateMachine::new("m", "A").state("A", Choice::new()),
                MachineError::EmptyChoice("A".into()),
            ),
            (
                StateMachine::new("m", "A")
                    .state("A", Task::new("sagemaker:createModel", Transition::End)),
                MachineError::BadResource {
                    state: "A".into(),
                    resource: "sagemaker:createModel".into(),
                },
            ),
            (
                StateMachine::new("m", "A").state(
                    "A",
                    Fail {
                        error: Some("E".into()),
                        error_path: None,
                        cause: None,
                        cause_path: None,
                    },
                ),
                MachineError::SilentFail("A".into()),
            ),
        ];
        for (machine, expected) in cases {
            assert_eq!(machine.check(), Err(expected));
        }
    }
}
