//! Walks a JSON request along its input shape, collecting every violation.
//!
//! What botocore's `ParamValidator` (botocore/validate.py) checks is checked the same way
//! and reported at the same path: required members, unknown members, types, `min` (length
//! of strings, lists and maps; value of numbers; 1 for host labels), tagged unions. What
//! botocore leaves to the service is checked too: `max`, `enum` and `pattern` (matched
//! against the whole value, as AWS's Java validation does).
//!
//! Paths are botocore's: `Member.Sub[0].Leaf`, `Map (key: k)` for a map key, `Map.k` for
//! its value, `input` for the request itself.

use super::shape::{Kind, Model, Ref, Shape};
use serde_json::Value;
use std::fmt;

/// One constraint a request breaks.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Violation {
    /// botocore's name for the offending value (for a missing or unknown member: the
    /// structure that lacks or has it).
    pub(crate) path: String,
    pub(crate) kind: ViolationKind,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ViolationKind {
    Missing {
        member: String,
    },
    Unknown {
        member: String,
        valid: Vec<String>,
    },
    Type {
        expected: &'static str,
        value: String,
    },
    Length {
        length: usize,
        min: Option<f64>,
        max: Option<f64>,
        value: String,
    },
    Range {
        value: String,
        min: Option<f64>,
        max: Option<f64>,
    },
    Enum {
        value: String,
        allowed: Vec<String>,
    },
    Pattern {
        value: String,
        pattern: String,
    },
    /// A tagged union with zero or several members set.
    Union {
        set: usize,
        members: Vec<String>,
    },
    /// The model's pattern could not be compiled (a translation gap; see pattern.rs).
    Uncheckable {
        why: String,
    },
}

impl ViolationKind {
    /// A short, stable name of the constraint (as the differential cases record it).
    #[cfg(test)]
    pub(crate) fn code(&self) -> &'static str {
        match self {
            ViolationKind::Missing { .. } => "missing",
            ViolationKind::Unknown { .. } => "unknown",
            ViolationKind::Type { .. } => "type",
            ViolationKind::Length { .. } => "length",
            ViolationKind::Range { .. } => "range",
            ViolationKind::Enum { .. } => "enum",
            ViolationKind::Pattern { .. } => "pattern",
            ViolationKind::Union { .. } => "union",
            ViolationKind::Uncheckable { .. } => "uncheckable",
        }
    }
}

/// Why a request is refused: the violations, or a model that cannot check it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Problem {
    pub(crate) operation: String,
    pub(crate) violations: Vec<Violation>,
    /// Not a violation: the operation is not in the model, or the model did not load.
    pub(crate) model_error: Option<String>,
}

impl Problem {
    pub(super) fn violations(operation: &str, violations: Vec<Violation>) -> Problem {
        Problem {
            operation: operation.to_string(),
            violations,
            model_error: None,
        }
    }

    pub(super) fn model(why: String) -> Problem {
        Problem {
            operation: String::new(),
            violations: Vec::new(),
            model_error: Some(why),
        }
    }

    /// The message an AWS service (SageMaker, Lambda, Step Functions: AWS's Coral
    /// validation) sends back as a `ValidationException`:
    /// `1 validation error detected: Value 'x' at 'resourceConfig.instanceType' failed to
    /// satisfy constraint: Member must satisfy enum value set: [...]`. AWS names members in
    /// lower camel case, list elements by 1-based `.member.` positions. The wording is
    /// SageMaker's as users have recorded it, e.g. aws-samples/sagemaker-ml-workflow-with-
    /// apache-airflow#3: "2 validation errors detected: Value '...' at 'modelName' failed to
    /// satisfy constraint: Member must have length less than or equal to 63; Value '...' at
    /// 'modelName' failed to satisfy constraint: Member must satisfy regular expression
    /// pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*".
    pub(crate) fn aws_message(&self) -> String {
        if let Some(why) = &self.model_error {
            return why.clone();
        }
        let parts: Vec<String> = self.violations.iter().map(Violation::aws_phrase).collect();
        let count = parts.len();
        format!(
            "{count} validation error{} detected: {}",
            if count == 1 { "" } else { "s" },
            parts.join("; ")
        )
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(why) = &self.model_error {
            return f.write_str(why);
        }
        let lines: Vec<String> = self.violations.iter().map(ToString::to_string).collect();
        write!(f, "{}", lines.join("\n"))
    }
}

impl std::error::Error for Problem {}

