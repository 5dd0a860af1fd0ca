//! Intrinsic functions (`"Field.$": "States.Format('{}-x', $.name)"`): parsed when the
//! machine is loaded (unknown functions, wrong argument counts and malformed literals
//! are load errors) and evaluated against the state's data and the context object.
//! A failure while evaluating (a wrong argument type, an index out of range) is
//! `States.IntrinsicFailure`, as the States Language specification names it.

use super::path::{compact, Path, Scope};
use base64::Engine;
use serde_json::{Map, Number, Value};
use sha2::Digest;

/// A parsed intrinsic call.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    text: String,
    function: Function,
    args: Vec<Arg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    Format,
    StringToJson,
    JsonToString,
    Array,
    ArrayPartition,
    ArrayContains,
    ArrayRange,
    ArrayGetItem,
    ArrayLength,
    ArrayUnique,
    Base64Encode,
    Base64Decode,
    Hash,
    JsonMerge,
    MathRandom,
    MathAdd,
    StringSplit,
    Uuid,
}

impl Function {
    fn from_name(name: &str) -> Option<Function> {
        use Function::*;
        Some(match name {
            "States.Format" => Format,
            "States.StringToJson" => StringToJson,
            "States.JsonToString" => JsonToString,
            "States.Array" => Array,
            "States.ArrayPartition" => ArrayPartition,
            "States.ArrayContains" => ArrayContains,
            "States.ArrayRange" => ArrayRange,
            "States.ArrayGetItem" => ArrayGetItem,
            "States.ArrayLength" => ArrayLength,
            "States.ArrayUnique" => ArrayUnique,
            "States.Base64Encode" => Base64Encode,
            "States.Base64Decode" => Base64Decode,
            "States.Hash" => Hash,
            "States.JsonMerge" => JsonMerge,
            "States.MathRandom" => MathRandom,
            "States.MathAdd" => MathAdd,
            "States.StringSplit" => StringSplit,
            "States.UUID" => Uuid,
            _ => return None,
        })
    }

    /// (min, max) argument counts.
    fn arity(self) -> (usize, usize) {
        use Function::*;
        match self {
            Format => (1, usize::MAX),
            Array => (0, usize::MAX),
            Uuid => (0, 0),
            StringToJson | JsonToString | ArrayLength | ArrayUnique | Base64Encode
            | Base64Decode => (1, 1),
            ArrayPartition | ArrayContains | ArrayGetItem | Hash | MathAdd | StringSplit => (2, 2),
            ArrayRange | JsonMerge => (3, 3),
            MathRandom => (2, 3),
        }
    }
}

/// An argument: a literal, a path, or a nested call.
#[derive(Debug, Clone)]
enum Arg {
    /// A string literal keeps its pieces for `States.Format` (escaped braces are text).
    Str {
        value: String,
        pieces: Vec<Piece>,
    },
    Literal(Value),
    Path(Path),
    Call(Box<Call>),
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Slot,
}

/// The most nested calls one field may hold (as on AWS).
const MAX_NESTING: usize = 10;

impl Call {
    /// True when a `.$` value is an intrinsic call rather than a path.
    pub(crate) fn looks_like_call(text: &str) -> bool {
        text.trim_start().starts_with("States.")
    }

    pub(crate) fn parse(text: &str) -> Result<Call, String> {
        let mut parser = Parser {
            chars: text.chars().collect(),
            pos: 0,
            text,
        };
        parser.skip_spaces();
        let call = parser.call(0)?;
        parser.skip_spaces();
        if parser.pos != parser.chars.len() {
            return Err(parser.error("unexpected text after the closing parenthesis"));
        }
        Ok(call)
    }

