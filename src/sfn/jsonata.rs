//! JSONata, the second query language of Step Functions (`"QueryLanguage": "JSONata"`):
//! one `{% ... %}` expression, parsed when the machine is loaded and evaluated against
//! `$states` (the state's input, result, error output and context object) and the
//! variables `Assign` set. The language itself is `jsonata-rs`; Step Functions' own
//! functions (`$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`: the AWS
//! docs "Transforming data with JSONata in Step Functions", section "JSONata functions
//! provided by Step Functions") are added here.
//!
//! jsonata-rs is "an (incomplete) implementation" and panics on some malformed text
//! (`unreachable!` in its parser: `States.Format()()a`); each call into it is therefore made under
//! [`contained`], which turns such a panic into an error naming the expression.
//!
//! Numbers: JSONata's are JavaScript doubles; AWS writes an integral one as an integer
//! (`1`, not `1.0`: LocalStack's snapshots of AWS, e.g. test_output.py::
//! test_base_output_any_non_dict INT), so a result is converted the same way.

use bumpalo::Bump;
use jsonata_rs::{ArrayFlags, FunctionContext, JsonAta, Value as JValue};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// An expression, the text between `{%` and `%}`.
#[derive(Debug, Clone)]
pub(crate) struct Expression {
    text: String,
}

/// What an expression gave, when it did not fail.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Evaluated {
    Value(Value),
    /// Nothing (JSONata's `undefined`: a missing field or variable, an empty sequence).
    Undefined,
    /// A function, a regular expression or a transform: no JSON value.
    Unsupported,
}

impl Expression {
    /// `text`: the whole string of a field, `{% ... %}` included; `None` when it is not
    /// an expression (AWS takes only a string that begins with `{%` and ends with `%}`:
    /// `" {% states.input %} "` is a literal, test_output.py::test_base_cases LITERALS).
    pub(crate) fn of(text: &str) -> Option<&str> {
        text.strip_prefix("{%")?.strip_suffix("%}")
    }

    /// Parses the expression between `{%` and `%}`; the error says why it does not parse.
    pub(crate) fn parse(inner: &str) -> Result<Expression, String> {
        let text = inner.trim().to_string();
        let parsed = contained(|| {
            let arena = Bump::new();
            JsonAta::new(&text, &arena)
                .map(|_| ())
                .map_err(|e| worded(&e))
        });
        match parsed {
            Ok(()) => Ok(Expression { text }),
            Err(why) => Err(format!(
                "the JSONata expression '{text}' does not parse: {why}"
            )),
        }
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Evaluates against `states` (bound to `$states`) and the variables; the error is
    /// JSONata's, as AWS words it (`T1006: Attempted to invoke a non-function`).
    pub(crate) fn eval(
        &self,
        states: &Value,
        variables: &Map<String, Value>,
    ) -> Result<Evaluated, String> {
        contained(|| self.eval_unguarded(states, variables))
    }

    fn eval_unguarded(
        &self,
        states: &Value,
        variables: &Map<String, Value>,
    ) -> Result<Evaluated, String> {
        let arena = Bump::new();
        let jsonata = JsonAta::new(&self.text, &arena).map_err(|e| worded(&e))?;
        jsonata.register_function("partition", 2, partition);
        jsonata.register_function("range", 3, range);
        jsonata.register_function("hash", 2, hash);
        jsonata.register_function("parse", 1, parse);
        let mut bindings: HashMap<&str, &Value> =
            variables.iter().map(|(k, v)| (k.as_str(), v)).collect();
        bindings.insert("states", states);
        let result = jsonata
            .evaluate(None, Some(&bindings))
            .map_err(|e| worded(&e))?;
        Ok(match to_json(result) {
            Some(Ok(value)) => Evaluated::Value(value),
            Some(Err(())) => Evaluated::Unsupported,
            None => Evaluated::Undefined,
        })
    }
}

/// Runs `work` (a call into jsonata-rs); a panic in it becomes an error. The panic is
/// not reported by the default hook when it comes from jsonata-rs: a hook installed once
/// leaves those out and hands every other panic to the hook it replaced.
fn contained<T>(work: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let inside = info
                .location()
                .is_some_and(|l| l.file().contains("jsonata-rs"));
            if !inside {
                previous(info);
            }
        }));
    });
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|_| {
        Err("the JSONata engine (jsonata-rs) failed on this expression".to_string())
    })
}

