//! Choice rules: a condition on one variable (`Variable` + a comparison operator) or a
//! combination of conditions (`And`, `Or`, `Not`), each branch naming its `Next` state.

use serde::Serialize;
use std::fmt;

/// One branch of a Choice state.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Branch {
    #[serde(flatten)]
    pub(crate) condition: Condition,
    #[serde(rename = "Next")]
    pub(crate) next: String,
}

/// A Choice condition.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum Condition {
    Compare {
        #[serde(rename = "Variable")]
        variable: String,
        #[serde(flatten)]
        test: Test,
    },
    And {
        #[serde(rename = "And")]
        all: Vec<Condition>,
    },
    Or {
        #[serde(rename = "Or")]
        any: Vec<Condition>,
    },
    Not {
        #[serde(rename = "Not")]
        inner: Box<Condition>,
    },
}

/// The comparison operators this project uses.
#[derive(Debug, Clone, Serialize)]
pub(crate) enum Test {
    BooleanEquals(bool),
    StringEquals(String),
    /// Equal to the string at another path of the input.
    StringEqualsPath(String),
    IsPresent(bool),
    NumericGreaterThanEquals(f64),
    /// `*` matches any run of characters (a literal `*` is `\\*`).
    StringMatches(String),
}

impl Condition {
    pub(crate) fn is_true(variable: &str) -> Condition {
        Condition::compare(variable, Test::BooleanEquals(true))
    }

    /// `variable` is present and `true`: a missing optional flag counts as false instead of
    /// failing the execution with a path error.
    pub(crate) fn present_and_true(variable: &str) -> Condition {
        Condition::And {
            all: vec![
                Condition::compare(variable, Test::IsPresent(true)),
                Condition::is_true(variable),
            ],
        }
    }

    pub(crate) fn string_equals(variable: &str, value: &str) -> Condition {
        Condition::compare(variable, Test::StringEquals(value.to_string()))
    }

    pub(crate) fn compare(variable: &str, test: Test) -> Condition {
        Condition::Compare {
            variable: variable.to_string(),
            test,
        }
    }

    pub(crate) fn or(any: Vec<Condition>) -> Condition {
        Condition::Or { any }
    }

    pub(crate) fn and(all: Vec<Condition>) -> Condition {
        Condition::And { all }
    }

    pub(crate) fn not(inner: Condition) -> Condition {
        Condition::Not {
            inner: Box::new(inner),
        }
    }

    pub(crate) fn string_matches(variable: &str, pattern: &str) -> Condition {
        Condition::compare(variable, Test::StringMatches(pattern.to_string()))
    }
}

/// A short human label, used on diagram edges: `Flow.Train == true`.
impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, parts: &[Condition], word: &str| {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    write!(f, " {word} ")?;
                }
                write!(f, "{part}")?;
            }
            Ok(())
        };
        match self {
            Condition::Compare { variable, test } => {
                let name = variable
                    .trim_start_matches("$.")
                    .trim_start_matches("Parameters.");
                match test {
                    Test::BooleanEquals(value) => write!(f, "{name} == {value}"),
                    Test::StringEquals(value) => write!(f, "{name} == '{value}'"),
                    Test::StringEqualsPath(other) => {
                        write!(f, "{name} == {}", other.trim_start_matches("$."))
                    }
                    Test::IsPresent(true) => write!(f, "{name} present"),
                    Test::IsPresent(false) => write!(f, "{name} absent"),
                    Test::NumericGreaterThanEquals(value) => write!(f, "{name} >= {value}"),
                    Test::StringMatches(pattern) => write!(f, "{name} ~ '{pattern}'"),
                }
            }
            // `present and true` reads better as just the comparison.
            Condition::And { all }
                if all.len() == 2
                    && matches!(
                        all[0],
                        Condition::Compare {
                            test: Test::IsPresent(true),
                            ..
                        }
                    ) =>
            {
                write!(f, "{}", all[1])
            }
            Condition::And { all } => join(f, all, "and"),
            Condition::Or { any } => join(f, any, "or"),
            Condition::Not { inner } => write!(f, "not ({inner})"),
        }
    }
}