/// A value as an error message shows it: strings as they are, the rest as JSON; long ones cut.
fn shown(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// A long list of allowed values, shortened for a person.
fn some_of(values: &[String]) -> String {
    const SHOWN: usize = 8;
    if values.len() <= SHOWN {
        values.join(", ")
    } else {
        format!(
            "{}, ... ({} values)",
            values[..SHOWN].join(", "),
            values.len()
        )
    }
}

fn bounds(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("between {min} and {max}"),
        (Some(min), None) => format!("at least {min}"),
        (None, Some(max)) => format!("at most {max}"),
        (None, None) => "unbounded".to_string(),
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = &self.path;
        match &self.kind {
            ViolationKind::Missing { member } => {
                write!(f, "{path}: missing required member {member:?}")
            }
            ViolationKind::Unknown { member, valid } => write!(
                f,
                "{path}: unknown member {member:?}, must be one of: {}",
                some_of(valid)
            ),
            ViolationKind::Type { expected, value } => {
                write!(f, "{path}: {value} is not a {expected}")
            }
            ViolationKind::Length {
                length, min, max, ..
            } => write!(f, "{path}: length {length} is not {}", bounds(*min, *max)),
            ViolationKind::Range { value, min, max } => {
                write!(f, "{path}: {value} is not {}", bounds(*min, *max))
            }
            ViolationKind::Enum { value, allowed } => {
                write!(f, "{path}: {value} is not one of {}", some_of(allowed))
            }
            ViolationKind::Pattern { value, pattern } => {
                write!(f, "{path}: {value:?} does not match the pattern {pattern}")
            }
            ViolationKind::Union { set, members } => write!(
                f,
                "{path}: exactly one of {} must be set, not {set}",
                members.join(", ")
            ),
            ViolationKind::Uncheckable { why } => write!(f, "{path}: cannot be checked: {why}"),
        }
    }
}

impl Violation {
    /// AWS's location of the value: `productionVariants.1.member.instanceType`.
    fn aws_path(&self) -> String {
        let mut out: Vec<String> = Vec::new();
        let path = match self.path.as_str() {
            "input" => "",
            p => p,
        };
        for segment in path.split('.').filter(|s| !s.is_empty()) {
            let (name, indices) = match segment.find('[') {
                Some(at) => (&segment[..at], &segment[at..]),
                None => (segment, ""),
            };
            let mut chars = name.chars();
            let camel = match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => String::new(),
            };
            out.push(camel);
            for index in indices.split(['[', ']']).filter(|s| !s.is_empty()) {
                let n: usize = index.parse().unwrap_or(0);
                out.push(format!("{}.member", n + 1));
            }
        }
        out.join(".")
    }

    fn aws_phrase(&self) -> String {
        let at = self.aws_path();
        match &self.kind {
            ViolationKind::Missing { member } => {
                let mut chars = member.chars();
                let camel: String = match chars.next() {
                    Some(first) => first.to_lowercase().chain(chars).collect(),
                    None => String::new(),
                };
                let full = if at.is_empty() { camel } else { format!("{at}.{camel}") };
                format!("Value null at '{full}' failed to satisfy constraint: Member must not be null")
            }
            ViolationKind::Unknown { member, .. } => {
                format!("Unknown parameter '{member}' at '{at}'")
            }
            ViolationKind::Type { expected, value } => format!(
                "Value '{value}' at '{at}' failed to satisfy constraint: Member must be a {expected}"
            ),
            ViolationKind::Length { length, min, max, value } => {
                let rule = match (min, max) {
                    (Some(min), _) if (*length as f64) < *min => {
                        format!("Member must have length greater than or equal to {min}")
                    }
                    (_, Some(max)) => format!("Member must have length less than or equal to {max}"),
                    _ => "Member must have a valid length".to_string(),
                };
                format!("Value '{value}' at '{at}' failed to satisfy constraint: {rule}")
            }
            ViolationKind::Range { value, min, max } => {
                let number: f64 = value.parse().unwrap_or(0.0);
                let rule = match (min, max) {
                    (Some(min), _) if number < *min => format!("Member must have value greater than or equal to {min}"),
                    (_, Some(max)) => format!("Member must have value less than or equal to {max}"),
                    _ => "Member must be in range".to_string(),
                };
                format!("Value '{value}' at '{at}' failed to satisfy constraint: {rule}")
            }
            ViolationKind::Enum { value, allowed } => format!(
                "Value '{value}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ),
            // AWS shows the pattern anchored, as its API reference does: `^[a-zA-Z0-9](-*[a-zA-Z0-9])*`.
            ViolationKind::Pattern { value, pattern } => format!(
                "Value '{value}' at '{at}' failed to satisfy constraint: Member must satisfy regular expression pattern: {}{pattern}",
                if pattern.starts_with('^') { "" } else { "^" }
            ),
            ViolationKind::Union { members, .. } => format!(
                "Value at '{at}' failed to satisfy constraint: exactly one of {} must be set",
                members.join(", ")
            ),
            ViolationKind::Uncheckable { why } => format!("Value at '{at}' cannot be checked: {why}"),
        }
    }
}

