//! Paths of the States Language: `$` (the state's data), `$$` (the context object) and
//! `$name` (a variable that an earlier state's `Assign` set).
//!
//! A *reference path* (`$.a.b[0]`, `$['a b']`, `$$.Execution.Name`) names at most one
//! node: field names and non-negative array indices only. It is parsed here, exactly.
//! Any other path (`$.a[*]`, `$..x`, `$.a[?(@.n > 1)]`, slices, unions) is a JSONPath
//! query, handed to `serde_json_path` (RFC 9535); like Step Functions, a query that can
//! select several nodes yields an array of everything it selected. A path that parses
//! as neither is an error when the machine is loaded.

use serde_json::{Map, Value};
use std::fmt;

/// Which document a path reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root {
    /// `$`: the state's (effective) input.
    Data,
    /// `$$`: the context object.
    Context,
    /// `$name`: a variable an earlier state's `Assign` set.
    Variable,
}

/// What paths read besides the state's data: the context object and the variables.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub context: &'a Value,
    pub variables: &'a Map<String, Value>,
}

static NO_VARIABLES: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();

impl<'a> From<&'a Value> for Scope<'a> {
    /// A context object and no variables.
    fn from(context: &'a Value) -> Scope<'a> {
        Scope {
            context,
            variables: NO_VARIABLES.get_or_init(Map::new),
        }
    }
}

impl<'a> Scope<'a> {
    /// The document a path with this root reads (`Value::Null` for an unset variable).
    pub fn document<'d>(&self, path: &Path, data: &'d Value) -> &'d Value
    where
        'a: 'd,
    {
        match path.root {
            Root::Data => data,
            Root::Context => self.context,
            Root::Variable => path
                .variable
                .as_ref()
                .and_then(|name| self.variables.get(name))
                .unwrap_or(&Value::Null),
        }
    }
}

/// One step of a reference path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Field(String),
    Index(usize),
}

/// A parsed path.
#[derive(Debug, Clone)]
pub(crate) struct Path {
    text: String,
    root: Root,
    /// The variable's name, for `Root::Variable`.
    variable: Option<String>,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Reference(Vec<Segment>),
    Query(Box<serde_json_path::JsonPath>),
}

/// A path that selected nothing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NoResult;

impl Path {
    /// Parses `$...` or `$$...`. The error says what is wrong with the text.
    pub(crate) fn parse(text: &str) -> Result<Path, String> {
        let mut variable = None;
        let (root, rest) = if let Some(rest) = text.strip_prefix("$$") {
            (Root::Context, rest)
        } else if let Some(rest) = text
            .strip_prefix('$')
            .filter(|r| r.starts_with(|c: char| c.is_alphabetic() || c == '_'))
        {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            variable = Some(rest[..end].to_string());
            (Root::Variable, &rest[end..])
        } else if let Some(rest) = text.strip_prefix('$') {
            (Root::Data, rest)
        } else {
            return Err(format!(
                "`{text}` is not a path: paths start with `$` (or `$$` for the context object)"
            ));
        };
        if let Some(segments) = parse_reference(rest) {
            return Ok(Path {
                text: text.to_string(),
                root,
                variable,
                kind: Kind::Reference(segments),
            });
        }
        let query = format!("${rest}");
        match serde_json_path::JsonPath::parse(&query) {
            Ok(path) => Ok(Path {
                text: text.to_string(),
                root,
                variable,
                kind: Kind::Query(Box::new(path)),
            }),
            Err(error) => Err(format!("`{text}` is not a valid JSONPath: {error}")),
        }
    }

    pub(crate) fn root(&self) -> Root {
        self.root
    }

    /// The segments when this is a reference path.
    pub(crate) fn reference(&self) -> Option<&[Segment]> {
        match &self.kind {
            Kind::Reference(segments) => Some(segments),
            Kind::Query(_) => None,
        }
    }

