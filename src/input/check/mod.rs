//! The rules: walk a raw input once, report every problem with its path (never stopping
//! at the first), and build the typed model when there is none. Sections the flow does
//! not read are still checked when present (a typo there is still a typo) but left out
//! of the result, with a note.

use super::model::{Flow, Input, Parameters};
use super::names;
use super::problem::{child, describe, quote, Problem, ROOT};
use super::suggest;
use crate::s3uri::{S3Uri, S3UriError};
use serde_json::{Map, Value};

mod deploy;
mod endpoint;

pub(crate) use endpoint::{expiry_after, parse_expiry};
mod evaluation;
pub(crate) mod importance;
mod registry;
mod train;

/// What checking an input found.
pub(crate) struct CheckOutcome {
    /// The model, when there are no problems.
    pub(crate) input: Option<Input>,
    pub(crate) problems: Vec<Problem>,
    /// What is accepted but ignored or worth a second look.
    pub(crate) notes: Vec<Problem>,
}

const PARAMETERS: &[&str] = &[
    "Flow",
    "PretrainedModel",
    "Train",
    "Evaluation",
    "Deploy",
    "Registry",
];
const FLOW: &[&str] = &["Train", "Evaluate", "Deploy"];
const PRETRAINED_MODEL: &[&str] = &["Name", "ModelPackage"];
const REGISTRY: &[&str] = &["ModelName", "Approval"];
const TRAIN: &[&str] = &[
    "TrainDataPath",
    "TestDataPath",
    "TrainingOutput",
    "InstanceCount",
    "InstanceType",
    "FitArgs",
    "InitArgs",
    "FeatureImportance",
];
const EVALUATION: &[&str] = &["Threshold", "Metric"];
const DEPLOY: &[&str] = &[
    "InstanceCount",
    "InstanceType",
    "Mode",
    "BatchInputDataPath",
    "BatchOutputDataPath",
    "EndpointName",
    "Update",
    "AutoScaling",
    "Serverless",
    "TimeToLive",
    "ExpiresAt",
];
/// `DeploymentConfig` is what normalisation derives from the others (re-derived when a
/// normalised input is read again).
const UPDATE: &[&str] = &[
    "Strategy",
    "CanaryPercent",
    "WaitSeconds",
    "RollbackAlarms",
    "DeploymentConfig",
];
const AUTO_SCALING: &[&str] = &[
    "MinInstances",
    "MaxInstances",
    "TargetInvocationsPerInstance",
];
const SERVERLESS: &[&str] = &["MemorySizeInMB", "MaxConcurrency"];

/// Every section of the contract and its keys, to tell where a misplaced key belongs.
const SECTIONS: &[(&str, &[&str])] = &[
    ("Parameters", PARAMETERS),
    ("Parameters.Flow", FLOW),
    ("Parameters.PretrainedModel", PRETRAINED_MODEL),
    ("Parameters.Train", TRAIN),
    (
        "Parameters.Train.FeatureImportance",
        importance::FEATURE_IMPORTANCE,
    ),
    ("Parameters.Evaluation", EVALUATION),
    ("Parameters.Deploy", DEPLOY),
    ("Parameters.Registry", REGISTRY),
    ("Parameters.Deploy.Update", UPDATE),
    ("Parameters.Deploy.AutoScaling", AUTO_SCALING),
    ("Parameters.Deploy.Serverless", SERVERLESS),
];

/// SageMaker's limit on one hyperparameter value: FitArgs and InitArgs as JSON text.
pub(crate) const MAX_HYPERPARAMETER_CHARS: usize = 2500;

/// SageMaker's limit on an S3 URI.
const MAX_S3_URI_CHARS: usize = 1024;

/// How many times FitArgs/InitArgs may arrive JSON-encoded as a string (the seed: twice).
const MAX_ENCODINGS: usize = 4;

const EXAMPLE_FLOW: &str = r#"{"Train": true, "Evaluate": true, "Deploy": true}"#;

pub(crate) fn check(raw: &Value, target: Target) -> CheckOutcome {
    let mut checker = Checker {
        target,
        ..Checker::default()
    };
    let input = checker.input(raw);
    CheckOutcome {
        input: input.filter(|_| checker.problems.is_empty()),
        problems: checker.problems,
        notes: checker.notes,
    }
}

