//! What both runners (`run` on AWS and `run --local`) check before anything starts: the
//! input against the contract and the execution name (given, or generated). Prints
//! nothing: the command line reports what it returns.

use super::{check_execution_name, read, validate_for, Normalized, Problem, ReadError, Target};
use std::path::Path;

/// A run that may start: a valid input in canonical form and a valid name.
pub(crate) struct Preflight {
    pub(crate) normalized: Normalized,
    pub(crate) name: String,
}

/// Why nothing may start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PreflightError {
    #[error(transparent)]
    Unreadable(#[from] ReadError),
    #[error("{count} problem{plural} in {file}: nothing was started (see `automl validate`)", count = problems.len(), plural = if problems.len() == 1 { "" } else { "s" })]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
    #[error("{0}")]
    Name(Problem),
}

/// Validates the input file for `target` and the execution name (`name`, or a generated
/// one) for stack `stack_name`.
pub(crate) fn preflight(
    input: &Path,
    name: Option<&str>,
    stack_name: &str,
    target: Target,
) -> Result<Preflight, PreflightError> {
    let raw = read(input)?;
    let mut normalized =
        validate_for(&raw, target).map_err(|problems| PreflightError::Invalid {
            file: input.display().to_string(),
            problems,
        })?;
    let name = name
        .map(str::to_string)
        .unwrap_or_else(crate::sfn::ids::generated_execution_name);
    check_execution_name(&name, stack_name).map_err(PreflightError::Name)?;
    if let Some(endpoint) = normalized.deploy().and_then(|d| d.endpoint_name.as_deref()) {
        let prefix = format!("{stack_name}-");
        if !endpoint.starts_with(&prefix) {
            return Err(PreflightError::Invalid {
                file: input.display().to_string(),
                problems: vec![Problem::new(
                    "Parameters.Deploy.EndpointName",
                    format!(
                        "{endpoint:?} does not start with the stack's prefix {prefix:?}: the Deploy machine may only \
                         create and update the stack's own endpoints; use e.g. \"{prefix}live\""
                    ),
                )],
            });
        }
    }
    normalized.stamp_expiry(crate::sfn::Timestamp::now());
    Ok(Preflight { normalized, name })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file(dir: &tempfile::TempDir, deploy: serde_json::Value) -> std::path::PathBuf {
        let path = dir.path().join("input.json");
        let input = json!({"Parameters": {
            "Flow": {"Train": false, "Deploy": true},
            "PretrainedModel": {"Name": "automl-m"},
            "Deploy": deploy,
        }});
        std::fs::write(&path, input.to_string()).unwrap();
        path
    }

    #[test]
    fn a_named_endpoint_must_carry_the_stacks_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let input = file(
            &dir,
            json!({"Mode": "endpoint", "InstanceCount": 1, "InstanceType": "ml.m5.large", "EndpointName": "other-live"}),
        );
        let Err(PreflightError::Invalid { problems, .. }) =
            preflight(&input, Some("run-1"), "automl", Target::Aws)
        else {
            panic!("accepted an endpoint outside the stack's prefix");
        };
        assert_eq!(problems[0].path, "Parameters.Deploy.EndpointName");
        assert!(
            problems[0].message.contains("\"automl-\""),
            "{}",
            problems[0].message
        );
        let input = file(
            &dir,
            json!({"Mode": "endpoint", "InstanceCount": 1, "InstanceType": "ml.m5.large", "EndpointName": "automl-live"}),
        );
        assert!(preflight(&input, Some("run-1"), "automl", Target::Aws).is_ok());
    }

    #[test]
    fn a_time_to_live_becomes_an_expiry_when_the_run_starts() {
        let dir = tempfile::tempdir().unwrap();
        let input = file(
            &dir,
            json!({"Mode": "serverless", "Serverless": {"MemorySizeInMB": 1024, "MaxConcurrency": 1}, "TimeToLive": 2}),
        );
        let before = crate::sfn::Timestamp::now();
        let run = preflight(&input, Some("run-1"), "automl", Target::Aws).unwrap();
        let at = run.normalized.value()["Parameters"]["Deploy"]["ExpiresAt"]
            .as_str()
            .unwrap()
            .to_string();
        let expiry = super::super::parse_expiry(&at).unwrap();
        let hours = (expiry.epoch_millis() - before.epoch_millis()) as f64 / 3_600_000.0;
        assert!(
            (2.0..2.001).contains(&hours),
            "{at}: {hours} h after the start"
        );
    }
}
