//! Execution names and ARNs as Step Functions forms them: the one execution-name rule
//! and the one way to derive an execution's ARN from its machine's.

/// Characters Step Functions refuses in execution names, besides whitespace and control
/// characters (StartExecution `name`: "must not contain whitespace, brackets < > { } [ ],
/// wildcard characters ? *, special characters \" # % \\ ^ | ~ ` $ & , ; : /, control
/// characters", https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
pub(crate) const EXECUTION_NAME_FORBIDDEN: &str = "<>{}[]?*\"#%\\^|~`$&,;:/";

/// The longest execution name Step Functions accepts (StartExecution `name`: 1-80).
pub(crate) const EXECUTION_NAME_MAX: usize = 80;

/// The character of `name` that Step Functions refuses in an execution name, if any.
pub(crate) fn forbidden_char(name: &str) -> Option<char> {
    name.chars()
        .find(|c| c.is_whitespace() || c.is_control() || EXECUTION_NAME_FORBIDDEN.contains(*c))
}

/// Checks an execution name against Step Functions' rules.
pub(crate) fn check_execution_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > EXECUTION_NAME_MAX {
        return Err(format!(
            "execution name `{name}` must be 1 to {EXECUTION_NAME_MAX} characters long"
        ));
    }
    if let Some(bad) = forbidden_char(name) {
        return Err(format!(
            "execution name `{name}` contains `{bad}`: use letters, digits, `-` and `_`"
        ));
    }
    Ok(())
}

/// The ARN of execution `name` of the machine `machine_arn`
/// (`arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME`).
pub(crate) fn execution_arn(machine_arn: &str, name: &str) -> String {
    format!(
        "{}:{name}",
        machine_arn.replacen(":stateMachine:", ":execution:", 1)
    )
}

/// The region of an ARN (`arn:PARTITION:SERVICE:REGION:...`), empty when it has none.
pub(crate) fn region_of(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_arns_come_from_the_machine_arn() {
        assert_eq!(
            execution_arn("arn:aws:states:eu-west-1:123456789012:stateMachine:m", "x"),
            "arn:aws:states:eu-west-1:123456789012:execution:m:x"
        );
    }

    #[test]
    fn names_follow_the_step_functions_rule() {
        assert!(check_execution_name("run-1_a").is_ok());
        assert!(check_execution_name("").is_err());
        assert!(check_execution_name(&"a".repeat(81)).is_err());
        for bad in ["a b", "a/b", "a:b", "a{b", "a\u{7}b"] {
            assert!(check_execution_name(bad).is_err(), "{bad}");
        }
    }
}
