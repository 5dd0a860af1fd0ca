//! Payload templates (`Parameters`, `ResultSelector`): JSON in which every field whose
//! name ends in `.$` takes its value from a path or an intrinsic function, in objects
//! nested at any depth, arrays included. Under JSONata (`Arguments`, `Output`, `Assign`,
//! ...) a string `{% ... %}` anywhere is an expression instead, and names are plain.
//! Compiled once when the machine is loaded.

use super::errors::{names, Failure};
use super::intrinsics::Call;
use super::jsonata::{Evaluated, Expression};
use super::path::{compact, Path, Scope};
use serde_json::{Map, Value};

#[derive(Debug, Clone)]
pub(crate) enum Template {
    Literal(Value),
    Object(Vec<(String, Field)>),
    Array(Vec<Template>),
    /// A JSONata expression; `field` names it in errors as AWS does (`Output/result`).
    Expression {
        field: String,
        expression: Expression,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum Field {
    Static(Template),
    Path(Path),
    Call(Call),
}

impl Template {
    /// Compiles a template; the error names the offending field (`a.b.$`) and says why.
    pub(crate) fn compile(value: &Value) -> Result<Template, (String, String)> {
        compile(value, "")
    }

    /// Compiles a JSONata template: the value of `field` (`Output`, `Arguments`, ...),
    /// whose `{% ... %}` strings are expressions; the error names the offending field.
    pub(crate) fn compile_jsonata(
        value: &Value,
        field: &str,
    ) -> Result<Template, (String, String)> {
        Ok(match value {
            Value::String(text) => match Expression::of(text) {
                Some(inner) => Template::Expression {
                    field: field.to_string(),
                    expression: Expression::parse(inner).map_err(|e| (field.to_string(), e))?,
                },
                None => Template::Literal(value.clone()),
            },
            Value::Object(map) => Template::Object(
                map.iter()
                    .map(|(key, inner)| {
                        Template::compile_jsonata(inner, &format!("{field}/{key}"))
                            .map(|t| (key.clone(), Field::Static(t)))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Value::Array(items) => Template::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| Template::compile_jsonata(item, &format!("{field}[{i}]")))
                    .collect::<Result<_, _>>()?,
            ),
            other => Template::Literal(other.clone()),
        })
    }

    /// Fills the template from the state's data and the context object.
    pub(crate) fn render<'s>(
        &self,
        data: &Value,
        scope: impl Into<Scope<'s>>,
    ) -> Result<Value, Failure> {
        let scope = scope.into();
        Ok(match self {
            Template::Literal(value) => value.clone(),
            // Under JSONata, `data` is `$states`.
            Template::Expression { field, expression } => {
                let failed = |why: String| {
                    Failure::new(
                        names::QUERY_EVALUATION,
                        format!(
                            "The JSONata expression '{}' specified for the field '{field}' {why}",
                            expression.text()
                        ),
                    )
                };
                // As AWS words them (LocalStack's snapshots of AWS: test_assign_reference_
                // variables.py::test_undefined_reference, test_base_scenarios.py::
                // test_map_state_items_eval_jsonata_fail_function, test_math_operations_
                // jsonata.py::test_math_random_seeded).
                match expression.eval(data, scope.variables) {
                    Ok(Evaluated::Value(value)) => value,
                    Ok(Evaluated::Undefined) => {
                        return Err(failed("returned nothing (undefined).".into()))
                    }
                    Ok(Evaluated::Unsupported) => {
                        return Err(failed("returned an unsupported result type.".into()))
                    }
                    Err(e) => return Err(failed(format!("threw an error during evaluation. {e}"))),
                }
            }
            Template::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| item.render(data, scope))
                    .collect::<Result<_, _>>()?,
            ),
            Template::Object(fields) => {
                let mut map = Map::new();
                for (name, field) in fields {
                    let value = match field {
                        Field::Static(template) => template.render(data, scope)?,
                        Field::Path(path) => path.select(data, scope).map_err(|_| {
                            let document = scope.document(path, data);
                            Failure::runtime(format!(
                                "The JSONPath '{path}' specified for the field '{name}.$' could not be found in the input '{}'",
                                compact(document)
                            ))
                        })?,
                        Field::Call(call) => call
                            .eval(data, scope)
                            .map_err(|cause| Failure::new(names::INTRINSIC_FAILURE, cause))?,
                    };
                    map.insert(name.clone(), value);
                }
                Value::Object(map)
            }
        })
    }
}

fn compile(value: &Value, at: &str) -> Result<Template, (String, String)> {
    let join = |name: &str| {
        if at.is_empty() {
            name.to_string()
        } else {
            format!("{at}.{name}")
        }
    };
    match value {
        Value::Object(map) => {
            let mut fields = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            for (key, inner) in map {
                let (name, field) = if let Some(name) = key.strip_suffix(".$") {
                    let text = inner.as_str().ok_or_else(|| {
                        (join(key), format!("a field ending in `.$` takes a path or an intrinsic function as a string, got {}", compact(inner)))
                    })?;
                    let field = if Call::looks_like_call(text) {
                        Field::Call(Call::parse(text).map_err(|e| (join(key), e))?)
                    } else {
                        Field::Path(Path::parse(text).map_err(|e| (join(key), e))?)
                    };
                    (name.to_string(), field)
                } else {
                    (key.clone(), Field::Static(compile(inner, &join(key))?))
                };
                if !seen.insert(name.clone()) {
                    return Err((
                        join(key),
                        format!("the field `{name}` is given twice (with and without `.$`)"),
                    ));
                }
                fields.push((name, field));
            }
            Ok(Template::Object(fields))
        }
        Value::Array(items) => Ok(Template::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| compile(item, &format!("{at}[{i}]")))
                .collect::<Result<_, _>>()?,
        )),
        other => Ok(Template::Literal(other.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_paths_calls_and_nested_arrays() {
        let template = Template::compile(&json!({
            "Name.$": "$.name",
            "Static": {"x": 1},
            "Tags": [{"Key": "k", "Value.$": "$$.Execution.Name"}],
            "Joined.$": "States.Format('{}!', $.name)",
        }))
        .unwrap();
        let out = template
            .render(&json!({"name": "a"}), &json!({"Execution": {"Name": "e"}}))
            .unwrap();
        assert_eq!(
            out,
            json!({"Name": "a", "Static": {"x": 1}, "Tags": [{"Key": "k", "Value": "e"}], "Joined": "a!"})
        );
    }

    #[test]
    fn missing_paths_are_runtime_errors_and_bad_fields_load_errors() {
        let template = Template::compile(&json!({"a.$": "$.missing"})).unwrap();
        let failure = template.render(&json!({}), &json!({})).unwrap_err();
        assert_eq!(failure.error, "States.Runtime");
        assert!(failure.cause.contains("'a.$'"), "{}", failure.cause);
        assert!(Template::compile(&json!({"a.$": 1})).is_err());
        assert!(Template::compile(&json!({"a.$": "nope"})).is_err());
        assert!(Template::compile(&json!({"a.$": "$.x", "a": 1})).is_err());
        assert_eq!(
            Template::compile(&json!({"x": {"a.$": 1}})).unwrap_err().0,
            "x.a.$"
        );
    }
}
