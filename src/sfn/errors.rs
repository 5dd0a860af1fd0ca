//! The two kinds of error of the local runner's interpreter: a machine that cannot be
//! loaded (found before anything runs), and a failure while running (`Error` + `Cause`,
//! as Step Functions reports them, matched by `Retry` and `Catch`).

use std::fmt;

/// Error names of the States Language (its appendix A) that the interpreter raises.
pub(crate) mod names {
    pub(crate) const ALL: &str = "States.ALL";
    pub(crate) const TASK_FAILED: &str = "States.TaskFailed";
    pub(crate) const TIMEOUT: &str = "States.Timeout";
    pub(crate) const RUNTIME: &str = "States.Runtime";
    pub(crate) const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    pub(crate) const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    pub(crate) const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    pub(crate) const QUERY_EVALUATION: &str = "States.QueryEvaluationError";
}

/// A failure while running: what a Fail state, a failed Task or a runtime error reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error: String,
    pub cause: String,
}

impl Failure {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Failure {
        Failure {
            error: error.into(),
            cause: cause.into(),
        }
    }

    pub(crate) fn runtime(cause: impl Into<String>) -> Failure {
        Failure::new(names::RUNTIME, cause)
    }

    pub(crate) fn task_failed(cause: impl Into<String>) -> Failure {
        Failure::new(names::TASK_FAILED, cause)
    }

    /// `States.Runtime` ends the execution: no `Retry` or `Catch` applies, not even
    /// `States.ALL`. (`States.DataLimitExceeded` from a Task is caught, `States.ALL`
    /// included: LocalStack's snapshot of AWS, test_states_errors.py::
    /// test_service_task_lambada_catch_state_all_data_limit_exceeded_on_large_utf8_response.)
    pub(crate) fn is_terminal(&self) -> bool {
        self.error == names::RUNTIME
    }

    /// Whether a `Retry`/`Catch` `ErrorEquals` list matches this failure. An empty list
    /// matches any error (AWS catches a Lambda's `CustomException` with
    /// `"ErrorEquals": []`: LocalStack's snapshot of AWS,
    /// test_task_service_lambda.py::test_raise_custom_exception).
    pub(crate) fn matches(&self, error_equals: &[String]) -> bool {
        if self.is_terminal() {
            return false;
        }
        error_equals.is_empty()
            || error_equals.iter().any(|name| {
                name == &self.error
                    || name == names::ALL
                    || (name == names::TASK_FAILED && self.error != names::TIMEOUT)
            })
    }

    /// The error output a `Catch` passes on: `{"Error": ..., "Cause": ...}`.
    pub(crate) fn to_value(&self) -> serde_json::Value {
        serde_json::json!({ "Error": self.error, "Cause": self.cause })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error, self.cause)
    }
}

/// A machine definition the interpreter refuses to run: invalid or unsupported. Names
/// the state and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    pub(crate) machine: String,
    pub(crate) state: Option<String>,
    pub(crate) field: Option<String>,
    pub(crate) message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "state machine {}", self.machine)?;
        if let Some(state) = &self.state {
            write!(f, ", state `{state}`")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_matching_follows_the_specification() {
        let custom = Failure::new("Lambda.ServiceException", "x");
        let list = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(custom.matches(&list(&["Lambda.ServiceException"])));
        assert!(custom.matches(&list(&["States.ALL"])));
        assert!(custom.matches(&list(&["States.TaskFailed"])));
        assert!(!custom.matches(&list(&["Other"])));
        let timeout = Failure::new(names::TIMEOUT, "x");
        assert!(!timeout.matches(&list(&["States.TaskFailed"])));
        assert!(timeout.matches(&list(&["States.ALL"])));
        assert!(!Failure::runtime("x").matches(&list(&["States.ALL", "States.Runtime"])));
    }

    /// As AWS answers (tests/fixtures/aws-recorded, LocalStack's snapshots of AWS).
    #[test]
    fn as_aws_answers() {
        let list = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // test_states_errors.test_*_catch_state_all_data_limit_exceeded_*: caught.
        let too_big = Failure::new("States.DataLimitExceeded", "x");
        assert!(too_big.matches(&list(&["States.ALL"])));
        // test_task_service_lambda.test_raise_custom_exception: [] matches.
        assert!(Failure::new("CustomException", "x").matches(&[]));
        assert!(!Failure::runtime("x").matches(&[]));
    }
}
