//! Choice rules: every comparison operator of the States Language (String*, Numeric*,
//! Boolean*, Timestamp*, each with its `*Path` form, `StringMatches`, `IsNull`,
//! `IsPresent`, `IsNumeric`, `IsString`, `IsBoolean`, `IsTimestamp`) and the `And`, `Or`,
//! `Not` combinators. Checked when loaded (one operator per rule, operand of the right
//! type); when run, a comparison with a value of another type is false, and a
//! `Variable` that selects nothing is a `States.Runtime` error (only `IsPresent` may
//! look at a missing value). Under JSONata a rule is one `Condition` instead: an
//! expression (or a literal) that must give a boolean.

use super::errors::Failure;
use super::path::{compact, Path, Scope};
use super::payload::Template;
use super::time::Timestamp;
use serde_json::Value;
use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub(crate) enum Rule {
    And(Vec<Rule>),
    Or(Vec<Rule>),
    Not(Box<Rule>),
    Test {
        variable: Path,
        test: Test,
    },
    /// JSONata's `Condition`, rendered from `$states`.
    Condition(Template),
}

#[derive(Debug, Clone)]
pub(crate) struct Test {
    kind: Kind,
    operator: Operator,
    operand: Operand,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    String,
    Numeric,
    Boolean,
    Timestamp,
    StringMatches,
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Operator {
    Equals,
    LessThan,
    GreaterThan,
    LessThanEquals,
    GreaterThanEquals,
}

#[derive(Debug, Clone)]
enum Operand {
    Value(Value),
    Path(Path),
}

const COMPARISONS: [(&str, Operator); 5] = [
    ("Equals", Operator::Equals),
    ("LessThan", Operator::LessThan),
    ("GreaterThan", Operator::GreaterThan),
    ("LessThanEquals", Operator::LessThanEquals),
    ("GreaterThanEquals", Operator::GreaterThanEquals),
];

fn operator_of(name: &str) -> Option<(Kind, Operator, bool)> {
    let (name, is_path) = match name.strip_suffix("Path") {
        Some(stem) => (stem, true),
        None => (name, false),
    };
    let unary = |kind| Some((kind, Operator::Equals, is_path));
    match name {
        "StringMatches" if !is_path => return unary(Kind::StringMatches),
        "IsNull" if !is_path => return unary(Kind::IsNull),
        "IsPresent" if !is_path => return unary(Kind::IsPresent),
        "IsNumeric" if !is_path => return unary(Kind::IsNumeric),
        "IsString" if !is_path => return unary(Kind::IsString),
        "IsBoolean" if !is_path => return unary(Kind::IsBoolean),
        "IsTimestamp" if !is_path => return unary(Kind::IsTimestamp),
        "BooleanEquals" => return Some((Kind::Boolean, Operator::Equals, is_path)),
        _ => {}
    }
    for (prefix, kind) in [
        ("String", Kind::String),
        ("Numeric", Kind::Numeric),
        ("Timestamp", Kind::Timestamp),
    ] {
        if let Some(op) = name.strip_prefix(prefix) {
            if let Some((_, operator)) = COMPARISONS.iter().find(|(n, _)| *n == op) {
                return Some((kind, *operator, is_path));
            }
        }
    }
    None
}

impl Rule {
    /// Parses a rule object. `top`: a rule of the `Choices` array (which carries `Next`,
    /// read by the caller); nested rules must not have one.
    pub(crate) fn parse(value: &Value, top: bool) -> Result<Rule, String> {
        let map = value
            .as_object()
            .ok_or_else(|| format!("a choice rule must be an object, got {}", compact(value)))?;
        let mut keys: Vec<&str> = map
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "Comment" && !(top && (*k == "Next" || *k == "Assign")))
            .collect();
        if !top && map.contains_key("Next") {
            return Err("a nested choice rule (inside And, Or or Not) cannot have `Next`".into());
        }
        for combinator in ["And", "Or", "Not"] {
            if let Some(inner) = map.get(combinator) {
                if keys.len() != 1 {
                    return Err(format!(
                        "a `{combinator}` rule has no other fields, found {}",
                        keys.join(", ")
                    ));
                }
                return Ok(match combinator {
                    "Not" => Rule::Not(Box::new(Rule::parse(inner, false)?)),
                    _ => {
                        let items = inner
                            .as_array()
                            .filter(|items| !items.is_empty())
                            .ok_or_else(|| {
                                format!("`{combinator}` takes a non-empty array of rules")
                            })?;
                        let rules = items
                            .iter()
                            .map(|r| Rule::parse(r, false))
                            .collect::<Result<Vec<_>, _>>()?;
                        if combinator == "And" {
                            Rule::And(rules)
                        } else {
                            Rule::Or(rules)
                        }
                    }
                });
            }
        }
        let variable = map
            .get("Variable")
            .ok_or_else(|| "a choice rule needs `Variable` and one comparison operator, or `And`, `Or` or `Not`".to_string())?;
        let variable = Path::parse(
            variable
                .as_str()
                .ok_or_else(|| "`Variable` must be a path string".to_string())?,
        )?;
        keys.retain(|k| *k != "Variable");
        let [operator] = keys.as_slice() else {
            return Err(if keys.is_empty() {
                format!("the rule on {variable} has no comparison operator")
            } else {
                format!(
                    "the rule on {variable} has several operators or unknown fields: {}",
                    keys.join(", ")
                )
            });
        };
        let (kind, op, is_path) = operator_of(operator)
            .ok_or_else(|| format!("unknown comparison operator `{operator}`"))?;
        let raw = &map[*operator];
        let operand = if is_path {
            Operand::Path(Path::parse(raw.as_str().ok_or_else(|| {
                format!("`{operator}` takes a path string, got {}", compact(raw))
            })?)?)
        } else {
            let ok = match kind {
                Kind::String | Kind::StringMatches => raw.is_string(),
                Kind::Numeric => raw.is_number(),
                Kind::Timestamp => raw.as_str().and_then(Timestamp::parse).is_some(),
                _ => raw.is_boolean(),
            };
            if !ok {
                let wanted = match kind {
                    Kind::String | Kind::StringMatches => "a string",
                    Kind::Numeric => "a number",
                    Kind::Timestamp => "an RFC 3339 timestamp string such as 2016-03-14T01:59:00Z",
                    _ => "true or false",
                };
                return Err(format!("`{operator}` takes {wanted}, got {}", compact(raw)));
            }
            Operand::Value(raw.clone())
        };
        Ok(Rule::Test {
            variable,
            test: Test {
                kind,
                operator: op,
                operand,
            },
        })
    }

