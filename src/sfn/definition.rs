//! Loading a state machine definition (ASL JSON) into what the interpreter runs. Every
//! field is checked here, before anything runs: unknown fields, fields of the other query
//! language (`QueryLanguage`, the machine's or a state's: JSONPath's `InputPath`,
//! `Parameters`, `ResultSelector`, `ResultPath`, `OutputPath` and `...Path` fields, or
//! JSONata's `Arguments`, `Output`, `Items`, `Condition`), what the runner does not
//! implement (a Map's ResultWriter, which writes S3), malformed paths, templates,
//! JSONata expressions, intrinsic calls and choice rules, transitions to missing states,
//! unreachable states (in the machine and in every Parallel branch and Map item
//! processor), and Task resources no local back-end serves are all [`LoadError`]s naming
//! state and field. A Distributed Map's ItemReader and ItemBatcher load in [`map_items`].
//! A state's `QueryLanguage` is its own, else the machine's (a JSONPath state in a
//! JSONata machine loads: no recording shows AWS refusing one).

use super::choice::Rule;
use super::errors::LoadError;
use super::intrinsics::Call;
use super::jsonata::Expression;
use super::path::{compact, Path, ResultPath};
use super::payload::Template;
use super::time::Timestamp;
use serde_json::{Map, Value};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

mod map_items;
pub(crate) use map_items::{CsvHeaders, Format, ItemBatcher, ItemReader, Source, MAX_ITEMS};

/// The fields only JSONPath has; a JSONata state has none of them (AWS's docs,
/// "Transforming data with JSONata in Step Functions": "InputPath, Parameters,
/// ResultSelector, ResultPath and OutputPath" and the `...Path` forms).
const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Result",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
];

/// The fields only JSONata has.
const JSONATA_ONLY: &[&str] = &["Arguments", "Output", "Items"];

/// A loaded machine.
#[derive(Debug, Clone)]
pub struct Definition {
    pub(crate) name: String,
    pub(crate) start_at: String,
    pub(crate) timeout_seconds: Option<u64>,
    pub(crate) states: BTreeMap<String, State>,
}

/// A Parallel branch or a Map's item processor: states of their own, run from `StartAt`;
/// their transitions stay inside.
#[derive(Debug, Clone)]
pub(crate) struct Branch {
    pub(crate) start_at: String,
    pub(crate) states: BTreeMap<String, State>,
}

#[derive(Debug, Clone)]
pub(crate) struct State {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) input_path: IoPath,
    pub(crate) output_path: IoPath,
    /// `Assign`: variables this state sets when it ends (for a Choice state, when no
    /// rule with its own `Assign` matched).
    pub(crate) assign: Option<Template>,
    /// `QueryLanguage` is JSONata (the state's, else the machine's): its templates are
    /// rendered from `$states`, and it has no paths.
    pub(crate) jsonata: bool,
    /// JSONata's `Output`: the state's output, rendered from `$states`.
    pub(crate) output: Option<Template>,
}

/// `InputPath` / `OutputPath`: absent (`$`), `null` (`{}`), or a path.
#[derive(Debug, Clone)]
pub(crate) enum IoPath {
    Default,
    Null,
    Path(Path),
}

/// `ResultPath`: absent (`$`: the result replaces the input), `null` (discard the
/// result), or where to put it.
#[derive(Debug, Clone)]
pub(crate) enum ResultSpec {
    Default,
    Discard,
    At(ResultPath),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Next {
    State(String),
    End,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Pass {
        parameters: Option<Template>,
        result: Option<Value>,
        result_path: ResultSpec,
        next: Next,
    },
    Task(Box<Task>),
    Parallel(Box<Parallel>),
    Map(Box<MapState>),
    Choice {
        /// Each rule, where it leads, the variables it sets when it matches and (JSONata)
        /// its `Output`.
        choices: Vec<(Rule, String, Option<Template>, Option<Template>)>,
        default: Option<String>,
    },
    Wait {
        wait: WaitFor,
        next: Next,
    },
    Succeed,
    Fail {
        error: Option<Text>,
        cause: Option<Text>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub(crate) resource: String,
    pub(crate) parameters: Option<Template>,
    pub(crate) result_selector: Option<Template>,
    pub(crate) result_path: ResultSpec,
    pub(crate) timeout_seconds: Option<u64>,
    /// `TimeoutSecondsPath`: the timeout read from the state's input.
    pub(crate) timeout_seconds_path: Option<Path>,
    /// `HeartbeatSeconds` / `HeartbeatSecondsPath`: recorded in `TaskScheduled`. The
    /// local back-ends answer each call before it returns (no activities or callbacks
    /// to wait for), so no heartbeat can be missed.
    pub(crate) heartbeat_seconds: Option<u64>,
    pub(crate) heartbeat_seconds_path: Option<Path>,
    /// JSONata: `TimeoutSeconds` / `HeartbeatSeconds` given as an expression.
    pub(crate) timeout_seconds_expression: Option<Template>,
    pub(crate) heartbeat_seconds_expression: Option<Template>,
    pub(crate) retry: Vec<Retrier>,
    pub(crate) catch: Vec<Catcher>,
    pub(crate) next: Next,
}

/// What a Parallel state, a Map state and a Task share after their work: the result
/// processing and the error handling.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) result_selector: Option<Template>,
    pub(crate) result_path: ResultSpec,
    pub(crate) retry: Vec<Retrier>,
    pub(crate) catch: Vec<Catcher>,
    pub(crate) next: Next,
}

#[derive(Debug, Clone)]
pub(crate) struct Parallel {
    pub(crate) branches: Vec<Branch>,
    pub(crate) parameters: Option<Template>,
    pub(crate) outcome: Outcome,
}

/// A number a Map state reads from its definition or, with `...Path`, from its input.
#[derive(Debug, Clone)]
pub(crate) enum Given<T> {
    Value(T),
    Path(Path),
    /// JSONata: an expression.
    Expression(Template),
}

#[derive(Debug, Clone)]
pub(crate) struct MapState {
    pub(crate) items_path: Option<Path>,
    /// JSONata's `Items`: an array, or an expression giving one.
    pub(crate) items: Option<Template>,
    /// `ItemSelector` (or the legacy `Parameters`): each item's input, rendered from the
    /// state's input with `$$.Map.Item.Index` and `$$.Map.Item.Value`.
    pub(crate) item_selector: Option<Template>,
    pub(crate) processor: Branch,
    /// `ProcessorConfig.Mode` is `DISTRIBUTED`: each item runs as a child execution,
    /// whose events are not in this execution's history.
    pub(crate) distributed: bool,
    pub(crate) max_concurrency: Option<Given<u64>>,
    pub(crate) tolerated_failure_count: Option<Given<u64>>,
    pub(crate) tolerated_failure_percentage: Option<Given<f64>>,
    /// `Label`: names a Distributed Map's runs.
    pub(crate) label: Option<String>,
    /// `ItemReader`: the items come from S3 (through the host), not from the input.
    pub(crate) item_reader: Option<ItemReader>,
    pub(crate) item_batcher: Option<ItemBatcher>,
    pub(crate) outcome: Outcome,
}

#[derive(Debug, Clone)]
pub(crate) enum WaitFor {
    Seconds(u64),
    SecondsPath(Path),
    Timestamp(Timestamp),
    TimestampPath(Path),
    /// JSONata: `Seconds` / `Timestamp` given as an expression.
    SecondsExpression(Template),
    TimestampExpression(Template),
}

/// A Fail state's `Error`/`Cause`, given or computed (`ErrorPath`/`CausePath`).
#[derive(Debug, Clone)]
pub(crate) enum Text {
    Literal(String),
    Path(Path),
    Call(Call),
    /// JSONata: an expression.
    Expression(Template),
}

#[derive(Debug, Clone)]
pub(crate) struct Retrier {
    pub(crate) error_equals: Vec<String>,
    pub(crate) interval_seconds: u64,
    pub(crate) max_attempts: u32,
    pub(crate) backoff_rate: f64,
    pub(crate) max_delay_seconds: Option<u64>,
    pub(crate) full_jitter: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Catcher {
    pub(crate) error_equals: Vec<String>,
    pub(crate) next: String,
    pub(crate) result_path: ResultSpec,
    /// The variables it sets, from the error output (JSONata: from `$states`).
    pub(crate) assign: Option<Template>,
    /// JSONata's `Output`: the next state's input (absent: the error output).
    pub(crate) output: Option<Template>,
}

impl State {
    /// The state type's name as the history writes it (`Task`, `Choice`, ...).
    pub(crate) fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Pass { .. } => "Pass",
            Kind::Task(_) => "Task",
            Kind::Parallel(_) => "Parallel",
            Kind::Map(_) => "Map",
            Kind::Choice { .. } => "Choice",
            Kind::Wait { .. } => "Wait",
            Kind::Succeed => "Succeed",
            Kind::Fail { .. } => "Fail",
        }
    }
}

