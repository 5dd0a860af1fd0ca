//! A problem with an input, at a JSON path, and how paths are spelt in messages.

use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// One thing wrong with an input: where (`Parameters.Train.InstanceCount`) and what, with
/// how to fix it. Displayed as `path: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub(crate) path: String,
    pub(crate) message: String,
}

impl Problem {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for Problem {}

/// The path of the whole document.
pub(crate) const ROOT: &str = "$";

/// The path of `key` inside the object at `parent`: `Parameters.Train`, or
/// `Parameters["odd key"]` when the key is not a plain name.
pub(crate) fn child(parent: &str, key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match (parent == ROOT, plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{parent}.{key}"),
        (_, false) => format!("{parent}[{}]", Value::from(key)),
    }
}

/// How a JSON value is named in messages: `a string ("x")`, `a number (3)`, ...
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", quote(s)),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// A user's string in a message: JSON-quoted, shortened past 60 characters.
pub(crate) fn quote(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        Value::from(s).to_string()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{}...", Value::from(head))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths() {
        assert_eq!(child(ROOT, "Parameters"), "Parameters");
        assert_eq!(child("Parameters", "Flow"), "Parameters.Flow");
        assert_eq!(child("Parameters", "a b"), "Parameters[\"a b\"]");
        assert_eq!(child(ROOT, ""), "$[\"\"]");
        assert_eq!(child("P", "1x"), "P[\"1x\"]");
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe(&json!("0.6")), "the string \"0.6\"");
        assert_eq!(describe(&json!(2)), "the number 2");
        assert_eq!(describe(&json!(null)), "null");
        assert!(quote(&"x".repeat(100)).ends_with("\"..."));
        assert_eq!(Problem::new("a.b", "wrong").to_string(), "a.b: wrong");
    }
}