/// `T1006 @ 12: Attempted ...` (jsonata-rs) as JSONata-js words it: `T1006: Attempted ...`.
fn worded(error: &jsonata_rs::Error) -> String {
    let text = error.to_string();
    match text.split_once(" @ ") {
        Some((code, rest)) => match rest.split_once(": ") {
            Some((position, message)) if position.chars().all(|c| c.is_ascii_digit()) => {
                format!("{code}: {message}")
            }
            _ => format!("{code}: {rest}"),
        },
        None => text,
    }
}

/// A JSONata value as JSON: `None` for undefined, `Err` for what JSON cannot hold.
fn to_json<'a>(value: &'a JValue<'a>) -> Option<std::result::Result<Value, ()>> {
    Some(Ok(match value {
        JValue::Undefined => return None,
        JValue::Null => Value::Null,
        JValue::Bool(b) => Value::Bool(*b),
        JValue::Number(n) => number(*n),
        JValue::String(s) => Value::String(s.to_string()),
        JValue::Array(..) | JValue::Range(..) => {
            let mut items = Vec::new();
            for member in value.members() {
                match to_json(member) {
                    Some(Ok(item)) => items.push(item),
                    Some(Err(())) => return Some(Err(())),
                    // An undefined member is left out, as JSON.stringify would.
                    None => {}
                }
            }
            Value::Array(items)
        }
        JValue::Object(_) => {
            let mut map = Map::new();
            for (key, member) in value.entries() {
                match to_json(member) {
                    Some(Ok(item)) => {
                        map.insert(key.to_string(), item);
                    }
                    Some(Err(())) => return Some(Err(())),
                    None => {}
                }
            }
            Value::Object(map)
        }
        JValue::Regex(_)
        | JValue::Lambda { .. }
        | JValue::NativeFn { .. }
        | JValue::Transformer { .. } => return Some(Err(())),
    }))
}