/// The flags as far as they could be read: `None` when missing or mistyped (reported), so
/// that no section is demanded or dropped on a guess.
#[derive(Debug, Clone, Copy)]
struct Flags {
    train: Option<bool>,
    evaluate: Option<bool>,
    deploy: Option<bool>,
    /// `Flow.Evaluate` was written (it defaults to false).
    evaluate_given: bool,
}

impl Flags {
    const UNKNOWN: Flags = Flags {
        train: None,
        evaluate: None,
        deploy: None,
        evaluate_given: false,
    };
}

#[derive(Default)]
struct Checker {
    target: Target,
    problems: Vec<Problem>,
    notes: Vec<Problem>,
}

/// Where the execution will run, which decides what a data location may be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Target {
    /// Step Functions and SageMaker: every data location is an S3 URI.
    #[default]
    Aws,
    /// `automl run --local`: S3 URIs (mapped under the object root) or plain file paths.
    Local,
}

/// Why a field is required, when it is.
type Need = Option<&'static str>;

impl Checker {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    fn note(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.notes.push(Problem::new(path, message));
    }

    // ---- the document -------------------------------------------------------------

    fn input(&mut self, raw: &Value) -> Option<Input> {
        let root = self.object(
            raw,
            ROOT,
            r#"{"Parameters": {"Flow": {...}, ...}}, the shape of examples/*.json"#,
        )?;
        for key in root.keys().filter(|k| *k != "Parameters") {
            let path = child(ROOT, key);
            if PARAMETERS.contains(&key.as_str()) {
                self.error(
                    path,
                    format!(
                        "{key} belongs inside Parameters: the input reads {{\"Parameters\": {{\"{key}\": ...}}}}"
                    ),
                );
            } else {
                self.unknown_key(&path, key, ROOT, &["Parameters"]);
            }
        }
        let Some(parameters) = root.get("Parameters") else {
            self.error(
                "Parameters",
                format!(
                    "required: the input reads {{\"Parameters\": {{\"Flow\": {EXAMPLE_FLOW}, ...}}}}"
                ),
            );
            return None;
        };
        self.parameters(parameters)
    }

    fn parameters(&mut self, value: &Value) -> Option<Input> {
        let path = "Parameters";
        let map = self.object(
            value,
            path,
            r#"{"Flow": {...}, "Train": {...}, "Evaluation": {...}, "Deploy": {...}}"#,
        )?;
        self.unknown_keys(map, path, PARAMETERS);
        let flags = match map.get("Flow") {
            Some(flow) => self.flow(flow),
            None => {
                self.error(
                    "Parameters.Flow",
                    format!("required: say which steps run, e.g. {EXAMPLE_FLOW}"),
                );
                Flags::UNKNOWN
            }
        };

        let (train, predictor) = self.train_section(map.get("Train"), flags);
        let evaluation = self.evaluation_section(map.get("Evaluation"), flags, &predictor);
        let deploy = self.deploy_section(map.get("Deploy"), flags);
        let pretrained_model = self.pretrained_section(map.get("PretrainedModel"), flags);
        let registry = self.registry_section(map.get("Registry"), flags);

        let flow = Flow {
            train: flags.train?,
            evaluate: flags.evaluate?,
            deploy: flags.deploy?,
        };
        Some(Input {
            parameters: Parameters {
                flow,
                pretrained_model: if flow.deploy && !flow.train {
                    Some(pretrained_model?)
                } else {
                    None
                },
                train: if flow.train { Some(train?) } else { None },
                evaluation: if flow.evaluate {
                    Some(evaluation?)
                } else {
                    None
                },
                deploy: if flow.deploy { Some(deploy?) } else { None },
                registry: match (flow.train, map.contains_key("Registry")) {
                    (true, true) => Some(registry?),
                    _ => None,
                },
            },
        })
    }

    // ---- Flow ---------------------------------------------------------------------

