//! Reading an input file: JSON with line and column on every syntax error, and a key
//! given twice in one object is an error too (JSON parsers disagree on which one wins,
//! so `"Threshold"` written twice is a mistake to show, not to guess about).

use super::problem::{child, ROOT};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why an input file could not be turned into JSON. Both name the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: not valid JSON: {message}", path.display())]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

/// Reads and parses an input file.
pub fn read(path: &Path) -> Result<Value, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&bytes, path)
}

/// Parses the bytes of an input (a byte-order mark is skipped); `path` names it in errors.
pub(crate) fn parse(bytes: &[u8], path: &Path) -> Result<Value, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = ValueSeed { path: ROOT }
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    parsed.map_err(|error| {
        let (line, column) = (error.line(), error.column());
        let text = error.to_string();
        let suffix = format!(" at line {line} column {column}");
        ReadError::Json {
            path: path.to_path_buf(),
            line,
            column,
            message: text.strip_suffix(&suffix).unwrap_or(&text).to_string(),
        }
    })
}

/// Deserialises a `Value`, refusing duplicate keys (naming the object's path).
struct ValueSeed<'p> {
    path: &'p str,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        let mut index = 0usize;
        loop {
            let path = format!("{}[{index}]", self.path);
            match seq.next_element_seed(ValueSeed { path: &path })? {
                Some(item) => items.push(item),
                None => break,
            }
            index += 1;
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = child(self.path, &key);
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "{path} is given twice (JSON keys must be unique in an object: keep one)"
                )));
            }
            let value = map.next_value_seed(ValueSeed { path: &path })?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse_str(text: &str) -> Result<Value, ReadError> {
        parse(text.as_bytes(), Path::new("in.json"))
    }

    #[test]
    fn parses_json() {
        assert_eq!(
            parse_str(r#"{"a": [1, 2.5, "x", null, true]}"#).unwrap(),
            json!({"a": [1, 2.5, "x", null, true]})
        );
        assert_eq!(parse_str("\u{feff}{}").unwrap(), json!({}));
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let err = parse_str("{\n  \"a\": 1,\n}").unwrap_err();
        match &err {
            ReadError::Json {
                line,
                column,
                message,
                ..
            } => {
                assert_eq!((*line, *column), (3, 1));
                assert!(!message.contains("at line"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            err.to_string().starts_with("in.json:3:1: not valid JSON: "),
            "{err}"
        );
        for bad in ["", "{", "[1,]", "{} {}", "nul", "{\"a\" 1}", "\"\\x\""] {
            assert!(
                matches!(parse_str(bad), Err(ReadError::Json { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err =
            parse_str("{\"Parameters\": {\"Evaluation\": {\"Threshold\": 1,\n \"Threshold\": 2}}}")
                .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("in.json:2:"), "{text}");
        assert!(
            text.contains("Parameters.Evaluation.Threshold is given twice"),
            "{text}"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(parse_str(&deep).is_err());
    }

    #[test]
    fn unreadable_files_name_the_file() {
        let err = read(Path::new("/nonexistent/input.json")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/nonexistent/input.json: cannot read: "),
            "{err}"
        );
    }
}