    /// Selects from `data` (for `$`), the context object (for `$$`) or a variable
    /// (`$name`, [`NoResult`] when unset). A reference path that names nothing is
    /// [`NoResult`]; a query yields the array of what it selected.
    pub(crate) fn select<'s>(
        &self,
        data: &Value,
        scope: impl Into<Scope<'s>>,
    ) -> Result<Value, NoResult> {
        let scope = scope.into();
        if let Some(name) = &self.variable {
            if !scope.variables.contains_key(name) {
                return Err(NoResult);
            }
        }
        let document = scope.document(self, data);
        match &self.kind {
            Kind::Reference(segments) => lookup(document, segments).cloned().ok_or(NoResult),
            Kind::Query(path) => Ok(Value::Array(
                path.query(document).all().into_iter().cloned().collect(),
            )),
        }
    }

    /// Why this path selected nothing in `document`, worded as AWS words it (Jayway
    /// JsonPath, which AWS's interpreter reads paths with): a missing last step is
    /// `No results for path: $['a']['b']`, a missing field on the way `Missing property in
    /// path $['a']` (LocalStack's snapshots of AWS: test_base_scenarios.py::
    /// test_invalid_jsonpath (InputPath, OutputPath), test_catch_states_runtime).
    pub fn why_nothing(&self, document: &Value) -> String {
        let Kind::Reference(segments) = &self.kind else {
            return format!("No results for path: {}", self.text);
        };
        let mut walked = String::from("$");
        let mut value = Some(document);
        for (i, segment) in segments.iter().enumerate() {
            match segment {
                Segment::Field(name) => walked.push_str(&format!("['{name}']")),
                Segment::Index(index) => walked.push_str(&format!("[{index}]")),
            }
            let next = match (segment, value) {
                (Segment::Field(name), Some(Value::Object(map))) => map.get(name),
                (Segment::Index(index), Some(Value::Array(items))) => items.get(*index),
                _ => None,
            };
            let missing_field =
                matches!(segment, Segment::Field(_)) && matches!(value, Some(Value::Object(_)));
            if next.is_none() && missing_field && i + 1 < segments.len() {
                return format!("Missing property in path {walked}");
            }
            value = next;
        }
        format!("No results for path: {walked}")
    }

    /// Whether the path selects something (the `IsPresent` test).
    pub(crate) fn is_present<'s>(&self, data: &Value, scope: impl Into<Scope<'s>>) -> bool {
        match self.select(data, scope) {
            Ok(Value::Array(items)) if matches!(self.kind, Kind::Query(_)) => !items.is_empty(),
            Ok(_) => true,
            Err(NoResult) => false,
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn lookup<'a>(mut value: &'a Value, segments: &[Segment]) -> Option<&'a Value> {
    for segment in segments {
        value = match (segment, value) {
            (Segment::Field(name), Value::Object(map)) => map.get(name)?,
            (Segment::Index(index), Value::Array(items)) => items.get(*index)?,
            _ => return None,
        };
    }
    Some(value)
}

/// `.name`, `['name']`, `["name"]` and `[0]` steps; `None` when `rest` is anything else
/// (it may still be a valid JSONPath query).
fn parse_reference(rest: &str) -> Option<Vec<Segment>> {
    let mut segments = Vec::new();
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && !matches!(chars[end], '.' | '[' | ']') {
                    end += 1;
                }
                let name: String = chars[start..end].iter().collect();
                if name.is_empty()
                    || name == "*"
                    || name.chars().any(|c| {
                        matches!(
                            c,
                            '\'' | '"' | '*' | '?' | '@' | '(' | ')' | ',' | ':' | ' '
                        )
                    })
                {
                    return None;
                }
                segments.push(Segment::Field(name));
                i = end;
            }
            '[' => {
                let close = chars[i..].iter().position(|&c| c == ']')? + i;
                let inner: String = chars[i + 1..close].iter().collect();
                if !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit()) {
                    segments.push(Segment::Index(inner.parse().ok()?));
                    i = close + 1;
                } else if let Some(name) = quoted(&chars, i + 1) {
                    let (name, after) = name;
                    if chars.get(after) != Some(&']') {
                        return None;
                    }
                    segments.push(Segment::Field(name));
                    i = after + 1;
                } else {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(segments)
}

/// A quoted name starting at `chars[start]` (`'...'` or `"..."`); returns the name and
/// the index after the closing quote. A backslash is a character like any other: AWS
/// reads `$['Test\""Name"']` as the field `Test\""Name"` (LocalStack's snapshot of AWS:
/// test_base_scenarios.py::test_escape_sequence_parsing, ESCAPE_SEQUENCES_JSONPATH).
fn quoted(chars: &[char], start: usize) -> Option<(String, usize)> {
    let quote = *chars.get(start)?;
    if quote != '\'' && quote != '"' {
        return None;
    }
    let mut name = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            c if c == quote => return Some((name, i + 1)),
            c => {
                name.push(c);
                i += 1;
            }
        }
    }
    None
}

/// A `ResultPath`: a reference path into `$` made of field names only.
#[derive(Debug, Clone)]
pub(crate) struct ResultPath {
    text: String,
    fields: Vec<String>,
}

/// Why a result cannot be placed where `ResultPath` says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResultPathMismatch(pub(crate) String);