    /// Evaluates the call; the error is the cause of a `States.IntrinsicFailure`.
    pub(crate) fn eval<'s>(
        &self,
        data: &Value,
        scope: impl Into<Scope<'s>>,
    ) -> Result<Value, String> {
        let scope = scope.into();
        let fail = |message: String| {
            format!(
                "The function '{}' had the following error: {message}",
                self.text
            )
        };
        let mut values = Vec::with_capacity(self.args.len());
        for arg in &self.args {
            values.push(match arg {
                Arg::Str { value, .. } => Value::String(value.clone()),
                Arg::Literal(value) => value.clone(),
                Arg::Path(path) => path.select(data, scope).map_err(|_| {
                    fail(format!(
                        "the path {path} selects nothing in '{}'",
                        compact(scope.document(path, data))
                    ))
                })?,
                Arg::Call(call) => call.eval(data, scope)?,
            });
        }
        self.apply(&values).map_err(fail)
    }

    fn apply(&self, args: &[Value]) -> Result<Value, String> {
        use Function::*;
        match self.function {
            Format => {
                // The format string may also come from a path or a variable (AWS formats
                // with `$.AnswerTemplate` and `$AnswerTemplate`: LocalStack's snapshots of
                // AWS, test_assign_reference_variables.py::test_reference_in_map_state);
                // there each `{}` is a placeholder and the rest is text.
                let pieces = match &self.args[0] {
                    Arg::Str { pieces, .. } => pieces.clone(),
                    _ => slots_of(string(&args[0], "the format string of States.Format")?),
                };
                let slots = pieces.iter().filter(|p| **p == Piece::Slot).count();
                if slots != args.len() - 1 {
                    return Err(format!(
                        "the format string has {slots} placeholders but {} arguments follow it",
                        args.len() - 1
                    ));
                }
                let mut values = args[1..].iter();
                let mut out = String::new();
                for piece in pieces {
                    match piece {
                        Piece::Text(text) => out.push_str(&text),
                        Piece::Slot => {
                            let value = values.next().expect("counted");
                            out.push_str(&java_text(value));
                        }
                    }
                }
                Ok(Value::String(out))
            }
            StringToJson => {
                let text = string(&args[0], "States.StringToJson")?;
                if text.trim().is_empty() {
                    return Ok(Value::Null);
                }
                let value: Value = serde_json::from_str(text)
                    .map_err(|e| format!("the string is not JSON: {e}"))?;
                // serde_json reads the integer `-0` as the float -0.0; AWS (Jackson) reads
                // it as the integer 0 (LocalStack's snapshot of AWS:
                // test_json_manipulation.py::test_string_to_json, input "-0").
                Ok(if text.contains(['.', 'e', 'E']) {
                    value
                } else {
                    integer_zeros(value)
                })
            }
            JsonToString => Ok(Value::String(compact(&args[0]))),
            Array => Ok(Value::Array(args.to_vec())),
            ArrayPartition => {
                let items = array(&args[0], "States.ArrayPartition")?;
                let size = integer(&args[1], "the chunk size")?;
                if size <= 0 {
                    return Err(format!(
                        "the chunk size must be a positive integer, got {size}"
                    ));
                }
                Ok(Value::Array(
                    items
                        .chunks(size as usize)
                        .map(|c| Value::Array(c.to_vec()))
                        .collect(),
                ))
            }
            ArrayContains => Ok(Value::Bool(
                array(&args[0], "States.ArrayContains")?.contains(&args[1]),
            )),
            ArrayRange => {
                let (start, end, step) = (
                    integer(&args[0], "the start")?,
                    integer(&args[1], "the end")?,
                    integer(&args[2], "the step")?,
                );
                if step == 0 {
                    return Err("the step must not be 0".into());
                }
                let mut items = Vec::new();
                let mut i = start;
                while (step > 0 && i <= end) || (step < 0 && i >= end) {
                    items.push(Value::from(i));
                    if items.len() > 1000 {
                        return Err("the range has more than 1000 elements".into());
                    }
                    i += step;
                }
                Ok(Value::Array(items))
            }
            ArrayGetItem => {
                let items = array(&args[0], "States.ArrayGetItem")?;
                let index = integer(&args[1], "the index")?;
                usize::try_from(index)
                    .ok()
                    .and_then(|i| items.get(i))
                    .cloned()
                    .ok_or_else(|| {
                        format!(
                            "the index {index} is out of bounds of an array of {} elements",
                            items.len()
                        )
                    })
            }
            ArrayLength => Ok(Value::from(array(&args[0], "States.ArrayLength")?.len())),
            ArrayUnique => {
                let mut out: Vec<Value> = Vec::new();
                for item in array(&args[0], "States.ArrayUnique")? {
                    if !out.contains(item) {
                        out.push(item.clone());
                    }
                }
                Ok(Value::Array(out))
            }
            Base64Encode => {
                let text = string(&args[0], "States.Base64Encode")?;
                if text.chars().count() > 10_000 {
                    return Err("the input is longer than 10000 characters".into());
                }
                Ok(Value::String(
                    base64::engine::general_purpose::STANDARD.encode(text),
                ))
            }
            Base64Decode => {
                let text = string(&args[0], "States.Base64Decode")?;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| format!("the input is not base64: {e}"))?;
                String::from_utf8(bytes)
                    .map(Value::String)
                    .map_err(|_| "the decoded bytes are not UTF-8 text".to_string())
            }
            Hash => {
                let data = match &args[0] {
                    Value::String(s) => s.clone(),
                    other => compact(other),
                };
                let algorithm = string(&args[1], "the hash algorithm")?;
                digest(algorithm, data.as_bytes()).map(Value::String).ok_or_else(|| {
                    format!("unknown hash algorithm {algorithm:?}: use MD5, SHA-1, SHA-256, SHA-384 or SHA-512")
                })
            }
            JsonMerge => {
                let (Value::Object(left), Value::Object(right)) = (&args[0], &args[1]) else {
                    return Err("States.JsonMerge merges two JSON objects".into());
                };
                if args[2] != Value::Bool(false) {
                    return Err(
                        "only shallow merges are supported: the third argument must be false"
                            .into(),
                    );
                }
                let mut merged: Map<String, Value> = left.clone();
                for (key, value) in right {
                    merged.insert(key.clone(), value.clone());
                }
                Ok(Value::Object(merged))
            }
            MathRandom => {
                // AWS takes decimal bounds (MathRandom(12.5, 44.51) succeeds: LocalStack's
                // snapshot of AWS, test_math_operations.py::test_math_random; the number
                // it drew is masked there): rounded as MathAdd rounds its arguments.
                let start = java_round(&args[0], "the start")?;
                let end = java_round(&args[1], "the end")?;
                if end <= start {
                    return Err(format!(
                        "the end ({end}) must be greater than the start ({start})"
                    ));
                }
                let random = match args.get(2) {
                    Some(seed) => splitmix(integer(seed, "the seed")? as u64),
                    None => super::ids::random_u64(),
                };
                let span = (end - start) as u64;
                Ok(Value::from(start + (random % span) as i64))
            }
            MathAdd => {
                let (a, b) = (
                    java_round(&args[0], "the first value")?,
                    java_round(&args[1], "the second value")?,
                );
                a.checked_add(b)
                    .map(Value::from)
                    .ok_or_else(|| "the sum overflows".to_string())
            }
            StringSplit => {
                let text = string(&args[0], "States.StringSplit")?;
                let delimiters: Vec<char> = string(&args[1], "the delimiters")?.chars().collect();
                Ok(Value::Array(
                    text.split(|c| delimiters.contains(&c))
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_string()))
                        .collect(),
                ))
            }
            Uuid => Ok(Value::String(super::ids::uuid_v4())),
        }
    }
}

