//! The context object (`$$`): what an execution knows about itself — `Execution` (Id,
//! Name, Input, RoleArn, StartTime, RedriveCount), `State` (Name, EnteredTime,
//! RetryCount) and `StateMachine` (Id, Name) — as Step Functions fills it.

use super::time::Instant;
use serde_json::{json, Value};

/// The fixed facts of one execution.
#[derive(Debug, Clone)]
pub struct ExecutionInfo {
    pub name: String,
    pub arn: String,
    pub machine_arn: String,
    pub machine_name: String,
    pub role_arn: String,
    pub start: Instant,
    pub input: Value,
}

impl ExecutionInfo {
    /// The context object while `state` runs (entered at `entered`, retried `retries` times).
    pub fn context(&self, state: &str, entered: Instant, retries: u32) -> Value {
        json!({
            "Execution": {
                "Id": self.arn,
                "Input": self.input,
                "Name": self.name,
                "RoleArn": self.role_arn,
                "StartTime": self.start.to_rfc3339(),
                "RedriveCount": 0,
            },
            "State": {
                "EnteredTime": entered.to_rfc3339(),
                "Name": state,
                "RetryCount": retries,
            },
            "StateMachine": {
                "Id": self.machine_arn,
                "Name": self.machine_name,
            },
        })
    }
}

/// Execution names follow the Step Functions rules: 1 to 80 characters, none of them
/// whitespace, brackets, wildcards, special punctuation or control characters.
pub fn check_execution_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > 80 {
        return Err(format!(
            "execution name `{name}` must be 1 to 80 characters long"
        ));
    }
    if let Some(bad) = name.chars().find(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '<' | '>'
                    | '{'
                    | '}'
                    | '['
                    | ']'
                    | '?'
                    | '*'
                    | '"'
                    | '#'
                    | '%'
                    | '\\'
                    | '^'
                    | '|'
                    | '~'
                    | '`'
                    | '$'
                    | '&'
                    | ','
                    | ';'
                    | ':'
                    | '/'
            )
    }) {
        return Err(format!(
            "execution name `{name}` contains `{bad}`: use letters, digits, `-` and `_`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_context() {
        assert!(check_execution_name("run-1_a").is_ok());
        for bad in ["", "a b", "a/b", "a*", &"x".repeat(81)] {
            assert!(check_execution_name(bad).is_err(), "{bad}");
        }
        let info = ExecutionInfo {
            name: "n".into(),
            arn: "arn:x".into(),
            machine_arn: "arn:m".into(),
            machine_name: "M".into(),
            role_arn: "arn:r".into(),
            start: Instant(0),
            input: serde_json::json!({"a": 1}),
        };
        let ctx = info.context("S", Instant(0), 2);
        assert_eq!(ctx["Execution"]["Name"], "n");
        assert_eq!(ctx["State"]["RetryCount"], 2);
        assert_eq!(ctx["Execution"]["StartTime"], "1970-01-01T00:00:00.000Z");
    }
}