impl ResultPath {
    pub(crate) fn parse(text: &str) -> Result<ResultPath, String> {
        let path = Path::parse(text)?;
        if path.root() != Root::Data {
            return Err(format!(
                "`{text}`: a ResultPath cannot write into the context object `$$`"
            ));
        }
        let segments = path.reference().ok_or_else(|| {
            format!("`{text}` is not a reference path: a ResultPath names one field (`$.a.b`), without wildcards, filters or slices")
        })?;
        let fields = segments
            .iter()
            .map(|segment| match segment {
                Segment::Field(name) => Ok(name.clone()),
                Segment::Index(_) => Err(format!(
                    "`{text}`: array indices in a ResultPath are not supported by the local runner; name object fields only"
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ResultPath {
            text: text.to_string(),
            fields,
        })
    }

    /// Places `result` into `input` (creating objects on the way), or returns the
    /// result itself for `$`.
    pub(crate) fn apply(&self, input: Value, result: Value) -> Result<Value, ResultPathMismatch> {
        if self.fields.is_empty() {
            return Ok(result);
        }
        let mut input = input;
        let mismatch = |input: &Value| {
            ResultPathMismatch(format!(
                "Unable to apply ResultPath '{}' to input '{}'",
                self.text,
                compact(input)
            ))
        };
        if !input.is_object() {
            return Err(mismatch(&input));
        }
        let snapshot = input.clone();
        let mut target: &mut Map<String, Value> = input.as_object_mut().expect("checked above");
        let (last, parents) = self.fields.split_last().expect("not empty");
        for field in parents {
            let slot = target
                .entry(field.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            target = match slot {
                Value::Object(map) => map,
                _ => return Err(mismatch(&snapshot)),
            };
        }
        target.insert(last.clone(), result);
        Ok(input)
    }
}

/// JSON text for error causes.
pub(crate) fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reference_paths_select_one_node() {
        let data = json!({"a": {"b": [10, {"c": "x"}]}, "sp ace": 1, "a-b": 2});
        let ctx = json!({"Execution": {"Name": "n"}});
        let get = |p: &str| Path::parse(p).unwrap().select(&data, &ctx);
        assert_eq!(get("$").unwrap(), data);
        assert_eq!(get("$.a.b[0]").unwrap(), json!(10));
        assert_eq!(get("$.a.b[1].c").unwrap(), json!("x"));
        assert_eq!(get("$['sp ace']").unwrap(), json!(1));
        assert_eq!(get("$.a-b").unwrap(), json!(2));
        assert_eq!(get("$$.Execution.Name").unwrap(), json!("n"));
        assert_eq!(get("$.a.missing"), Err(NoResult));
        assert_eq!(get("$.a.b[5]"), Err(NoResult));
        assert!(Path::parse("$.a.b[0]").unwrap().reference().is_some());
    }

    /// As AWS answers (tests/fixtures/aws-recorded, LocalStack's snapshots of AWS).
    #[test]
    fn as_aws_answers() {
        // test_base_scenarios.test_escape_sequence_parsing_ESCAPE_SEQUENCES_JSONPATH.
        let key = "Test\\\"\"Name\"";
        let data = json!({ key: "Value" });
        let path = Path::parse("$['Test\\\"\"Name\"']").unwrap();
        assert_eq!(path.select(&data, &Value::Null).unwrap(), json!("Value"));
        // test_invalid_jsonpath (InputPath), test_catch_states_runtime (OutputPath).
        let why = |p: &str, data: Value| Path::parse(p).unwrap().why_nothing(&data);
        assert_eq!(
            why("$.NoSuchInputPath", json!({"int-literal": 0})),
            "No results for path: $['NoSuchInputPath']"
        );
        assert_eq!(
            why("$.no.such.result.path", json!({})),
            "Missing property in path $['no']"
        );
        assert_eq!(
            why("$.a.b[3]", json!({"a": {"b": [1]}})),
            "No results for path: $['a']['b'][3]"
        );
    }

    #[test]
    fn queries_select_arrays() {
        let data = json!({"items": [{"n": 1}, {"n": 2}, {"n": 3}]});
        let get = |p: &str| Path::parse(p).unwrap().select(&data, &Value::Null).unwrap();
        assert_eq!(get("$.items[*].n"), json!([1, 2, 3]));
        assert_eq!(get("$..n"), json!([1, 2, 3]));
        assert_eq!(get("$.items[?(@.n > 1)].n"), json!([2, 3]));
        assert_eq!(get("$.items[0:2].n"), json!([1, 2]));
        assert!(Path::parse("a.b").is_err());
        assert!(Path::parse("$.a[").is_err());
    }

    #[test]
    fn result_paths_insert_and_reject() {
        let rp = ResultPath::parse("$.x.y").unwrap();
        assert_eq!(
            rp.apply(json!({"a": 1}), json!(2)).unwrap(),
            json!({"a": 1, "x": {"y": 2}})
        );
        assert_eq!(
            rp.apply(json!({"x": {"z": 0}}), json!(2)).unwrap(),
            json!({"x": {"z": 0, "y": 2}})
        );
        assert!(rp.apply(json!({"x": 5}), json!(2)).is_err());
        assert!(rp.apply(json!("s"), json!(2)).is_err());
        assert_eq!(
            ResultPath::parse("$")
                .unwrap()
                .apply(json!(1), json!(2))
                .unwrap(),
            json!(2)
        );
        assert!(ResultPath::parse("$.a[0]").is_err());
        assert!(ResultPath::parse("$.a[*]").is_err());
        assert!(ResultPath::parse("$$.a").is_err());
    }
}