/// An integral double within 2^53 as an integer (JavaScript's JSON.stringify), else a
/// float (non-finite: null, as JSON.stringify writes them).
pub(crate) fn number(n: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if n.fract() == 0.0 && n.abs() <= EXACT {
        Value::Number(Number::from(n as i64))
    } else {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

type Returned<'a> = jsonata_rs::Result<&'a JValue<'a>>;

fn bad_argument<'a>(context: &FunctionContext<'a, '_>, index: usize) -> jsonata_rs::Error {
    jsonata_rs::Error::T0410ArgumentNotValid(context.char_index, index, context.name.to_string())
}

/// `$partition(array, size)`: the array in chunks of `size` (the last one shorter).
fn partition<'a>(context: FunctionContext<'a, '_>, args: &[&'a JValue<'a>]) -> Returned<'a> {
    let (Some(array), Some(size)) = (args.first(), args.get(1)) else {
        return Err(bad_argument(&context, 1));
    };
    if !size.is_integer() || size.as_f64() < 1.0 {
        return Err(bad_argument(&context, 2));
    }
    let members: Vec<&'a JValue<'a>> = if array.is_array() {
        array.members().collect()
    } else if array.is_undefined() {
        return Ok(JValue::undefined());
    } else {
        vec![*array]
    };
    let size = size.as_usize();
    let out =
        JValue::array_with_capacity(context.arena, members.len() / size + 1, ArrayFlags::empty());
    for chunk in members.chunks(size) {
        let part = JValue::array_with_capacity(context.arena, chunk.len(), ArrayFlags::empty());
        for member in chunk {
            part.push(member);
        }
        out.push(part);
    }
    Ok(out)
}

/// `$range(start, end, step)`: start, start + step, ... up to end (included). A
/// sequence, so one number comes out as the number (AWS: `$range(1, 9, 9)` is `1`,
/// test_array_jsonata.py::test_array_range).
fn range<'a>(context: FunctionContext<'a, '_>, args: &[&'a JValue<'a>]) -> Returned<'a> {
    let number = |i: usize| {
        args.get(i)
            .filter(|v| v.is_number())
            .map(|v| v.as_f64())
            .ok_or_else(|| bad_argument(&context, i + 1))
    };
    let (start, end, step) = (number(0)?, number(1)?, number(2)?);
    if step == 0.0 || !step.is_finite() {
        return Err(bad_argument(&context, 3));
    }
    let out = JValue::array(context.arena, ArrayFlags::SEQUENCE);
    let mut at = start;
    while (step > 0.0 && at <= end) || (step < 0.0 && at >= end) {
        out.push(JValue::number(context.arena, at));
        at += step;
    }
    Ok(out)
}

/// `$hash(text, algorithm)`: the hex digest; the algorithms are those of
/// `States.Hash` (MD5, SHA-1, SHA-256, SHA-384, SHA-512).
fn hash<'a>(context: FunctionContext<'a, '_>, args: &[&'a JValue<'a>]) -> Returned<'a> {
    let (Some(text), Some(algorithm)) = (args.first(), args.get(1)) else {
        return Err(bad_argument(&context, 1));
    };
    if !text.is_string() {
        return Err(bad_argument(&context, 1));
    }
    let digest = super::intrinsics::digest(&algorithm.as_str(), text.as_str().as_bytes())
        .ok_or_else(|| bad_argument(&context, 2))?;
    Ok(JValue::string(context.arena, &digest))
}

/// `$parse(text)`: the JSON value the text holds.
fn parse<'a>(context: FunctionContext<'a, '_>, args: &[&'a JValue<'a>]) -> Returned<'a> {
    let Some(text) = args.first().filter(|v| v.is_string()) else {
        return Err(bad_argument(&context, 1));
    };
    let value: Value =
        serde_json::from_str(&text.as_str()).map_err(|_| bad_argument(&context, 1))?;
    Ok(from_json(context.arena, &value))
}

fn from_json<'a>(arena: &'a Bump, value: &Value) -> &'a JValue<'a> {
    match value {
        Value::Null => JValue::null(arena),
        Value::Bool(b) => JValue::bool(*b),
        Value::Number(n) => JValue::number(arena, n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => JValue::string(arena, s),
        Value::Array(items) => {
            let array = JValue::array_with_capacity(arena, items.len(), ArrayFlags::empty());
            for item in items {
                array.push(from_json(arena, item));
            }
            array
        }
        Value::Object(map) => {
            let object = JValue::object_with_capacity(arena, map.len());
            for (key, item) in map {
                object.insert(key, from_json(arena, item));
            }
            object
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(text: &str, states: Value) -> Result<Evaluated, String> {
        Expression::parse(text).unwrap().eval(&states, &Map::new())
    }

    #[test]
    fn evaluates_as_aws_does() {
        let input = json!({"input": {"a": [1, 2, 3], "s": "x"}});
        assert_eq!(
            eval("$sum($states.input.a) + 1", input.clone()),
            Ok(Evaluated::Value(json!(7)))
        );
        assert_eq!(eval("0.1", json!({})), Ok(Evaluated::Value(json!(0.1))));
        assert_eq!(eval("$doesNotExist", json!({})), Ok(Evaluated::Undefined));
        assert_eq!(
            eval("$fn := function($x){$x}", json!({})),
            Ok(Evaluated::Unsupported)
        );
        assert_eq!(
            eval("$partition([0, 1, 2], 2)", json!({})),
            Ok(Evaluated::Value(json!([[0, 1], [2]])))
        );
        assert_eq!(
            eval("$range(0, 10, 3)", json!({})),
            Ok(Evaluated::Value(json!([0, 3, 6, 9])))
        );
        assert_eq!(
            eval("$range(1, 9, 9)", json!({})),
            Ok(Evaluated::Value(json!(1)))
        );
        assert_eq!(
            eval("$parse('{\"a\": [1]}')", json!({})),
            Ok(Evaluated::Value(json!({"a": [1]})))
        );
        assert_eq!(
            eval("$randomSeeded(1)", json!({})),
            Err("T1006: Attempted to invoke a non-function".to_string())
        );
        assert!(Expression::parse("$states.input.(").is_err());
        // jsonata-rs panics on this one (its parser's unreachable!): an error here.
        assert!(Expression::parse("States.Format()()a").is_err());
        assert_eq!(Expression::of("{% $x %}"), Some(" $x "));
        assert_eq!(Expression::of(" {% $x %}"), None);
    }
}
