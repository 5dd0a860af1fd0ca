//! The AWS-recorded executions in `tests/fixtures/aws-history/` (histories as
//! GetExecutionHistory returns them, a real fit's outputs archive), for the report's unit
//! tests.

use serde_json::Value;
use std::path::PathBuf;

/// Where the recorded file `name` is.
pub(crate) fn path(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/aws-history")
        .join(name)
}

/// The recorded JSON file `name`.
pub(crate) fn json(name: &str) -> Value {
    let path = path(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
