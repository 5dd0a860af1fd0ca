//! The function's two log lines (an evaluation, an error) on stderr, which Lambda sends to
//! CloudWatch Logs. In place of lambda_runtime's `tracing` feature: its subscriber brings
//! tracing-subscriber with an env-filter (a regex engine) into a binary that logs twice
//! per invocation. It honours the same settings Lambda gives a function
//! (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html):
//! `AWS_LAMBDA_LOG_FORMAT` (`JSON` gives one JSON object per line, else text) and
//! `AWS_LAMBDA_LOG_LEVEL` (`WARN`, `ERROR` or `FATAL` silence the evaluation line).

use serde_json::{json, Map, Value};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Info,
    Error,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Info => "INFO",
            Level::Error => "ERROR",
        }
    }
}

/// One line: `message` and its `fields`, if `level` is at or above the function's level.
pub(crate) fn line(level: Level, message: &str, fields: &[(&str, Value)]) {
    let threshold = match std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .unwrap_or_default()
        .to_ascii_uppercase()
        .as_str()
    {
        "WARN" | "ERROR" | "FATAL" => Level::Error,
        _ => Level::Info,
    };
    if level < threshold {
        return;
    }
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("JSON"));
    eprintln!("{}", render(level, message, fields, json));
}

fn render(level: Level, message: &str, fields: &[(&str, Value)], json: bool) -> String {
    if json {
        let mut object = Map::new();
        object.insert("level".into(), json!(level.name()));
        object.insert("message".into(), json!(message));
        for (key, value) in fields {
            object.insert((*key).into(), value.clone());
        }
        return Value::Object(object).to_string();
    }
    let mut text = format!("{} {message}", level.name());
    for (key, value) in fields {
        match value {
            Value::String(s) => text.push_str(&format!(" {key}={s}")),
            other => text.push_str(&format!(" {key}={other}")),
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_json_lines() {
        let fields = [("metric", json!("accuracy")), ("value", json!(0.81))];
        assert_eq!(
            render(Level::Info, "evaluated", &fields, false),
            "INFO evaluated metric=accuracy value=0.81"
        );
        let line: Value =
            serde_json::from_str(&render(Level::Error, "boom", &fields, true)).unwrap();
        assert_eq!(
            line,
            json!({"level": "ERROR", "message": "boom", "metric": "accuracy", "value": 0.81})
        );
    }
}