/// Every violation of `request` against the shape named `root`.
pub(super) fn check(model: &Model, root: &str, request: &Value) -> Vec<Violation> {
    let mut walker = Walker {
        model,
        out: Vec::new(),
    };
    walker.value(request, root, None, "");
    walker.out
}

struct Walker<'m> {
    model: &'m Model,
    out: Vec<Violation>,
}

/// botocore's display name: no leading dot, `input` for the root.
fn name(path: &str) -> String {
    match path.strip_prefix('.') {
        Some(rest) => rest.to_string(),
        None if path.is_empty() => "input".to_string(),
        None => path.to_string(),
    }
}

fn is_integer(value: &Value) -> bool {
    value.is_i64() || value.is_u64()
}

impl Walker<'_> {
    fn report(&mut self, path: &str, kind: ViolationKind) {
        self.out.push(Violation {
            path: name(path),
            kind,
        });
    }

    fn value(&mut self, value: &Value, shape_name: &str, via: Option<&Ref>, path: &str) {
        let Some(shape) = self.model.shapes.get(shape_name) else {
            self.report(
                path,
                ViolationKind::Uncheckable {
                    why: format!("the model has no shape {shape_name}"),
                },
            );
            return;
        };
        if via.is_some_and(|r| r.jsonvalue) {
            // Any JSON value can be encoded to JSON.
            return;
        }
        if shape.kind == Kind::Structure && shape.document {
            // botocore accepts any JSON for a document (null, scalars, lists, objects).
            return;
        }
        let host_label = via.is_some_and(|r| r.host_label);
        match shape.kind {
            Kind::Structure => self.structure(value, shape, path),
            Kind::List => self.list(value, shape, path),
            Kind::Map => self.map(value, shape, path),
            Kind::String => self.string(value, shape, host_label, path),
            Kind::Integer | Kind::Long => {
                if !is_integer(value) {
                    return self.wrong_type(value, shape.kind, path);
                }
                self.range(value, shape, path);
            }
            Kind::Double | Kind::Float => {
                if !value.is_number() {
                    return self.wrong_type(value, shape.kind, path);
                }
                self.range(value, shape, path);
            }
            Kind::Boolean => {
                if !value.is_boolean() {
                    self.wrong_type(value, shape.kind, path);
                }
            }
            // botocore accepts bytes, bytearray, str or a file; in JSON, a string.
            Kind::Blob => {
                if !value.is_string() {
                    self.wrong_type(value, shape.kind, path);
                }
            }
            Kind::Timestamp => {
                if !is_timestamp(value) {
                    self.wrong_type(value, shape.kind, path);
                }
            }
        }
    }

    fn wrong_type(&mut self, value: &Value, kind: Kind, path: &str) {
        self.report(
            path,
            ViolationKind::Type {
                expected: kind.name(),
                value: shown(value),
            },
        );
    }

    fn structure(&mut self, value: &Value, shape: &Shape, path: &str) {
        let Some(object) = value.as_object() else {
            return self.wrong_type(value, Kind::Structure, path);
        };
        if shape.union && object.len() != 1 {
            let members = shape.members.keys().cloned().collect();
            self.report(
                path,
                ViolationKind::Union {
                    set: object.len(),
                    members,
                },
            );
        }
        for required in &shape.required {
            if !object.contains_key(required) {
                self.report(
                    path,
                    ViolationKind::Missing {
                        member: required.clone(),
                    },
                );
            }
        }
        for (key, item) in object {
            match shape.members.get(key) {
                None => {
                    let valid = shape.members.keys().cloned().collect();
                    self.report(
                        path,
                        ViolationKind::Unknown {
                            member: key.clone(),
                            valid,
                        },
                    );
                }
                Some(r) => {
                    let child = format!("{path}.{key}");
                    self.value(item, &r.shape, Some(r), &child);
                }
            }
        }
    }

    fn list(&mut self, value: &Value, shape: &Shape, path: &str) {
        let Some(items) = value.as_array() else {
            return self.wrong_type(value, Kind::List, path);
        };
        self.length(items.len(), shape, false, &shown(value), path);
        if let Some(member) = &shape.member {
            for (i, item) in items.iter().enumerate() {
                self.value(item, &member.shape, Some(member), &format!("{path}[{i}]"));
            }
        }
    }

    fn map(&mut self, value: &Value, shape: &Shape, path: &str) {
        let Some(object) = value.as_object() else {
            return self.wrong_type(value, Kind::Map, path);
        };
        // botocore checks no length on maps; AWS checks min and max entries.
        self.length(object.len(), shape, false, &shown(value), path);
        for (key, item) in object {
            if let Some(k) = &shape.key {
                self.value(
                    &Value::String(key.clone()),
                    &k.shape,
                    Some(k),
                    &format!("{path} (key: {key})"),
                );
            }
            if let Some(v) = &shape.value {
                self.value(item, &v.shape, Some(v), &format!("{path}.{key}"));
            }
        }
    }

    fn string(&mut self, value: &Value, shape: &Shape, host_label: bool, path: &str) {
        let Some(text) = value.as_str() else {
            return self.wrong_type(value, Kind::String, path);
        };
        // botocore counts Python characters (code points), as does AWS's Java validation of
        // the models' `min`/`max` for the strings these operations take.
        self.length(text.chars().count(), shape, host_label, text, path);
        if let Some(allowed) = &shape.enum_ {
            if !allowed.iter().any(|a| a == text) {
                self.report(
                    path,
                    ViolationKind::Enum {
                        value: text.to_string(),
                        allowed: allowed.clone(),
                    },
                );
            }
        }
        if let Some(pattern) = &shape.pattern {
            match self.model.patterns.full_match(pattern, text) {
                Ok(true) => {}
                Ok(false) => self.report(
                    path,
                    ViolationKind::Pattern {
                        value: text.to_string(),
                        pattern: pattern.clone(),
                    },
                ),
                Err(why) => self.report(path, ViolationKind::Uncheckable { why }),
            }
        }
    }

    fn length(&mut self, length: usize, shape: &Shape, host_label: bool, value: &str, path: &str) {
        let min = shape.min.or(if host_label { Some(1.0) } else { None });
        let n = length as f64;
        if min.is_some_and(|m| n < m) || shape.max.is_some_and(|m| n > m) {
            self.report(
                path,
                ViolationKind::Length {
                    length,
                    min,
                    max: shape.max,
                    value: value.to_string(),
                },
            );
        }
    }

    fn range(&mut self, value: &Value, shape: &Shape, path: &str) {
        let Some(n) = value.as_f64() else { return };
        if shape.min.is_some_and(|m| n < m) || shape.max.is_some_and(|m| n > m) {
            self.report(
                path,
                ViolationKind::Range {
                    value: value.to_string(),
                    min: shape.min,
                    max: shape.max,
                },
            );
        }
    }
}