/// A format string read at run time, cut at each `{}`.
fn slots_of(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for (i, part) in text.split("{}").enumerate() {
        if i > 0 {
            pieces.push(Piece::Slot);
        }
        if !part.is_empty() {
            pieces.push(Piece::Text(part.to_string()));
        }
    }
    pieces
}

/// A value as Java's `String.valueOf` writes the parsed JSON AWS's interpreter holds
/// (a `LinkedHashMap`, a `List`): `{a=1, b=[x, null]}`, strings bare. AWS renders
/// `States.Format` arguments so (LocalStack's snapshot of AWS:
/// test_generic.py::test_format_2 input 7 gives `fst={Arg1=1, Arg2=[]}`).
fn java_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(java_text).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k}={}", java_text(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// Java's `Math.round`: the nearest integer, halves towards positive infinity (2.5 is 3,
/// -2.5 is -2). AWS rounds each `States.MathAdd` argument so, then adds (LocalStack's
/// snapshot of AWS: test_math_operations.py::test_math_add, e.g. 1.49 + 1.5 = 3,
/// -0.5 + 0.5 = 1).
fn java_round(value: &Value, what: &str) -> Result<i64, String> {
    if let Some(i) = value.as_i64() {
        return Ok(i);
    }
    match value.as_f64() {
        Some(f) if f.is_finite() && f.abs() < 9.0e15 => Ok((f + 0.5).floor() as i64),
        _ => Err(format!("{what} must be a number, got {}", compact(value))),
    }
}