    fn flow(&mut self, value: &Value) -> Flags {
        let path = "Parameters.Flow";
        let Some(map) = self.object(value, path, EXAMPLE_FLOW) else {
            return Flags::UNKNOWN;
        };
        self.unknown_keys(map, path, FLOW);
        let mut flag = |key: &str, required: bool| -> Option<bool> {
            let flag_path = child(path, key);
            match map.get(key) {
                Some(value) => self.boolean(value, &flag_path),
                None if required => {
                    self.error(flag_path, "required: true or false");
                    None
                }
                None => Some(false),
            }
        };
        let flags = Flags {
            train: flag("Train", true),
            evaluate: flag("Evaluate", false),
            deploy: flag("Deploy", true),
            evaluate_given: map.contains_key("Evaluate"),
        };
        if flags.evaluate == Some(true) && flags.train == Some(false) {
            self.error(
                "Parameters.Flow.Evaluate",
                "true needs Parameters.Flow.Train true: only a model trained by this execution has test scores \
                 to evaluate (the Main machine would fail in its EvaluateNeedsTraining state). Set Evaluate to \
                 false to deploy the pretrained model as it is, or train a new one",
            );
        }
        if flags.train == Some(false)
            && flags.evaluate == Some(false)
            && flags.deploy == Some(false)
        {
            self.error(
                "Parameters.Flow",
                "Train, Evaluate and Deploy are all false: the execution would do nothing; set Train and/or Deploy to true",
            );
        }
        flags
    }

    // ---- fields -------------------------------------------------------------------

    /// The value of `key`, or a problem when it is missing and needed.
    fn field<'a>(
        &mut self,
        map: &'a Map<String, Value>,
        parent: &str,
        key: &str,
        need: Need,
        what: &str,
    ) -> Option<(String, &'a Value)> {
        let path = child(parent, key);
        match map.get(key) {
            Some(value) => Some((path, value)),
            None => {
                if let Some(reason) = need {
                    self.error(path, format!("{reason}: give {what}"));
                }
                None
            }
        }
    }

    fn s3_field(
        &mut self,
        map: &Map<String, Value>,
        parent: &str,
        key: &str,
        need: Need,
        what: &str,
    ) -> Option<String> {
        let (path, value) = self.field(map, parent, key, need, what)?;
        let local = self.target == Target::Local;
        self.checked_string(
            value,
            path,
            "an S3 URI such as \"s3://my-bucket/data/file.csv\"",
            |uri| {
                let local_path = local && !uri.contains("://") && !uri.trim().is_empty();
                if local_path {
                    Ok(())
                } else {
                    check_s3_uri(uri)
                }
            },
        )
    }

    /// A string `value` at `path` that `check` accepts; otherwise its message is a problem.
    fn checked_string(
        &mut self,
        value: &Value,
        path: String,
        what: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> Option<String> {
        let text = self.string(value, &path, what)?;
        match check(text) {
            Ok(()) => Some(text.to_string()),
            Err(message) => {
                self.error(path, message);
                None
            }
        }
    }

    fn count_field(
        &mut self,
        map: &Map<String, Value>,
        parent: &str,
        key: &str,
        need: Need,
        purpose: &str,
    ) -> Option<u32> {
        let what = format!("the number of {purpose} instances, e.g. 1");
        let (path, value) = self.field(map, parent, key, need, &what)?;
        let fail = |checker: &mut Checker, message: String| {
            checker.error(path.clone(), message);
            None
        };
        match value {
            Value::Number(n) => {
                let whole = n
                    .as_i64()
                    .map(|i| i as f64)
                    .or_else(|| n.as_u64().map(|u| u as f64))
                    .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0));
                match whole {
                    None => fail(self, format!("{n} is not a whole number: give {what}")),
                    Some(count) if count < 1.0 => fail(
                        self,
                        format!("{n} instances cannot run anything: use 1 or more"),
                    ),
                    Some(count) if count > f64::from(i32::MAX) => fail(
                        self,
                        format!("{n} is more instances than SageMaker can count: use a realistic number such as 1"),
                    ),
                    Some(count) => Some(count as u32),
                }
            }
            Value::String(s) if s.trim().parse::<u32>().is_ok() => fail(
                self,
                format!(
                    "must be a number, not a string: write {} without quotes",
                    s.trim()
                ),
            ),
            other => fail(self, format!("must be {what}, not {}", describe(other))),
        }
    }

    fn instance_type_field(
        &mut self,
        map: &Map<String, Value>,
        parent: &str,
        key: &str,
        need: Need,
        use_: names::InstanceUse,
    ) -> Option<String> {
        let purpose = match use_ {
            names::InstanceUse::Training => "training",
            names::InstanceUse::Endpoint => "serving",
            names::InstanceUse::Transform => "batch transform",
        };
        let what = format!("the SageMaker instance type for {purpose}, e.g. \"ml.m5.xlarge\"");
        let (path, value) = self.field(map, parent, key, need, &what)?;
        // The AutoGluon images are x86 only: a Graviton type is refused here, by field,
        // rather than when SageMaker starts an x86 image on arm64.
        self.checked_string(value, path, &what, |v| {
            crate::stack::images::check_device(v).and_then(|()| names::check_instance_type(v, use_))
        })
    }

    // ---- JSON types ---------------------------------------------------------------

    fn object<'a>(
        &mut self,
        value: &'a Value,
        path: &str,
        example: &str,
    ) -> Option<&'a Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.error(
                    path,
                    format!(
                        "must be a JSON object such as {example}, not {}",
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    fn boolean(&mut self, value: &Value, path: &str) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            Value::String(s)
                if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
            {
                self.error(
                    path,
                    format!(
                        "must be true or false, not a string: write {} without quotes",
                        s.to_lowercase()
                    ),
                );
                None
            }
            other => {
                self.error(
                    path,
                    format!("must be true or false, not {}", describe(other)),
                );
                None
            }
        }
    }

    fn string<'a>(&mut self, value: &'a Value, path: &str, what: &str) -> Option<&'a str> {
        match value {
            Value::String(s) => Some(s),
            other => {
                self.error(path, format!("must be {what}, not {}", describe(other)));
                None
            }
        }
    }

    // ---- unknown keys -------------------------------------------------------------

    fn unknown_keys(&mut self, map: &Map<String, Value>, path: &str, known: &[&str]) {
        for key in map.keys() {
            if !known.contains(&key.as_str()) {
                self.unknown_key(&child(path, key), key, path, known);
            }
        }
    }

    fn unknown_key(&mut self, path: &str, key: &str, section: &str, known: &[&str]) {
        let section_name = if section == ROOT {
            "the input"
        } else {
            section
        };
        let others = || SECTIONS.iter().filter(|(name, _)| *name != section);
        // The same key, or a near miss of one, in another section.
        let elsewhere = others()
            .find(|(_, keys)| keys.contains(&key))
            .map(|(name, _)| (*name, key))
            .or_else(|| {
                others().find_map(|(name, keys)| {
                    suggest::closest(key, keys.iter().copied()).map(|near| (*name, near))
                })
            });
        let message = match (suggest::closest(key, known.iter().copied()), elsewhere) {
            (Some(near), _) => format!(
                "unknown key (did you mean {near:?}?): {section_name} takes {}",
                known.join(", ")
            ),
            (None, Some((elsewhere, near))) if near == key => {
                format!("{key} belongs in {elsewhere}, not in {section_name}")
            }
            (None, Some((elsewhere, near))) => format!(
                "unknown key (did you mean {near:?}? It belongs in {elsewhere}, not in {section_name})"
            ),
            (None, None) => format!(
                "unknown key: {section_name} takes {} (a misspelt key is ignored by the state machines, so it is refused here)",
                known.join(", ")
            ),
        };
        self.error(path, message);
    }
}

