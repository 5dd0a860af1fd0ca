//! A typed model of the Amazon States Language subset this project renders: Task,
//! Choice, Pass, Wait, Succeed and Fail states with Retry, Catch and the data-flow
//! fields. [`StateMachine::check`] enforces the structural rules of the specification
//! (targets exist, everything is reachable, terminal states terminate, Task resources
//! are well formed) so a broken machine is an error at synth time, never a template.

mod check;
mod choice;
mod graph;

pub(crate) use check::MachineError;
pub(crate) use choice::{Branch, Condition, Test};
pub(crate) use graph::{render as render_graph, GraphFormat};

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A whole state machine definition.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct StateMachine {
    pub(crate) comment: String,
    pub(crate) start_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) timeout_seconds: Option<u64>,
    pub(crate) states: BTreeMap<String, State>,
    /// Names added twice; `check` reports them.
    #[serde(skip)]
    duplicate_names: Vec<String>,
}

impl StateMachine {
    pub(crate) fn new(comment: impl Into<String>, start_at: impl Into<String>) -> StateMachine {
        StateMachine {
            comment: comment.into(),
            start_at: start_at.into(),
            timeout_seconds: None,
            states: BTreeMap::new(),
            duplicate_names: Vec::new(),
        }
    }

    /// Adds a state; a name used twice is reported by `check`.
    pub(crate) fn state(mut self, name: &str, state: impl Into<State>) -> StateMachine {
        if self.states.insert(name.to_string(), state.into()).is_some() {
            self.duplicate_names.push(name.to_string());
        }
        self
    }

    pub(crate) fn timeout(mut self, seconds: u64) -> StateMachine {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// The definition as compact JSON, as embedded in a template's `DefinitionString`.
    pub(crate) fn to_compact_json(&self) -> String {
        serde_json::to_string(self).expect("a state machine always serialises")
    }
}

/// One state. Serialised with its `Type`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "Type")]
pub(crate) enum State {
    Task(Task),
    Choice(Choice),
    Pass(Pass),
    Wait(Wait),
    Succeed(Succeed),
    Fail(Fail),
}

/// Where a non-terminal, non-Choice state goes next.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Transition {
    Next(String),
    End,
}

impl Serialize for Transition {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            Transition::Next(next) => map.serialize_entry("Next", next)?,
            Transition::End => map.serialize_entry("End", &true)?,
        }
        map.end()
    }
}

/// `ResultPath`: where a state's result goes. `Discard` renders as `null` (keep the input).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ResultPath {
    At(String),
    Discard,
}

impl Serialize for ResultPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ResultPath::At(path) => serializer.serialize_str(path),
            ResultPath::Discard => serializer.serialize_none(),
        }
    }
}

/// A Task state: calls a service integration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Task {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) comment: Option<String>,
    pub(crate) resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) parameters: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) result_selector: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) result_path: Option<ResultPath>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) timeout_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) retry: Vec<Retrier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) catch: Vec<Catcher>,
    #[serde(flatten)]
    pub(crate) transition: Transition,
}

impl Task {
    pub(crate) fn new(resource: impl Into<String>, transition: Transition) -> Task {
        Task {
            comment: None,
            resource: resource.into(),
            parameters: None,
            result_selector: None,
            result_path: None,
            timeout_seconds: None,
            retry: Vec::new(),
            catch: Vec::new(),
            transition,
        }
    }

    pub(crate) fn comment(mut self, comment: impl Into<String>) -> Task {
        self.comment = Some(comment.into());
        self
    }

    pub(crate) fn parameters(mut self, parameters: Value) -> Task {
        self.parameters = Some(parameters);
        self
    }

    pub(crate) fn result_selector(mut self, selector: Value) -> Task {
        self.result_selector = Some(selector);
        self
    }

    pub(crate) fn result_path(mut self, path: &str) -> Task {
        self.result_path = Some(ResultPath::At(path.to_string()));
        self
    }

    pub(crate) fn discard_result(mut self) -> Task {
        self.result_path = Some(ResultPath::Discard);
        self
    }

    pub(crate) fn retry(mut self, retrier: Retrier) -> Task {
        self.retry.push(retrier);
        self
    }

    pub(crate) fn catch(mut self, catcher: Catcher) -> Task {
        self.catch.push(catcher);
        self
    }
}

/// A Retry rule.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Retrier {
    pub(crate) error_equals: Vec<String>,
    pub(crate) interval_seconds: u32,
    pub(crate) max_attempts: u32,
    pub(crate) backoff_rate: f64,
}

/// A Catch rule.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Catcher {
    pub(crate) error_equals: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) result_path: Option<String>,
    pub(crate) next: String,
}