struct Loader<'a> {
    machine: &'a str,
    supports: &'a dyn Fn(&str) -> Result<(), String>,
    /// The machine's `QueryLanguage` is JSONata: its states' default.
    jsonata_machine: Cell<bool>,
    /// The state being loaded is JSONata.
    jsonata: Cell<bool>,
}

type Fields<'v> = &'v Map<String, Value>;

impl Definition {
    /// Loads `definition`. `machine` names it in errors; `supports` says whether a Task
    /// resource has a local back-end (and why not).
    pub fn load(
        machine: &str,
        definition: &Value,
        supports: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<Definition, LoadError> {
        Loader {
            machine,
            supports,
            jsonata_machine: Cell::new(false),
            jsonata: Cell::new(false),
        }
        .machine(definition)
    }
}

impl Loader<'_> {
    fn error(
        &self,
        state: Option<&str>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> LoadError {
        LoadError {
            machine: self.machine.to_string(),
            state: state.map(str::to_string),
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    fn machine(&self, definition: &Value) -> Result<Definition, LoadError> {
        let top = definition
            .as_object()
            .ok_or_else(|| self.error(None, None, "a state machine definition is a JSON object"))?;
        self.only(
            None,
            top,
            &[
                "Comment",
                "StartAt",
                "States",
                "TimeoutSeconds",
                "Version",
                "QueryLanguage",
            ],
        )?;
        self.jsonata_machine.set(
            self.language(None, top.get("QueryLanguage"))?
                .unwrap_or(false),
        );
        if let Some(version) = top.get("Version") {
            if version != "1.0" {
                return Err(self.error(None, Some("Version"), "only version \"1.0\" exists"));
            }
        }
        let start_at = self
            .string(None, top, "StartAt")?
            .ok_or_else(|| self.error(None, Some("StartAt"), "required"))?;
        let timeout_seconds = self.positive(None, top, "TimeoutSeconds")?;
        let raw_states = top
            .get("States")
            .and_then(Value::as_object)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                self.error(
                    None,
                    Some("States"),
                    "required: an object of at least one state",
                )
            })?;
        let states = self.states(raw_states)?;
        self.check_graph(None, &start_at, &states)?;
        Ok(Definition {
            name: self.machine.to_string(),
            start_at,
            timeout_seconds,
            states,
        })
    }

    fn states(&self, raw_states: Fields) -> Result<BTreeMap<String, State>, LoadError> {
        let mut states = BTreeMap::new();
        for (name, raw) in raw_states {
            if name.chars().count() > 80 {
                return Err(self.error(Some(name), None, "state names are at most 80 characters"));
            }
            states.insert(name.clone(), self.state(name, raw)?);
        }
        Ok(states)
    }

    /// A Parallel branch or a Map's `ItemProcessor`/`Iterator` (`field` names it in
    /// errors): `StartAt`, `States`, and for a processor its `ProcessorConfig`, whose
    /// mode is returned (true: `DISTRIBUTED`).
    fn branch(&self, state: &str, field: &str, raw: &Value) -> Result<(Branch, bool), LoadError> {
        let fields = raw
            .as_object()
            .ok_or_else(|| self.error(Some(state), Some(field), "must be an object"))?;
        let at = |key: &str| format!("{field}.{key}");
        for key in fields.keys() {
            if !["StartAt", "States", "Comment", "ProcessorConfig"].contains(&key.as_str()) {
                return Err(self.error(
                    Some(state),
                    Some(&at(key)),
                    format!("`{key}` is not a field of a branch (allowed: StartAt, States, Comment, ProcessorConfig)"),
                ));
            }
        }
        let start_at = self
            .string(Some(state), fields, "StartAt")
            .map_err(|e| LoadError {
                field: Some(at("StartAt")),
                ..e
            })?
            .ok_or_else(|| self.error(Some(state), Some(&at("StartAt")), "required"))?;
        let raw_states = fields
            .get("States")
            .and_then(Value::as_object)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                self.error(
                    Some(state),
                    Some(&at("States")),
                    "required: an object of at least one state",
                )
            })?;
        let distributed = match fields.get("ProcessorConfig") {
            None | Some(Value::Null) => false,
            Some(Value::Object(config)) => {
                for (key, value) in config {
                    let ok = match key.as_str() {
                        "Mode" => value == "INLINE" || value == "DISTRIBUTED",
                        "ExecutionType" => value == "STANDARD" || value == "EXPRESS",
                        _ => false,
                    };
                    if !ok {
                        return Err(self.error(
                            Some(state),
                            Some(&at(&format!("ProcessorConfig.{key}"))),
                            format!("{}: ProcessorConfig has Mode (INLINE or DISTRIBUTED) and ExecutionType (STANDARD or EXPRESS)", compact(value)),
                        ));
                    }
                }
                config.get("Mode").is_some_and(|m| m == "DISTRIBUTED")
            }
            Some(other) => {
                return Err(self.error(
                    Some(state),
                    Some(&at("ProcessorConfig")),
                    format!("must be an object, got {}", compact(other)),
                ))
            }
        };
        let states = self.states(raw_states)?;
        self.check_graph(Some((state, field)), &start_at, &states)?;
        Ok((Branch { start_at, states }, distributed))
    }

    /// A Map state's `key` (a non-negative integer) or `keyPath`, not both.
    fn given_u64(
        &self,
        state: &str,
        fields: Fields,
        key: &str,
    ) -> Result<Option<Given<u64>>, LoadError> {
        let path_key = format!("{key}Path");
        if let Some(expression) = self.expression(state, fields, key)? {
            return Ok(Some(Given::Expression(expression)));
        }
        match (fields.get(key), fields.get(&path_key)) {
            (Some(_), Some(_)) => Err(self.error(
                Some(state),
                Some(&path_key),
                format!("give `{key}` or `{path_key}`, not both"),
            )),
            (Some(v), None) => v.as_u64().map(|n| Some(Given::Value(n))).ok_or_else(|| {
                self.error(
                    Some(state),
                    Some(key),
                    format!("must be a non-negative integer, got {}", compact(v)),
                )
            }),
            (None, Some(v)) => Ok(Some(Given::Path(self.path(state, &path_key, v)?))),
            (None, None) => Ok(None),
        }
    }

    /// The result processing and error handling of a Task, Parallel or Map state.
    fn outcome(&self, name: &str, fields: Fields) -> Result<Outcome, LoadError> {
        Ok(Outcome {
            result_selector: self.template(name, fields, "ResultSelector")?,
            result_path: self.result_spec(name, fields, "ResultPath")?,
            retry: self.retriers(name, fields)?,
            catch: self.catchers(name, fields)?,
            next: self.next(name, fields)?,
        })
    }

    fn only(&self, state: Option<&str>, fields: Fields, allowed: &[&str]) -> Result<(), LoadError> {
        for key in fields.keys() {
            if !allowed.contains(&key.as_str()) {
                let why = match key.as_str() {
                    "HeartbeatSeconds"
                    | "HeartbeatSecondsPath"
                    | "Credentials"
                    | "ResultWriter" => "is not supported by the local runner",
                    _ => "is not a field of this state type",
                };
                return Err(self.error(
                    state,
                    Some(key),
                    format!("`{key}` {why} (allowed: {})", allowed.join(", ")),
                ));
            }
        }
        Ok(())
    }

    fn string(
        &self,
        state: Option<&str>,
        fields: Fields,
        key: &str,
    ) -> Result<Option<String>, LoadError> {
        match fields.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.error(
                state,
                Some(key),
                format!("must be a string, got {}", compact(other)),
            )),
        }
    }

    fn positive(
        &self,
        state: Option<&str>,
        fields: Fields,
        key: &str,
    ) -> Result<Option<u64>, LoadError> {
        match fields.get(key) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if n > 0 => Ok(Some(n)),
                _ => Err(self.error(
                    state,
                    Some(key),
                    format!("must be a positive integer, got {}", compact(v)),
                )),
            },
        }
    }

    fn path(&self, state: &str, key: &str, value: &Value) -> Result<Path, LoadError> {
        let text = value.as_str().ok_or_else(|| {
            self.error(
                Some(state),
                Some(key),
                format!("must be a path string, got {}", compact(value)),
            )
        })?;
        Path::parse(text).map_err(|e| self.error(Some(state), Some(key), e))
    }

    fn io_path(&self, state: &str, fields: Fields, key: &str) -> Result<IoPath, LoadError> {
        match fields.get(key) {
            None => Ok(IoPath::Default),
            Some(Value::Null) => Ok(IoPath::Null),
            Some(v) => Ok(IoPath::Path(self.path(state, key, v)?)),
        }
    }

    fn result_spec(&self, state: &str, fields: Fields, key: &str) -> Result<ResultSpec, LoadError> {
        match fields.get(key) {
            None => Ok(ResultSpec::Default),
            Some(Value::Null) => Ok(ResultSpec::Discard),
            Some(Value::String(text)) => ResultPath::parse(text)
                .map(ResultSpec::At)
                .map_err(|e| self.error(Some(state), Some(key), e)),
            Some(other) => Err(self.error(
                Some(state),
                Some(key),
                format!("must be a path string or null, got {}", compact(other)),
            )),
        }
    }

    /// `key`'s template: a JSONPath payload template, or under JSONata one whose
    /// `{% ... %}` strings are expressions.
    fn template(
        &self,
        state: &str,
        fields: Fields,
        key: &str,
    ) -> Result<Option<Template>, LoadError> {
        match fields.get(key) {
            None => Ok(None),
            Some(value) if self.jsonata.get() => Template::compile_jsonata(value, key)
                .map(Some)
                .map_err(|(at, why)| self.error(Some(state), Some(&at), why)),
            Some(value) => Template::compile(value)
                .map(Some)
                .map_err(|(at, why)| self.error(Some(state), Some(&format!("{key}.{at}")), why)),
        }
    }

    /// Under JSONata, `key`'s value when it is a `{% ... %}` expression.
    fn expression(
        &self,
        state: &str,
        fields: Fields,
        key: &str,
    ) -> Result<Option<Template>, LoadError> {
        match fields.get(key) {
            Some(Value::String(text)) if self.jsonata.get() && Expression::of(text).is_some() => {
                self.template(state, fields, key)
            }
            _ => Ok(None),
        }
    }

    /// A `QueryLanguage` value: `Some(true)` for JSONata, `Some(false)` for JSONPath.
    fn language(
        &self,
        state: Option<&str>,
        value: Option<&Value>,
    ) -> Result<Option<bool>, LoadError> {
        match value.and_then(Value::as_str) {
            None if value.is_none() => Ok(None),
            Some("JSONata") => Ok(Some(true)),
            Some("JSONPath") => Ok(Some(false)),
            _ => Err(self.error(
                state,
                Some("QueryLanguage"),
                format!(
                    "must be \"JSONPath\" or \"JSONata\", got {}",
                    compact(value.unwrap_or(&Value::Null))
                ),
            )),
        }
    }

    fn next(&self, state: &str, fields: Fields) -> Result<Next, LoadError> {
        match (fields.get("Next"), fields.get("End")) {
            (Some(Value::String(next)), None) => Ok(Next::State(next.clone())),
            (None, Some(Value::Bool(true))) => Ok(Next::End),
            (Some(_), Some(_)) => Err(self.error(
                Some(state),
                Some("Next"),
                "a state has `Next` or `End`, not both",
            )),
            (None, None) | (None, Some(Value::Bool(false))) => Err(self.error(
                Some(state),
                Some("Next"),
                "a non-terminal state needs `Next` (or `\"End\": true`)",
            )),
            (Some(other), None) => Err(self.error(
                Some(state),
                Some("Next"),
                format!("must be a state name, got {}", compact(other)),
            )),
            (None, Some(other)) => Err(self.error(
                Some(state),
                Some("End"),
                format!("must be true, got {}", compact(other)),
            )),
        }
    }

    fn state(&self, name: &str, raw: &Value) -> Result<State, LoadError> {
        let fields = raw
            .as_object()
            .ok_or_else(|| self.error(Some(name), None, "a state is a JSON object"))?;
        let jsonata = self
            .language(Some(name), fields.get("QueryLanguage"))?
            .unwrap_or(self.jsonata_machine.get());
        // The states of a Parallel branch or Map processor inside set their own.
        let outer = self.jsonata.replace(jsonata);
        let state = self.state_of(name, raw, jsonata);
        self.jsonata.set(outer);
        state
    }

    fn state_of(&self, name: &str, raw: &Value, jsonata: bool) -> Result<State, LoadError> {
        let fields = raw
            .as_object()
            .ok_or_else(|| self.error(Some(name), None, "a state is a JSON object"))?;
        let kind = self
            .string(Some(name), fields, "Type")?
            .ok_or_else(|| self.error(Some(name), Some("Type"), "required"))?;
        for key in fields.keys() {
            let key = key.as_str();
            if jsonata && JSONPATH_ONLY.contains(&key) {
                return Err(self.error(Some(name), Some(key), format!("`{key}` is a JSONPath field, and this state's QueryLanguage is JSONata: use Arguments, Output and Assign with {{% ... %}} expressions instead")));
            }
            if !jsonata && JSONATA_ONLY.contains(&key) {
                return Err(self.error(Some(name), Some(key), format!("`{key}` is a JSONata field: set \"QueryLanguage\": \"JSONata\" on the state or the machine, or use the JSONPath fields")));
            }
        }
        let io = [
            "Type",
            "Comment",
            "QueryLanguage",
            "InputPath",
            "OutputPath",
        ];
        // Under JSONata: no JSONPath fields; `Output` in every state but Fail,
        // `Arguments` where JSONPath has `Parameters` (Task, Parallel), `Items` in a Map.
        let with = |extra: &[&'static str]| -> Vec<&str> {
            let mut all: Vec<&str> = io.iter().chain(extra).copied().collect();
            if jsonata {
                let map = extra.contains(&"ItemsPath");
                let arguments = extra.contains(&"Parameters") && !map;
                all.retain(|f| !JSONPATH_ONLY.contains(f));
                all.push("Output");
                if arguments {
                    all.push("Arguments");
                }
                if map {
                    all.push("Items");
                }
            }
            all
        };
        let kind = match kind.as_str() {
            "Pass" => {
                self.only(
                    Some(name),
                    fields,
                    &with(&[
                        "Next",
                        "End",
                        "Parameters",
                        "Result",
                        "ResultPath",
                        "Assign",
                    ]),
                )?;
                Kind::Pass {
                    parameters: self.template(name, fields, "Parameters")?,
                    result: fields.get("Result").cloned(),
                    result_path: self.result_spec(name, fields, "ResultPath")?,
                    next: self.next(name, fields)?,
                }
            }
            "Task" => {
                self.only(
                    Some(name),
                    fields,
                    &with(&[
                        "Next",
                        "End",
                        "Resource",
                        "Parameters",
                        "ResultSelector",
                        "ResultPath",
                        "TimeoutSeconds",
                        "TimeoutSecondsPath",
                        "HeartbeatSeconds",
                        "HeartbeatSecondsPath",
                        "Retry",
                        "Catch",
                        "Assign",
                    ]),
                )?;
                if fields.contains_key("TimeoutSeconds")
                    && fields.contains_key("TimeoutSecondsPath")
                {
                    return Err(self.error(
                        Some(name),
                        Some("TimeoutSecondsPath"),
                        "give `TimeoutSeconds` or `TimeoutSecondsPath`, not both",
                    ));
                }
                if fields.contains_key("HeartbeatSeconds")
                    && fields.contains_key("HeartbeatSecondsPath")
                {
                    return Err(self.error(
                        Some(name),
                        Some("HeartbeatSecondsPath"),
                        "give `HeartbeatSeconds` or `HeartbeatSecondsPath`, not both",
                    ));
                }
                let timeout_seconds_expression = self.expression(name, fields, "TimeoutSeconds")?;
                let heartbeat_seconds_expression =
                    self.expression(name, fields, "HeartbeatSeconds")?;
                let number = |key: &str, expression: &Option<Template>| match expression {
                    Some(_) => Ok(None),
                    None => self.positive(Some(name), fields, key),
                };
                let timeout_seconds = number("TimeoutSeconds", &timeout_seconds_expression)?;
                let heartbeat_seconds = number("HeartbeatSeconds", &heartbeat_seconds_expression)?;
                // The States Language: "HeartbeatSeconds ... MUST be smaller than TimeoutSeconds".
                if let (Some(heartbeat), Some(timeout)) = (heartbeat_seconds, timeout_seconds) {
                    if heartbeat >= timeout {
                        return Err(self.error(
                            Some(name),
                            Some("HeartbeatSeconds"),
                            format!(
                                "must be smaller than TimeoutSeconds ({timeout}), got {heartbeat}"
                            ),
                        ));
                    }
                }
                let resource = self
                    .string(Some(name), fields, "Resource")?
                    .ok_or_else(|| self.error(Some(name), Some("Resource"), "required"))?;
                (self.supports)(&resource)
                    .map_err(|why| self.error(Some(name), Some("Resource"), why))?;
                Kind::Task(Box::new(Task {
                    resource,
                    parameters: match jsonata {
                        true => self.template(name, fields, "Arguments")?,
                        false => self.template(name, fields, "Parameters")?,
                    },
                    timeout_seconds_expression,
                    heartbeat_seconds_expression,
                    result_selector: self.template(name, fields, "ResultSelector")?,
                    result_path: self.result_spec(name, fields, "ResultPath")?,
                    timeout_seconds,
                    timeout_seconds_path: fields
                        .get("TimeoutSecondsPath")
                        .map(|v| self.path(name, "TimeoutSecondsPath", v))
                        .transpose()?,
                    heartbeat_seconds,
                    heartbeat_seconds_path: fields
                        .get("HeartbeatSecondsPath")
                        .map(|v| self.path(name, "HeartbeatSecondsPath", v))
                        .transpose()?,
                    retry: self.retriers(name, fields)?,
                    catch: self.catchers(name, fields)?,
                    next: self.next(name, fields)?,
                }))
            }
            "Choice" => {
                self.only(Some(name), fields, &with(&["Choices", "Default", "Assign"]))?;
                let raw_choices = fields
                    .get("Choices")
                    .and_then(Value::as_array)
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| {
                        self.error(
                            Some(name),
                            Some("Choices"),
                            "required: a non-empty array of rules",
                        )
                    })?;
                let mut choices = Vec::new();
                for (i, raw) in raw_choices.iter().enumerate() {
                    let field = format!("Choices[{i}]");
                    let rule = match (jsonata, raw.as_object()) {
                        (true, Some(rule)) => {
                            const ALLOWED: &[&str] =
                                &["Condition", "Next", "Assign", "Output", "Comment"];
                            if let Some(key) = rule.keys().find(|k| !ALLOWED.contains(&k.as_str()))
                            {
                                return Err(self.error(Some(name), Some(&format!("{field}.{key}")), format!("`{key}` is not a field of a JSONata choice rule, which tests a Condition (allowed: {})", ALLOWED.join(", "))));
                            }
                            let condition = self.template(name, rule, "Condition")?.ok_or_else(|| {
                                self.error(Some(name), Some(&format!("{field}.Condition")), "required: a JSONata rule is a Condition (a {% ... %} expression or a boolean)")
                            })?;
                            Rule::Condition(condition)
                        }
                        _ => Rule::parse(raw, true)
                            .map_err(|e| self.error(Some(name), Some(&field), e))?,
                    };
                    let next = raw.get("Next").and_then(Value::as_str).ok_or_else(|| {
                        self.error(
                            Some(name),
                            Some(&format!("{field}.Next")),
                            "required: the state this rule leads to",
                        )
                    })?;
                    let (assign, output) = match raw.as_object() {
                        Some(rule) => {
                            // The rule's own field, named under the rule's path.
                            let of_rule = |e: LoadError| LoadError {
                                field: Some(format!(
                                    "{field}.{}",
                                    e.field.clone().unwrap_or_default()
                                )),
                                ..e
                            };
                            (
                                self.template(name, rule, "Assign").map_err(of_rule)?,
                                self.template(name, rule, "Output").map_err(of_rule)?,
                            )
                        }
                        None => (None, None),
                    };
                    choices.push((rule, next.to_string(), assign, output));
                }
                Kind::Choice {
                    choices,
                    default: self.string(Some(name), fields, "Default")?,
                }
            }
            "Wait" => {
                self.only(
                    Some(name),
                    fields,
                    &with(&[
                        "Next",
                        "End",
                        "Seconds",
                        "SecondsPath",
                        "Timestamp",
                        "TimestampPath",
                        "Assign",
                    ]),
                )?;
                let given: Vec<&str> = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]
                    .into_iter()
                    .filter(|k| fields.contains_key(*k))
                    .collect();
                let [key] = given.as_slice() else {
                    return Err(self.error(Some(name), None, "a Wait state has exactly one of Seconds, SecondsPath, Timestamp, TimestampPath"));
                };
                let value = &fields[*key];
                let expression = self.expression(name, fields, key)?;
                let wait = match (*key, expression) {
                    ("Seconds", Some(e)) => WaitFor::SecondsExpression(e),
                    ("Timestamp", Some(e)) => WaitFor::TimestampExpression(e),
                    _ => match *key {
                    "Seconds" => WaitFor::Seconds(
                        value
                            .as_u64()
                            .ok_or_else(|| self.error(Some(name), Some(key), format!("must be a non-negative integer, got {}", compact(value))))?,
                    ),
                    "Timestamp" => WaitFor::Timestamp(
                        value
                            .as_str()
                            .and_then(Timestamp::parse)
                            .ok_or_else(|| self.error(Some(name), Some(key), format!("must be an RFC 3339 timestamp such as 2016-03-14T01:59:00Z, got {}", compact(value))))?,
                    ),
                    "SecondsPath" => WaitFor::SecondsPath(self.path(name, key, value)?),
                    _ => WaitFor::TimestampPath(self.path(name, key, value)?),
                    },
                };
                Kind::Wait {
                    wait,
                    next: self.next(name, fields)?,
                }
            }
            "Succeed" => {
                self.only(Some(name), fields, &with(&[]))?;
                Kind::Succeed
            }
            "Fail" => {
                self.only(
                    Some(name),
                    fields,
                    &[
                        "Type",
                        "Comment",
                        "QueryLanguage",
                        "Error",
                        "ErrorPath",
                        "Cause",
                        "CausePath",
                    ],
                )?;
                Kind::Fail {
                    error: self.fail_text(name, fields, "Error")?,
                    cause: self.fail_text(name, fields, "Cause")?,
                }
            }
            "Parallel" => {
                self.only(
                    Some(name),
                    fields,
                    &with(&[
                        "Next",
                        "End",
                        "Branches",
                        "Parameters",
                        "ResultSelector",
                        "ResultPath",
                        "Retry",
                        "Catch",
                        "Assign",
                    ]),
                )?;
                let raw_branches = fields
                    .get("Branches")
                    .and_then(Value::as_array)
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| {
                        self.error(
                            Some(name),
                            Some("Branches"),
                            "required: a non-empty array of branches",
                        )
                    })?;
                let mut branches = Vec::new();
                for (i, raw) in raw_branches.iter().enumerate() {
                    let (branch, _) = self.branch(name, &format!("Branches[{i}]"), raw)?;
                    branches.push(branch);
                }
                Kind::Parallel(Box::new(Parallel {
                    branches,
                    parameters: match jsonata {
                        true => self.template(name, fields, "Arguments")?,
                        false => self.template(name, fields, "Parameters")?,
                    },
                    outcome: self.outcome(name, fields)?,
                }))
            }
            "Map" => {
                self.only(
                    Some(name),
                    fields,
                    &with(&[
                        "Next",
                        "End",
                        "ItemsPath",
                        "ItemSelector",
                        "Parameters",
                        "ItemProcessor",
                        "Iterator",
                        "MaxConcurrency",
                        "MaxConcurrencyPath",
                        "ToleratedFailureCount",
                        "ToleratedFailureCountPath",
                        "ToleratedFailurePercentage",
                        "ToleratedFailurePercentagePath",
                        "Label",
                        "ItemReader",
                        "ItemBatcher",
                        "ResultSelector",
                        "ResultPath",
                        "Retry",
                        "Catch",
                        "Assign",
                    ]),
                )
                .map_err(|e| match e.field.as_deref() {
                    Some(field @ "ResultWriter") => self.error(
                        Some(name),
                        Some(field),
                        format!("`{field}` is not supported by the local runner: it writes the results to S3 (leave it out to get them as the state's output)"),
                    ),
                    _ => e,
                })?;
                let (processor_key, selector_key) = match (
                    fields.contains_key("ItemProcessor"),
                    fields.contains_key("Iterator"),
                ) {
                    (true, false) => ("ItemProcessor", "ItemSelector"),
                    (false, true) => ("Iterator", "Parameters"),
                    (true, true) => {
                        return Err(self.error(
                            Some(name),
                            Some("Iterator"),
                            "give `ItemProcessor` or the older `Iterator`, not both",
                        ))
                    }
                    (false, false) => {
                        return Err(self.error(
                            Some(name),
                            Some("ItemProcessor"),
                            "required: the states that process each item",
                        ))
                    }
                };
                if fields.contains_key("ItemSelector") && fields.contains_key("Parameters") {
                    return Err(self.error(
                        Some(name),
                        Some("Parameters"),
                        "give `ItemSelector` or the older `Parameters`, not both",
                    ));
                }
                let selector_key = if fields.contains_key("ItemSelector") {
                    "ItemSelector"
                } else if fields.contains_key("Parameters") {
                    "Parameters"
                } else {
                    selector_key
                };
                let (processor, distributed) =
                    self.branch(name, processor_key, &fields[processor_key])?;
                // "ItemReader (Map)", "ItemBatcher (Map)": Distributed Map fields.
                for key in ["ItemReader", "ItemBatcher"] {
                    if fields.contains_key(key) && !distributed {
                        return Err(self.error(Some(name), Some(key), format!("only a Distributed Map (`{processor_key}.ProcessorConfig.Mode`: DISTRIBUTED) has `{key}`")));
                    }
                }
                let tolerated_failure_percentage = match (self.expression(name, fields, "ToleratedFailurePercentage")?, fields.get("ToleratedFailurePercentage"), fields.get("ToleratedFailurePercentagePath")) {
                    (Some(expression), _, _) => Some(Given::Expression(expression)),
                    (None, a, b) => match (a, b) {
                    (Some(_), Some(_)) => return Err(self.error(Some(name), Some("ToleratedFailurePercentagePath"), "give `ToleratedFailurePercentage` or `ToleratedFailurePercentagePath`, not both")),
                    (Some(v), None) => Some(Given::Value(v.as_f64().filter(|p| (0.0..=100.0).contains(p)).ok_or_else(|| self.error(Some(name), Some("ToleratedFailurePercentage"), format!("must be a number from 0 to 100, got {}", compact(v))))?)),
                    (None, Some(v)) => Some(Given::Path(self.path(name, "ToleratedFailurePercentagePath", v)?)),
                    (None, None) => None,
                    },
                };
                Kind::Map(Box::new(MapState {
                    items: self.template(name, fields, "Items")?,
                    items_path: fields
                        .get("ItemsPath")
                        .map(|v| self.path(name, "ItemsPath", v))
                        .transpose()?,
                    item_selector: self.template(name, fields, selector_key)?,
                    processor,
                    distributed,
                    max_concurrency: self.given_u64(name, fields, "MaxConcurrency")?,
                    tolerated_failure_count: self.given_u64(
                        name,
                        fields,
                        "ToleratedFailureCount",
                    )?,
                    tolerated_failure_percentage,
                    label: self.string(Some(name), fields, "Label")?,
                    item_reader: self.item_reader(name, fields)?,
                    item_batcher: self.item_batcher(name, fields)?,
                    outcome: self.outcome(name, fields)?,
                }))
            }
            other => {
                return Err(self.error(
                    Some(name),
                    Some("Type"),
                    format!("unknown state type `{other}`"),
                ))
            }
        };
        Ok(State {
            name: name.to_string(),
            input_path: self.io_path(name, fields, "InputPath")?,
            output_path: self.io_path(name, fields, "OutputPath")?,
            assign: self.template(name, fields, "Assign")?,
            output: self.template(name, fields, "Output")?,
            jsonata,
            kind,
        })
    }

    fn fail_text(&self, state: &str, fields: Fields, key: &str) -> Result<Option<Text>, LoadError> {
        let path_key = format!("{key}Path");
        match (fields.get(key), fields.get(&path_key)) {
            (Some(_), Some(_)) => Err(self.error(
                Some(state),
                Some(&path_key),
                format!("give `{key}` or `{path_key}`, not both"),
            )),
            (Some(Value::String(text)), None) => match self.expression(state, fields, key)? {
                Some(expression) => Ok(Some(Text::Expression(expression))),
                None => Ok(Some(Text::Literal(text.clone()))),
            },
            (Some(other), None) => Err(self.error(
                Some(state),
                Some(key),
                format!("must be a string, got {}", compact(other)),
            )),
            (None, Some(Value::String(text))) if Call::looks_like_call(text) => Call::parse(text)
                .map(|c| Some(Text::Call(c)))
                .map_err(|e| self.error(Some(state), Some(&path_key), e)),
            (None, Some(value)) => Ok(Some(Text::Path(self.path(state, &path_key, value)?))),
            (None, None) => Ok(None),
        }
    }

    fn error_equals(
        &self,
        state: &str,
        field: &str,
        raw: Fields,
    ) -> Result<Vec<String>, LoadError> {
        let names: Option<Vec<String>> =
            raw.get("ErrorEquals")
                .and_then(Value::as_array)
                .and_then(|items| {
                    items
                        .iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect()
                });
        let names = names.ok_or_else(|| {
            self.error(
                Some(state),
                Some(&format!("{field}.ErrorEquals")),
                "required: an array of error names",
            )
        })?;
        if names.iter().any(|n| n == "States.ALL") && names.len() > 1 {
            return Err(self.error(
                Some(state),
                Some(&format!("{field}.ErrorEquals")),
                "States.ALL must appear alone",
            ));
        }
        Ok(names)
    }

    fn list<'v>(
        &self,
        state: &str,
        fields: &'v Map<String, Value>,
        key: &str,
    ) -> Result<Vec<(String, Fields<'v>)>, LoadError> {
        let Some(raw) = fields.get(key) else {
            return Ok(Vec::new());
        };
        let items = raw
            .as_array()
            .ok_or_else(|| self.error(Some(state), Some(key), "must be an array"))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let field = format!("{key}[{i}]");
                item.as_object()
                    .map(|o| (field.clone(), o))
                    .ok_or_else(|| self.error(Some(state), Some(&field), "must be an object"))
            })
            .collect()
    }

    /// What a retrier and a catcher share: only `allowed` fields, a valid `ErrorEquals`,
    /// and `States.ALL` only in the last rule (`kind`, whether this rule is the last).
    fn error_rule(
        &self,
        state: &str,
        field: &str,
        raw: &Map<String, Value>,
        allowed: &[&str],
        (kind, last): (&str, bool),
    ) -> Result<Vec<String>, LoadError> {
        self.only(Some(state), raw, allowed)
            .map_err(|e| LoadError {
                field: Some(format!("{field}.{}", e.field.clone().unwrap_or_default())),
                ..e
            })?;
        let error_equals = self.error_equals(state, field, raw)?;
        if error_equals.iter().any(|n| n == "States.ALL") && !last {
            return Err(self.error(
                Some(state),
                Some(field),
                format!("a States.ALL {kind} must be the last one"),
            ));
        }
        Ok(error_equals)
    }

    fn retriers(&self, state: &str, fields: Fields) -> Result<Vec<Retrier>, LoadError> {
        let items = self.list(state, fields, "Retry")?;
        let count = items.len();
        let mut out = Vec::new();
        for (i, (field, raw)) in items.into_iter().enumerate() {
            let error_equals = self.error_rule(
                state,
                &field,
                raw,
                &[
                    "ErrorEquals",
                    "IntervalSeconds",
                    "MaxAttempts",
                    "BackoffRate",
                    "MaxDelaySeconds",
                    "JitterStrategy",
                    "Comment",
                ],
                ("retrier", i + 1 == count),
            )?;
            let number = |key: &str| raw.get(key).map(|v| (v, format!("{field}.{key}")));
            let interval_seconds = match number("IntervalSeconds") {
                None => 1,
                Some((v, f)) => v
                    .as_u64()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| self.error(Some(state), Some(&f), "must be an integer >= 1"))?,
            };
            let max_attempts = match number("MaxAttempts") {
                None => 3,
                Some((v, f)) => v
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| self.error(Some(state), Some(&f), "must be an integer >= 0"))?,
            };
            let backoff_rate = match number("BackoffRate") {
                None => 2.0,
                Some((v, f)) => v
                    .as_f64()
                    .filter(|r| *r >= 1.0)
                    .ok_or_else(|| self.error(Some(state), Some(&f), "must be a number >= 1.0"))?,
            };
            let max_delay_seconds = match number("MaxDelaySeconds") {
                None => None,
                Some((v, f)) => Some(v.as_u64().filter(|n| *n >= 1).ok_or_else(|| {
                    self.error(Some(state), Some(&f), "must be a positive integer")
                })?),
            };
            let full_jitter = match raw.get("JitterStrategy").map(|v| v.as_str()) {
                None | Some(Some("NONE")) => false,
                Some(Some("FULL")) => true,
                _ => {
                    return Err(self.error(
                        Some(state),
                        Some(&format!("{field}.JitterStrategy")),
                        "must be FULL or NONE",
                    ))
                }
            };
            out.push(Retrier {
                error_equals,
                interval_seconds,
                max_attempts,
                backoff_rate,
                max_delay_seconds,
                full_jitter,
            });
        }
        Ok(out)
    }

    fn catchers(&self, state: &str, fields: Fields) -> Result<Vec<Catcher>, LoadError> {
        let items = self.list(state, fields, "Catch")?;
        let count = items.len();
        let mut out = Vec::new();
        for (i, (field, raw)) in items.into_iter().enumerate() {
            let error_equals = self.error_rule(
                state,
                &field,
                raw,
                match self.jsonata.get() {
                    true => &["ErrorEquals", "Next", "Output", "Assign", "Comment"],
                    false => &["ErrorEquals", "Next", "ResultPath", "Assign", "Comment"],
                },
                ("catcher", i + 1 == count),
            )?;
            let at = |e: LoadError| LoadError {
                field: Some(format!("{field}.{}", e.field.clone().unwrap_or_default())),
                ..e
            };
            let assign = self.template(state, raw, "Assign").map_err(at)?;
            let output = self.template(state, raw, "Output").map_err(at)?;
            let next = raw
                .get("Next")
                .and_then(Value::as_str)
                .ok_or_else(|| self.error(Some(state), Some(&format!("{field}.Next")), "required"))?
                .to_string();
            let result_path =
                self.result_spec(state, raw, "ResultPath")
                    .map_err(|e| LoadError {
                        field: Some(format!("{field}.ResultPath")),
                        ..e
                    })?;
            out.push(Catcher {
                error_equals,
                next,
                result_path,
                assign,
                output,
            });
        }
        Ok(out)
    }

    /// Every transition of `states` leads to one of them, and every one is reachable
    /// from `start_at`. `branch`: the state and field holding them, for a branch.
    fn check_graph(
        &self,
        branch: Option<(&str, &str)>,
        start_at: &str,
        states: &BTreeMap<String, State>,
    ) -> Result<(), LoadError> {
        let inside = branch
            .map(|(state, field)| format!(" in `{state}`.{field}"))
            .unwrap_or_default();
        let exists = |target: &str, state: Option<&str>, field: &str| {
            if states.contains_key(target) {
                Ok(())
            } else {
                Err(self.error(
                    state,
                    Some(field),
                    format!("there is no state named `{target}`{inside}"),
                ))
            }
        };
        match branch {
            None => exists(start_at, None, "StartAt")?,
            Some((state, field)) => exists(start_at, Some(state), &format!("{field}.StartAt"))?,
        }
        let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, state) in states {
            let mut targets: Vec<(&str, String)> = Vec::new();
            fn next(n: &Next) -> Option<&str> {
                match n {
                    Next::State(s) => Some(s.as_str()),
                    Next::End => None,
                }
            }
            let (n, catch): (Option<&Next>, &[Catcher]) = match &state.kind {
                Kind::Pass { next: n, .. } | Kind::Wait { next: n, .. } => (Some(n), &[]),
                Kind::Task(task) => (Some(&task.next), &task.catch),
                Kind::Parallel(parallel) => (Some(&parallel.outcome.next), &parallel.outcome.catch),
                Kind::Map(map) => (Some(&map.outcome.next), &map.outcome.catch),
                Kind::Choice { choices, default } => {
                    for (i, (_, n, _, _)) in choices.iter().enumerate() {
                        targets.push((n, format!("Choices[{i}].Next")));
                    }
                    if let Some(d) = default {
                        targets.push((d, "Default".to_string()));
                    }
                    (None, &[])
                }
                Kind::Succeed | Kind::Fail { .. } => (None, &[]),
            };
            targets.extend(n.and_then(next).map(|s| (s, "Next".to_string())));
            for (i, catcher) in catch.iter().enumerate() {
                targets.push((&catcher.next, format!("Catch[{i}].Next")));
            }
            for (target, field) in &targets {
                exists(target, Some(name), field)?;
            }
            edges.insert(name, targets.into_iter().map(|(t, _)| t).collect());
        }
        let mut seen = BTreeSet::new();
        let mut stack = vec![start_at];
        while let Some(state) = stack.pop() {
            if seen.insert(state) {
                stack.extend(edges.get(state).into_iter().flatten());
            }
        }
        if let Some(unreachable) = states.keys().find(|s| !seen.contains(s.as_str())) {
            return Err(self.error(
                Some(unreachable),
                None,
                format!("no transition leads to this state{inside}"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn load(def: Value) -> Result<Definition, LoadError> {
        Definition::load("Test", &def, &|r: &str| {
            if r == "arn:aws:states:::ok" {
                Ok(())
            } else {
                Err(format!("no local back-end for {r}"))
            }
        })
    }

    #[test]
    fn loads_a_small_machine() {
        let def = load(json!({
            "StartAt": "A",
            "States": {
                "A": {"Type": "Task", "Resource": "arn:aws:states:::ok", "Retry": [{"ErrorEquals": ["States.ALL"]}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}], "Next": "C"},
                "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "S"}], "Default": "W"},
                "W": {"Type": "Wait", "Seconds": 1, "Next": "S"},
                "S": {"Type": "Succeed"},
                "F": {"Type": "Fail", "Error": "E", "CausePath": "$.Cause"}
            }
        }))
        .unwrap();
        assert_eq!(def.states.len(), 5);
    }

    proptest::proptest! {
        /// Whatever the text, the parsers answer (Ok or Err) without panicking.
        #[test]
        fn parsers_never_panic(text in "\\PC{0,40}", tail in "[$.\\[\\]'\"(),{}@?*0-9a-zA-Z é:+-]{0,30}") {
            let candidates = [text.clone(), format!("${tail}"), format!("States.Format({tail}"), format!("2024-01-01T00:00:{tail}")];
            for candidate in &candidates {
                let _ = crate::sfn::path::Path::parse(candidate);
                let _ = crate::sfn::path::ResultPath::parse(candidate);
                let _ = crate::sfn::intrinsics::Call::parse(candidate);
                let _ = crate::sfn::time::Timestamp::parse(candidate);
                if let Ok(call) = crate::sfn::intrinsics::Call::parse(candidate) {
                    let _ = call.eval(&json!({"a": [1, "x"], "s": candidate}), &json!({}));
                }
                let def = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"x.$": candidate}, "InputPath": candidate, "End": true}}});
                let _ = load(def);
                let rule = json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": candidate, "StringMatches": candidate, "Next": "S"}]}, "S": {"Type": "Succeed"}}});
                let _ = load(rule);
                if let Ok(expression) = crate::sfn::jsonata::Expression::parse(candidate) {
                    let _ = expression.eval(&json!({"input": {"a": [1, "x"], "s": candidate}}), &Map::new());
                }
            }
        }
    }

    #[test]
    fn rejects_what_it_cannot_run() {
        let cases = [
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Map", "End": true, "ResultWriter": {}, "ItemProcessor": {"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}}}}),
                "writes the results to S3",
            ),
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Map", "End": true, "ItemReader": {}, "ItemProcessor": {"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}}}}),
                "only a Distributed Map",
            ),
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Map", "End": true, "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV"}}, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "B", "States": {"B": {"Type": "Succeed"}}}}}}),
                "ItemReader.ReaderConfig.CSVHeaderLocation",
            ),
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Map", "End": true, "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON", "MaxItems": 100000001}}, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "B", "States": {"B": {"Type": "Succeed"}}}}}}),
                "at most 100000000",
            ),
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "A"}}}]}}}),
                "no state named `A` in `A`.Branches[0]",
            ),
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:x", "End": true}}}),
                "no local back-end",
            ),
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}),
                "no state named `B`",
            ),
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, "B": {"Type": "Succeed"}}}),
                "no transition",
            ),
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Bogus": 1}}}),
                "not a field",
            ),
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "InputPath": "x"}}}),
                "paths start with",
            ),
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Parameters": {"a.$": "States.Nope()"}}}}),
                "unknown intrinsic",
            ),
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::ok", "HeartbeatSeconds": 5, "TimeoutSeconds": 5, "End": true}}}),
                "smaller than TimeoutSeconds",
            ),
            (
                json!({"StartAt": "A", "QueryLanguage": "JSONata", "States": {"A": {"Type": "Pass", "Parameters": {}, "End": true}}}),
                "`Parameters` is a JSONPath field",
            ),
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "QueryLanguage": "JSONata", "Next": "B"}, "B": {"Type": "Pass", "Output": {}, "End": true}}}),
                "`Output` is a JSONata field",
            ),
            (
                json!({"StartAt": "A", "QueryLanguage": "JSONata", "States": {"A": {"Type": "Pass", "Output": {"x": "{% $states.input.( %}"}, "End": true}}}),
                "'$states.input.(' does not parse",
            ),
            (
                json!({"StartAt": "A", "QueryLanguage": "JSONata", "States": {"A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "B"}]}, "B": {"Type": "Succeed"}}}),
                "Choices[0].IsPresent`: `IsPresent` is not a field of a JSONata choice rule",
            ),
            (
                json!({"StartAt": "A", "QueryLanguage": "XPath", "States": {"A": {"Type": "Succeed"}}}),
                "must be \"JSONPath\" or \"JSONata\"",
            ),
            (
                json!({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 1, "Timestamp": "2020-01-01T00:00:00Z", "End": true}}}),
                "exactly one",
            ),
        ];
        for (def, expected) in cases {
            let error = load(def.clone()).unwrap_err().to_string();
            assert!(error.contains(expected), "{def}: {error}");
        }
    }
}
