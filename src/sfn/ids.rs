//! Random ids: what `States.UUID()` returns, and the names `run` generates for executions.

use super::time::Timestamp;

/// 64 random bits.
pub(crate) fn random_u64() -> u64 {
    uuid::Uuid::new_v4().as_u128() as u64
}

/// A random (version 4) UUID, as `States.UUID()` returns it.
pub(crate) fn uuid_v4() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `run-20240501-120000-3f2a`: sortable by time, unique enough for one user, and valid
/// for Step Functions and for the SageMaker names derived from it.
pub(crate) fn generated_execution_name() -> String {
    let now = Timestamp::now().to_rfc3339();
    // 2024-05-01T12:00:00.000Z -> 20240501 and 120000
    let digits: String = now[..19]
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect();
    let (date, clock) = digits.split_once('T').unwrap_or((&digits, ""));
    format!("run-{date}-{clock}-{:04x}", random_u64() & 0xffff)
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_names_are_valid_and_dated() {
        let name = super::generated_execution_name();
        assert!(name.starts_with("run-20"), "{name}");
        assert_eq!(name.len(), "run-20240501-120000-3f2a".len(), "{name}");
        assert!(crate::sfn::names::check_execution_name(&name).is_ok());
    }
}
