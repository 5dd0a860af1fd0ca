//! Reference checks on a template: every `Ref`, `Fn::GetAtt` and `${Name}` inside
//! `Fn::Sub` must name a parameter, a resource, a mapping or a pseudo parameter. The
//! emulator answers a dangling reference with HTTP 500 and a stuck stack, and AWS only
//! after an upload, so the tool refuses to render one.

use super::Template;
use serde_json::Value;
use std::collections::BTreeSet;

/// A template that must not be rendered.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TemplateError {
    #[error("{place}: `{name}` is neither a parameter, a resource nor a pseudo parameter")]
    UnknownReference { place: String, name: String },
    #[error("{place}: `{map}` is not a mapping of this template")]
    UnknownMapping { place: String, map: String },
    #[error("{place}: `{attribute}` of `{resource}` is not something the template can read (DependsOn on a missing resource?)")]
    UnknownResource {
        place: String,
        resource: String,
        attribute: String,
    },
}

impl Template {
    /// Checks every reference in resources, outputs, rules and conditions.
    pub(crate) fn check(&self) -> Result<(), TemplateError> {
        let known: BTreeSet<&str> = self
            .parameters
            .keys()
            .chain(self.resources.keys())
            .map(String::as_str)
            .collect();
        let checker = Checker {
            known: &known,
            resources: self.resources.keys().map(String::as_str).collect(),
            mappings: self.mappings.keys().map(String::as_str).collect(),
        };
        for (id, resource) in &self.resources {
            let place = format!("Resources.{id}");
            checker.value(&place, &resource.properties, &BTreeSet::new())?;
            for dependency in &resource.depends_on {
                if !checker.resources.contains(dependency.as_str()) {
                    return Err(TemplateError::UnknownResource {
                        place,
                        resource: dependency.clone(),
                        attribute: "DependsOn".into(),
                    });
                }
            }
        }
        for (id, output) in &self.outputs {
            checker.value(&format!("Outputs.{id}"), &output.value, &BTreeSet::new())?;
        }
        for (id, rule) in &self.rules {
            checker.value(&format!("Rules.{id}"), rule, &BTreeSet::new())?;
        }
        for (id, condition) in &self.conditions {
            checker.value(&format!("Conditions.{id}"), condition, &BTreeSet::new())?;
        }
        Ok(())
    }
}

struct Checker<'a> {
    known: &'a BTreeSet<&'a str>,
    resources: BTreeSet<&'a str>,
    mappings: BTreeSet<&'a str>,
}

impl Checker<'_> {
    fn name(
        &self,
        place: &str,
        name: &str,
        locals: &BTreeSet<String>,
    ) -> Result<(), TemplateError> {
        if name.starts_with("AWS::") || self.known.contains(name) || locals.contains(name) {
            return Ok(());
        }
        Err(TemplateError::UnknownReference {
            place: place.to_string(),
            name: name.to_string(),
        })
    }

    fn value(
        &self,
        place: &str,
        value: &Value,
        locals: &BTreeSet<String>,
    ) -> Result<(), TemplateError> {
        match value {
            Value::Array(items) => items
                .iter()
                .try_for_each(|item| self.value(place, item, locals)),
            Value::Object(map) if map.len() == 1 => {
                let (key, argument) = map.iter().next().expect("one entry");
                match (key.as_str(), argument) {
                    ("Ref", Value::String(name)) => self.name(place, name, locals),
                    ("Fn::GetAtt", Value::Array(parts)) => match parts.first() {
                        Some(Value::String(resource))
                            if self.resources.contains(resource.as_str()) =>
                        {
                            Ok(())
                        }
                        Some(Value::String(resource)) => Err(TemplateError::UnknownResource {
                            place: place.to_string(),
                            resource: resource.clone(),
                            attribute: parts
                                .get(1)
                                .and_then(Value::as_str)
                                .unwrap_or("?")
                                .to_string(),
                        }),
                        _ => self.value(place, argument, locals),
                    },
                    ("Fn::FindInMap", Value::Array(parts)) => match parts.first() {
                        Some(Value::String(map)) if !self.mappings.contains(map.as_str()) => {
                            Err(TemplateError::UnknownMapping {
                                place: place.to_string(),
                                map: map.clone(),
                            })
                        }
                        _ => parts
                            .iter()
                            .skip(1)
                            .try_for_each(|part| self.value(place, part, locals)),
                    },
                    ("Fn::Sub", Value::String(text)) => self.sub(place, text, locals),
                    ("Fn::Sub", Value::Array(parts)) => {
                        let variables = parts.get(1).and_then(Value::as_object);
                        let mut inner = locals.clone();
                        if let Some(variables) = variables {
                            for (name, definition) in variables {
                                self.value(place, definition, locals)?;
                                inner.insert(name.clone());
                            }
                        }
                        match parts.first() {
                            Some(Value::String(text)) => self.sub(place, text, &inner),
                            _ => Ok(()),
                        }
                    }
                    _ => self.value(place, argument, locals),
                }
            }
            Value::Object(map) => map
                .values()
                .try_for_each(|item| self.value(place, item, locals)),
            _ => Ok(()),
        }
    }

    fn sub(&self, place: &str, text: &str, locals: &BTreeSet<String>) -> Result<(), TemplateError> {
        for name in sub_names(text) {
            // `${Resource.Attribute}` reads an attribute, like GetAtt.
            let base = name.split('.').next().unwrap_or(name);
            if name.contains('.') && !name.starts_with("AWS::") && !locals.contains(name) {
                if !self.resources.contains(base) {
                    return Err(TemplateError::UnknownResource {
                        place: place.to_string(),
                        resource: base.to_string(),
                        attribute: name[base.len() + 1..].to_string(),
                    });
                }
                continue;
            }
            self.name(place, name, locals)?;
        }
        Ok(())
    }
}

/// The `${Name}` placeholders of an `Fn::Sub` string; `${!Literal}` is an escape.
pub(crate) fn sub_names(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.starts_with('!') {
            names.push(name.trim());
        }
        rest = &after[end + 1..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::{get_att, r#ref, sub, sub_with, Parameter, Resource, Template};
    use serde_json::json;

    fn template_with(properties: Value) -> Template {
        let mut template = Template::new("t");
        template
            .parameters
            .insert("Known".into(), Parameter::string("p"));
        template
            .resources
            .insert("Bucket".into(), Resource::new("AWS::S3::Bucket", json!({})));
        template
            .resources
            .insert("Thing".into(), Resource::new("AWS::SNS::Topic", properties));
        template
    }

    #[test]
    fn accepts_known_names_pseudo_parameters_and_sub_locals() {
        let properties = json!({
            "A": r#ref("Known"),
            "B": get_att("Bucket", "Arn"),
            "C": sub("arn:${AWS::Partition}:s3:::${Bucket}/${!Literal}"),
            "D": sub_with("${Local}-${Bucket.Arn}", json!({ "Local": r#ref("AWS::Region") })),
        });
        assert_eq!(template_with(properties).check(), Ok(()));
    }

    #[test]
    fn rejects_dangling_names_everywhere() {
        for properties in [
            json!({ "A": r#ref("Missing") }),
            json!({ "A": get_att("Missing", "Arn") }),
            json!({ "A": [sub("x-${Missing}")] }),
            json!({ "A": sub("${Missing.Arn}") }),
            json!({ "A": sub_with("${Local}", json!({ "Local": r#ref("Missing") })) }),
        ] {
            let error = template_with(properties.clone()).check().unwrap_err();
            assert!(
                error.to_string().contains("Missing"),
                "{properties}: {error}"
            );
        }
    }
}