/// An S3 URI SageMaker accepts: `s3://bucket[/key]`, a valid bucket name, at most 1024
/// characters, no surrounding spaces.
pub(crate) fn check_s3_uri(uri: &str) -> Result<(), String> {
    let quoted = quote(uri);
    if uri.is_empty() {
        return Err(
            "is empty: give an S3 URI such as \"s3://my-bucket/data/file.csv\"".to_string(),
        );
    }
    if uri.trim() != uri {
        return Err(format!("{quoted} has spaces at its ends: remove them"));
    }
    if uri.chars().count() > MAX_S3_URI_CHARS {
        return Err(format!(
            "is {} characters long; SageMaker takes S3 URIs of at most {MAX_S3_URI_CHARS}",
            uri.chars().count()
        ));
    }
    match uri.parse::<S3Uri>() {
        Ok(_) => Ok(()),
        Err(S3UriError::Scheme(_)) => {
            let lower = uri.to_ascii_lowercase();
            Err(if lower.starts_with("s3://") {
                format!(
                    "{quoted}: write the scheme in lowercase: s3://{}",
                    &uri[5..]
                )
            } else if lower.starts_with("https://") || lower.starts_with("http://") {
                format!("{quoted} is a URL, not an S3 URI: write s3://<bucket>/<key>")
            } else {
                format!("{quoted} is not an S3 URI: write s3://<bucket>/<key>, e.g. \"s3://my-bucket/data/file.csv\"")
            })
        }
        Err(S3UriError::Bucket { bucket, why, .. }) => Err(format!(
            "{quoted} names the bucket {}, which is not a valid S3 bucket name: {why}",
            quote(&bucket)
        )),
    }
}