/// botocore accepts a timestamp as a datetime, epoch seconds, or a string that dateutil
/// parses; in JSON: a number, or an ISO 8601 date or date-time string.
fn is_timestamp(value: &Value) -> bool {
    match value {
        Value::Number(_) => true,
        Value::String(s) => is_iso8601(s) || (!s.is_empty() && s.parse::<f64>().is_ok()),
        _ => false,
    }
}

/// `YYYY-MM-DD`, optionally `Thh:mm[:ss[.fff]]` and `Z` or `±hh:mm`.
fn is_iso8601(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10))
    {
        return false;
    }
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    let rest = &s[10..];
    if rest.is_empty() {
        return true;
    }
    let Some(time) = rest.strip_prefix(['T', ' ']) else {
        return false;
    };
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(at) => (&time[..at], &time[at..]),
        None => (time, ""),
    };
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let parts: Vec<&str> = hms.split(':').collect();
    let fields_ok = (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|d| d.is_ascii_digit()))
        && parts[0].parse::<u32>().is_ok_and(|h| h < 24)
        && parts[1].parse::<u32>().is_ok_and(|m| m < 60)
        && parts
            .get(2)
            .is_none_or(|s| s.parse::<u32>().is_ok_and(|s| s < 61))
        && !fraction.is_empty()
        && fraction.bytes().all(|d| d.is_ascii_digit());
    let zone_ok = match zone {
        "" | "Z" => true,
        z => {
            let offset = &z[1..];
            let (h, m) = offset.split_once(':').unwrap_or((offset, "00"));
            h.len() == 2 && m.len() == 2 && h.bytes().chain(m.bytes()).all(|d| d.is_ascii_digit())
        }
    };
    fields_ok && zone_ok
}