/// A Choice state: the first branch whose condition holds wins, else `Default`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Choice {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) comment: Option<String>,
    pub(crate) choices: Vec<Branch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) default: Option<String>,
}

impl Choice {
    pub(crate) fn new() -> Choice {
        Choice {
            comment: None,
            choices: Vec::new(),
            default: None,
        }
    }

    pub(crate) fn comment(mut self, comment: impl Into<String>) -> Choice {
        self.comment = Some(comment.into());
        self
    }

    pub(crate) fn when(mut self, condition: Condition, next: &str) -> Choice {
        self.choices.push(Branch {
            condition,
            next: next.to_string(),
        });
        self
    }

    pub(crate) fn otherwise(mut self, next: &str) -> Choice {
        self.default = Some(next.to_string());
        self
    }
}

impl Default for Choice {
    fn default() -> Choice {
        Choice::new()
    }
}

/// A Pass state: reshapes its input with `Parameters`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Pass {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) parameters: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) result_path: Option<ResultPath>,
    #[serde(flatten)]
    pub(crate) transition: Transition,
}

impl Pass {
    pub(crate) fn new(parameters: Value, transition: Transition) -> Pass {
        Pass {
            comment: None,
            parameters: Some(parameters),
            result_path: None,
            transition,
        }
    }

    pub(crate) fn comment(mut self, comment: impl Into<String>) -> Pass {
        self.comment = Some(comment.into());
        self
    }

    pub(crate) fn result_path(mut self, path: &str) -> Pass {
        self.result_path = Some(ResultPath::At(path.to_string()));
        self
    }
}

/// A Wait state with a fixed delay.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Wait {
    pub(crate) seconds: u64,
    #[serde(flatten)]
    pub(crate) transition: Transition,
}

/// A Succeed state.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Succeed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) comment: Option<String>,
}

/// A Fail state. The project's rule: every Fail says what failed (`Error`) and why
/// (`Cause`, or `CausePath` to take the reason from the state's input).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Fail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cause: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cause_path: Option<String>,
}

impl Fail {
    pub(crate) fn new(error: &str, cause: &str) -> Fail {
        Fail {
            error: Some(error.to_string()),
            error_path: None,
            cause: Some(cause.to_string()),
            cause_path: None,
        }
    }

    pub(crate) fn cause_from(error: &str, path: &str) -> Fail {
        Fail {
            error: Some(error.to_string()),
            error_path: None,
            cause: None,
            cause_path: Some(path.to_string()),
        }
    }

    /// Re-raises a caught error: its name and cause from the state's input.
    pub(crate) fn rethrow(error_path: &str, cause_path: &str) -> Fail {
        Fail {
            error: None,
            error_path: Some(error_path.to_string()),
            cause: None,
            cause_path: Some(cause_path.to_string()),
        }
    }
}

macro_rules! into_state {
    ($($kind:ident),*) => {$(
        impl From<$kind> for State {
            fn from(state: $kind) -> State {
                State::$kind(state)
            }
        }
    )*};
}
into_state!(Task, Choice, Pass, Wait, Succeed, Fail);

impl State {
    /// Every state this one can go to, with a label for diagrams.
    pub(crate) fn edges(&self) -> Vec<(String, &str)> {
        fn transition(t: &Transition) -> Vec<(String, &str)> {
            match t {
                Transition::Next(next) => vec![(String::new(), next.as_str())],
                Transition::End => Vec::new(),
            }
        }
        match self {
            State::Task(task) => {
                let mut edges = transition(&task.transition);
                for catcher in &task.catch {
                    edges.push((
                        format!("catch {}", catcher.error_equals.join(", ")),
                        &catcher.next,
                    ));
                }
                edges
            }
            State::Choice(choice) => {
                let mut edges: Vec<(String, &str)> = choice
                    .choices
                    .iter()
                    .map(|branch| (branch.condition.to_string(), branch.next.as_str()))
                    .collect();
                if let Some(default) = &choice.default {
                    edges.push(("otherwise".to_string(), default));
                }
                edges
            }
            State::Pass(pass) => transition(&pass.transition),
            State::Wait(wait) => {
                let mut edges = transition(&wait.transition);
                if let Some(edge) = edges.first_mut() {
                    edge.0 = format!("after {} s", wait.seconds);
                }
                edges
            }
            State::Succeed(_) | State::Fail(_) => Vec::new(),
        }
    }

    /// True for states that may end an execution.
    pub(crate) fn is_terminal(&self) -> bool {
        match self {
            State::Task(Task { transition, .. })
            | State::Pass(Pass { transition, .. })
            | State::Wait(Wait { transition, .. }) => *transition == Transition::End,
            State::Succeed(_) | State::Fail(_) => true,
            State::Choice(_) => false,
        }
    }
}
