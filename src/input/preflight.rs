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
    let mut normalized = validate_for(&raw, target).map_err(|problems| PreflightError::Invalid {
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