/// -0.0 as the integer 0, at any depth.
fn integer_zeros(value: Value) -> Value {
    match value {
        Value::Number(n) if n.as_f64() == Some(0.0) && n.is_f64() => Value::from(0),
        Value::Array(items) => Value::Array(items.into_iter().map(integer_zeros).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, integer_zeros(v)))
                .collect(),
        ),
        other => other,
    }
}

fn string<'a>(value: &'a Value, what: &str) -> Result<&'a str, String> {
    value
        .as_str()
        .ok_or_else(|| format!("{what} expects a string, got {}", compact(value)))
}

fn array<'a>(value: &'a Value, what: &str) -> Result<&'a Vec<Value>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("{what} expects an array, got {}", compact(value)))
}

fn integer(value: &Value, what: &str) -> Result<i64, String> {
    if let Some(i) = value.as_i64() {
        return Ok(i);
    }
    match value.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err(format!("{what} must be an integer, got {}", compact(value))),
    }
}

fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> String {
        format!("`{}`: {message} (at character {})", self.text, self.pos + 1)
    }

    fn skip_spaces(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn call(&mut self, depth: usize) -> Result<Call, String> {
        if depth >= MAX_NESTING {
            return Err(self.error(&format!(
                "more than {MAX_NESTING} nested intrinsic functions"
            )));
        }
        let start = self.pos;
        while self
            .chars
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '.')
        {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        let function = Function::from_name(&name)
            .ok_or_else(|| self.error(&format!("unknown intrinsic function `{name}`")))?;
        self.skip_spaces();
        if self.chars.get(self.pos) != Some(&'(') {
            return Err(self.error(&format!("`{name}` must be followed by `(`")));
        }
        self.pos += 1;
        let mut args = Vec::new();
        self.skip_spaces();
        if self.chars.get(self.pos) == Some(&')') {
            self.pos += 1;
        } else {
            loop {
                self.skip_spaces();
                args.push(self.arg(depth)?);
                self.skip_spaces();
                match self.chars.get(self.pos) {
                    Some(',') => self.pos += 1,
                    Some(')') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.error("expected `,` or `)` after an argument")),
                }
            }
        }
        let (min, max) = function.arity();
        if args.len() < min || args.len() > max {
            let expected = if min == max {
                format!("{min}")
            } else if max == usize::MAX {
                format!("at least {min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(self.error(&format!(
                "{name} takes {expected} arguments, got {}",
                args.len()
            )));
        }
        if function == Function::Format && matches!(args[0], Arg::Literal(_)) {
            return Err(self.error("the first argument of States.Format must be a string (a literal, a path or a variable)"));
        }
        if function == Function::Hash {
            if let Arg::Str { value, .. } = &args[1] {
                if !["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"].contains(&value.as_str()) {
                    return Err(self.error(&format!("unknown hash algorithm {value:?}")));
                }
            }
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        Ok(Call {
            text,
            function,
            args,
        })
    }

    fn arg(&mut self, depth: usize) -> Result<Arg, String> {
        match self.chars.get(self.pos) {
            Some('\'') => self.string(),
            Some('$') => self.path(),
            Some(c) if c.is_ascii_digit() || *c == '-' => self.number(),
            Some('S') => Ok(Arg::Call(Box::new(self.call(depth + 1)?))),
            Some(_) => {
                for (word, value) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    let end = self.pos + word.len();
                    if end <= self.chars.len()
                        && self.chars[self.pos..end].iter().collect::<String>() == word
                        && !self
                            .chars
                            .get(end)
                            .is_some_and(|c| c.is_ascii_alphanumeric())
                    {
                        self.pos = end;
                        return Ok(Arg::Literal(value));
                    }
                }
                Err(self.error("expected a 'string', a number, true, false, null, a $path or a States.Function(...)"))
            }
            None => Err(self.error("unexpected end: missing `)`")),
        }
    }

    fn string(&mut self) -> Result<Arg, String> {
        self.pos += 1;
        let mut value = String::new();
        let mut pieces = Vec::new();
        let mut text = String::new();
        loop {
            match self.chars.get(self.pos).copied() {
                None => return Err(self.error("unterminated string literal")),
                Some('\\') => {
                    let escaped = self
                        .chars
                        .get(self.pos + 1)
                        .copied()
                        .ok_or_else(|| self.error("a `\\` ends the text"))?;
                    // Only the reserved characters are escaped: AWS refuses `\"` at
                    // CreateStateMachine (LocalStack's snapshot of AWS:
                    // test_base_scenarios.py::test_illegal_escapes).
                    if !matches!(escaped, '\'' | '{' | '}' | '\\') {
                        return Err(self.error(&format!(
                            "`\\{escaped}` is not an escape: only \\', \\{{, \\}} and \\\\ are"
                        )));
                    }
                    value.push(escaped);
                    text.push(escaped);
                    self.pos += 2;
                }
                Some('\'') => {
                    self.pos += 1;
                    break;
                }
                Some('{') if self.chars.get(self.pos + 1) == Some(&'}') => {
                    value.push_str("{}");
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Slot);
                    self.pos += 2;
                }
                // A brace that is not `{}` is text: AWS runs
                // `States.StringToJson('{"constant_in_literal": "false"}')` (LocalStack's
                // snapshot of AWS: test_json_manipulation.py::test_json_merge_escaped_argument).
                Some(c) => {
                    value.push(c);
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Arg::Str { value, pieces })
    }

    fn number(&mut self) -> Result<Arg, String> {
        let start = self.pos;
        while self
            .chars
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        let number: Number = serde_json::from_str(&text)
            .map_err(|_| self.error(&format!("`{text}` is not a number")))?;
        Ok(Arg::Literal(Value::Number(number)))
    }

    /// A path runs to the next `,` or `)` outside brackets, parentheses and quotes.
    fn path(&mut self) -> Result<Arg, String> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        while let Some(&c) = self.chars.get(self.pos) {
            match quote {
                Some(q) => {
                    if c == '\\' {
                        self.pos += 1;
                    } else if c == q {
                        quote = None;
                    }
                }
                None => match c {
                    '\'' | '"' => quote = Some(c),
                    '[' | '(' => depth += 1,
                    ']' => depth = depth.saturating_sub(1),
                    ')' if depth == 0 => break,
                    ')' => depth -= 1,
                    ',' if depth == 0 => break,
                    _ => {}
                },
            }
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos]
            .iter()
            .collect::<String>()
            .trim_end()
            .to_string();
        Path::parse(&text)
            .map(Arg::Path)
            .map_err(|e| self.error(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(text: &str, data: Value) -> Result<Value, String> {
        Call::parse(text)?.eval(&data, &json!({"Execution": {"Name": "run-1"}}))
    }

    #[test]
    fn format_and_json() {
        assert_eq!(
            eval(
                "States.Format('{}-{}', 'automl', $$.Execution.Name)",
                json!({})
            )
            .unwrap(),
            json!("automl-run-1")
        );
        assert_eq!(
            eval(
                "States.Format('a\\{b\\} {} {}', $.n, $.b)",
                json!({"n": 1.5, "b": true})
            )
            .unwrap(),
            json!("a{b} 1.5 true")
        );
        assert_eq!(
            eval("States.JsonToString($.o)", json!({"o": {"a": [1, "x"]}})).unwrap(),
            json!("{\"a\":[1,\"x\"]}")
        );
        assert_eq!(
            eval("States.StringToJson($.s)", json!({"s": "{\"a\": 1}"})).unwrap(),
            json!({"a": 1})
        );
        assert!(eval("States.Format('{} {}', 1)", json!({})).is_err());
    }

    /// What AWS answered, as LocalStack recorded it (tests/fixtures/aws-recorded).
    #[test]
    fn as_aws_answers() {
        // test_generic.7: objects and arrays as Java writes a map and a list.
        assert_eq!(
            eval(
                "States.Format('fst={} and snd={}.', $.o, $.a)",
                json!({"o": {"Arg1": 1, "Arg2": []}, "a": [1, "x", null, {"k": true}]})
            )
            .unwrap(),
            json!("fst={Arg1=1, Arg2=[]} and snd=[1, x, null, {k=true}].")
        );
        // test_math_operations.test_math_add: each argument rounded half up, then added.
        for (a, b, sum) in [
            (1.49, 1.5, 3),
            (-1.5, -1.51, -3),
            (-0.5, 0.5, 1),
            (-2.5, 0.0, -2),
            (2.5, 0.0, 3),
            (-9.0, 3.0, -6),
        ] {
            assert_eq!(
                eval("States.MathAdd($.a, $.b)", json!({"a": a, "b": b})).unwrap(),
                json!(sum),
                "{a} + {b}"
            );
        }
        // test_json_manipulation.test_json_merge_escaped_argument: a lone brace is text.
        assert_eq!(
            eval("States.StringToJson('{\"k\": \"v\"}')", json!({})).unwrap(),
            json!({"k": "v"})
        );
        assert_eq!(
            eval("States.Format('{ {} }', 1)", json!({})).unwrap(),
            json!("{ 1 }")
        );
        // test_json_manipulation.test_string_to_json.3: "-0" is the integer 0.
        assert_eq!(
            eval("States.StringToJson($.s)", json!({"s": "-0"})).unwrap(),
            json!(0)
        );
    }

    #[test]
    fn arrays_math_strings() {
        assert_eq!(
            eval("States.Array(1, 'a', $.x, null, true)", json!({"x": [1]})).unwrap(),
            json!([1, "a", [1], null, true])
        );
        assert_eq!(
            eval("States.ArrayPartition(States.Array(1,2,3), 2)", json!({})).unwrap(),
            json!([[1, 2], [3]])
        );
        assert_eq!(
            eval("States.ArrayRange(1, 9, 3)", json!({})).unwrap(),
            json!([1, 4, 7])
        );
        assert_eq!(
            eval("States.ArrayGetItem($.a, 1)", json!({"a": [5, 6]})).unwrap(),
            json!(6)
        );
        assert!(eval("States.ArrayGetItem($.a, 2)", json!({"a": [5, 6]})).is_err());
        assert_eq!(
            eval("States.ArrayLength($.a)", json!({"a": [5, 6]})).unwrap(),
            json!(2)
        );
        assert_eq!(
            eval("States.ArrayUnique($.a)", json!({"a": [1, 1, 2]})).unwrap(),
            json!([1, 2])
        );
        assert_eq!(
            eval("States.ArrayContains($.a, 2)", json!({"a": [1, 2]})).unwrap(),
            json!(true)
        );
        assert_eq!(
            eval("States.MathAdd(40, -2)", json!({})).unwrap(),
            json!(38)
        );
        assert_eq!(
            eval("States.StringSplit('a,b+c', ',+')", json!({})).unwrap(),
            json!(["a", "b", "c"])
        );
        assert_eq!(
            eval("States.Base64Decode(States.Base64Encode('hé'))", json!({})).unwrap(),
            json!("hé")
        );
        assert_eq!(
            eval("States.Hash('abc', 'SHA-256')", json!({})).unwrap(),
            json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert_eq!(
            eval("States.Hash('abc', 'MD5')", json!({})).unwrap(),
            json!("900150983cd24fb0d6963f7d28e17f72")
        );
        assert_eq!(
            eval(
                "States.JsonMerge($.a, $.b, false)",
                json!({"a": {"x": 1, "y": 1}, "b": {"y": 2}})
            )
            .unwrap(),
            json!({"x": 1, "y": 2})
        );
        let r = eval("States.MathRandom(1, 3)", json!({}))
            .unwrap()
            .as_i64()
            .unwrap();
        assert!((1..3).contains(&r));
        assert_eq!(
            eval("States.UUID()", json!({}))
                .unwrap()
                .as_str()
                .unwrap()
                .len(),
            36
        );
    }

    #[test]
    fn load_time_errors() {
        for bad in [
            "States.Nope(1)",
            "States.UUID(1)",
            "States.Format(1, 2)",
            "States.Array(1",
            "States.Array(1) x",
            "States.Hash('a', 'CRC32')",
            "States.Array(x)",
            // test_base_scenarios.test_illegal_escapes: AWS refuses these.
            "States.Format('He said, \\\"Hello, {}!\\\"', 'x')",
            "States.StringToJson('{\"text\":\"An \\\"escaped\\\" quote\"}')",
        ] {
            assert!(Call::parse(bad).is_err(), "{bad} should not parse");
        }
    }
}

/// The hex digest of `bytes` by one of `States.Hash`'s algorithms (also JSONata's
/// `$hash`); `None` for another algorithm.
pub(crate) fn digest(algorithm: &str, bytes: &[u8]) -> Option<String> {
    let digest: Vec<u8> = match algorithm {
        "MD5" => <md5::Md5 as md5::Digest>::digest(bytes).to_vec(),
        "SHA-1" => sha1::Sha1::digest(bytes).to_vec(),
        "SHA-256" => sha2::Sha256::digest(bytes).to_vec(),
        "SHA-384" => sha2::Sha384::digest(bytes).to_vec(),
        "SHA-512" => sha2::Sha512::digest(bytes).to_vec(),
        _ => return None,
    };
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}