    pub(crate) fn eval<'s>(
        &self,
        data: &Value,
        scope: impl Into<Scope<'s>>,
    ) -> Result<bool, Failure> {
        let scope = scope.into();
        match self {
            Rule::And(rules) => {
                for rule in rules {
                    if !rule.eval(data, scope)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Rule::Or(rules) => {
                for rule in rules {
                    if rule.eval(data, scope)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Rule::Not(rule) => Ok(!rule.eval(data, scope)?),
            Rule::Condition(template) => match template.render(data, scope)? {
                Value::Bool(b) => Ok(b),
                other => Err(Failure::new(
                    super::errors::names::QUERY_EVALUATION,
                    format!(
                        "The Condition of a Choice rule gave {}, not a boolean",
                        compact(&other)
                    ),
                )),
            },
            Rule::Test { variable, test } => {
                if test.kind == Kind::IsPresent {
                    let expected = matches!(test.operand, Operand::Value(Value::Bool(true)));
                    return Ok(variable.is_present(data, scope) == expected);
                }
                let value = variable.select(data, scope).map_err(|_| {
                    Failure::runtime(format!(
                        "Invalid path '{variable}': The choice state's condition path references an invalid value."
                    ))
                })?;
                let operand = match &test.operand {
                    Operand::Value(v) => v.clone(),
                    Operand::Path(path) => path.select(data, scope).map_err(|_| {
                        Failure::runtime(format!(
                            "Invalid path '{path}': The choice state's condition path references an invalid value."
                        ))
                    })?,
                };
                Ok(test.holds(&value, &operand))
            }
        }
    }
}

impl Test {
    fn holds(&self, value: &Value, operand: &Value) -> bool {
        let flag = || operand.as_bool().unwrap_or(false);
        match self.kind {
            Kind::IsNull => value.is_null() == flag(),
            Kind::IsNumeric => value.is_number() == flag(),
            Kind::IsString => value.is_string() == flag(),
            Kind::IsBoolean => value.is_boolean() == flag(),
            Kind::IsTimestamp => value.as_str().and_then(Timestamp::parse).is_some() == flag(),
            Kind::IsPresent => unreachable!("handled by the caller"),
            Kind::Boolean => matches!((value, operand), (Value::Bool(a), Value::Bool(b)) if a == b),
            Kind::StringMatches => match (value, operand) {
                (Value::String(s), Value::String(pattern)) => wildcard_match(pattern, s),
                _ => false,
            },
            Kind::String => match (value, operand) {
                (Value::String(a), Value::String(b)) => {
                    self.compare(a.encode_utf16().cmp(b.encode_utf16()))
                }
                _ => false,
            },
            Kind::Numeric => match (value.as_f64(), operand.as_f64()) {
                (Some(a), Some(b)) if value.is_number() && operand.is_number() => {
                    a.partial_cmp(&b).is_some_and(|o| self.compare(o))
                }
                _ => false,
            },
            Kind::Timestamp => match (
                value.as_str().and_then(Timestamp::parse),
                operand.as_str().and_then(Timestamp::parse),
            ) {
                (Some(a), Some(b)) => self.compare(a.cmp(&b)),
                _ => false,
            },
        }
    }

    fn compare(&self, ordering: Ordering) -> bool {
        match self.operator {
            Operator::Equals => ordering == Ordering::Equal,
            Operator::LessThan => ordering == Ordering::Less,
            Operator::GreaterThan => ordering == Ordering::Greater,
            Operator::LessThanEquals => ordering != Ordering::Greater,
            Operator::GreaterThanEquals => ordering != Ordering::Less,
        }
    }
}

/// `StringMatches`: `*` matches any run of characters; `\*` is a literal star and `\\`
/// a literal backslash.
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    #[derive(PartialEq)]
    enum Token {
        Char(char),
        Star,
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => tokens.push(Token::Char(chars.next().unwrap_or('\\'))),
            '*' => tokens.push(Token::Star),
            c => tokens.push(Token::Char(c)),
        }
    }
    let text: Vec<char> = text.chars().collect();
    // Classic greedy matching with backtracking to the last star.
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Token::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(Token::Star) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..].iter().all(|t| *t == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn holds(rule: Value, data: Value) -> Result<bool, Failure> {
        Rule::parse(&rule, false).unwrap().eval(&data, &json!({}))
    }

    #[test]
    fn comparisons() {
        let data = json!({"s": "abc", "n": 5, "b": true, "t": "2020-01-01T00:00:00Z", "z": null, "m": 5.0});
        assert!(holds(
            json!({"Variable": "$.s", "StringEquals": "abc"}),
            data.clone()
        )
        .unwrap());
        assert!(holds(
            json!({"Variable": "$.s", "StringLessThan": "abd"}),
            data.clone()
        )
        .unwrap());
        assert!(holds(
            json!({"Variable": "$.s", "StringMatches": "a*c"}),
            data.clone()
        )
        .unwrap());
        assert!(!holds(
            json!({"Variable": "$.s", "StringMatches": "a\\*c"}),
            data.clone()
        )
        .unwrap());
        assert!(holds(
            json!({"Variable": "$.n", "NumericGreaterThanEquals": 5}),
            data.clone()
        )
        .unwrap());
        assert!(holds(
            json!({"Variable": "$.n", "NumericEqualsPath": "$.m"}),
            data.clone()
        )
        .unwrap());
        assert!(!holds(json!({"Variable": "$.s", "NumericEquals": 5}), data.clone()).unwrap());
        assert!(holds(
            json!({"Variable": "$.b", "BooleanEquals": true}),
            data.clone()
        )
        .unwrap());
        assert!(holds(
            json!({"Variable": "$.t", "TimestampLessThan": "2020-01-01T00:00:01Z"}),
            data.clone()
        )
        .unwrap());
        assert!(holds(json!({"Variable": "$.z", "IsNull": true}), data.clone()).unwrap());
        assert!(holds(
            json!({"Variable": "$.t", "IsTimestamp": true}),
            data.clone()
        )
        .unwrap());
        assert!(holds(json!({"Variable": "$.x", "IsPresent": false}), data.clone()).unwrap());
        assert!(holds(
            json!({"And": [{"Variable": "$.x", "IsPresent": false}, {"Not": {"Variable": "$.n", "NumericLessThan": 1}}]}),
            data.clone()
        )
        .unwrap());
        assert_eq!(
            holds(json!({"Variable": "$.x", "BooleanEquals": true}), data)
                .unwrap_err()
                .error,
            "States.Runtime"
        );
    }

    #[test]
    fn load_time_checks() {
        for bad in [
            json!({"Variable": "$.a"}),
            json!({"Variable": "$.a", "StringEquals": 1}),
            json!({"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1}),
            json!({"Variable": "$.a", "Nope": 1}),
            json!({"Variable": "$.a", "TimestampEquals": "yesterday"}),
            json!({"And": []}),
            json!({"Not": {"Variable": "$.a", "IsNull": true, "Next": "X"}}),
        ] {
            assert!(Rule::parse(&bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*.log", "a.log"));
        assert!(wildcard_match("a*b*c", "aXbYc"));
        assert!(!wildcard_match("a*b", "ac"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a\\\\b", "a\\b"));
    }
}
