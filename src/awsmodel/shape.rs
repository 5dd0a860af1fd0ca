//! The extracted service model: operations and shapes as botocore's `service-2.json`
//! spells them (only the members that constrain a request are kept by extract.py).

use super::pattern::Patterns;
use super::validate::Problem;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One service's operations and the shapes reachable from their inputs.
#[derive(Debug)]
pub(crate) struct Model {
    pub(super) source: Source,
    pub(super) operations: BTreeMap<String, Operation>,
    pub(super) shapes: BTreeMap<String, Shape>,
    pub(super) patterns: Patterns,
    /// Why the model could not be loaded, if it could not.
    pub(super) broken: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Source {
    pub(crate) botocore: String,
    pub(crate) file: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct Operation {
    pub(super) input: String,
}

/// A reference from a structure member, list element or map key/value to a shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Ref {
    pub(super) shape: String,
    /// Bound to the endpoint's host name: botocore gives it an implicit minimum length 1.
    #[serde(default)]
    pub(super) host_label: bool,
    /// A header holding JSON: any JSON-encodable value.
    #[serde(default)]
    pub(super) jsonvalue: bool,
}

/// A shape: botocore's `type` plus the constraints extract.py keeps.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Shape {
    #[serde(rename = "type")]
    pub(super) kind: Kind,
    #[serde(default)]
    pub(super) required: Vec<String>,
    #[serde(default)]
    pub(super) members: BTreeMap<String, Ref>,
    pub(super) member: Option<Ref>,
    pub(super) key: Option<Ref>,
    pub(super) value: Option<Ref>,
    pub(super) min: Option<f64>,
    pub(super) max: Option<f64>,
    pub(super) enum_: Option<Vec<String>>,
    pub(super) pattern: Option<String>,
    /// A document: any JSON.
    #[serde(default)]
    pub(super) document: bool,
    /// A tagged union: exactly one member set.
    #[serde(default)]
    pub(super) union: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Kind {
    Blob,
    Boolean,
    Double,
    Float,
    Integer,
    List,
    Long,
    Map,
    String,
    Structure,
    Timestamp,
}

impl Kind {
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Blob => "blob",
            Kind::Boolean => "boolean",
            Kind::Double => "double",
            Kind::Float => "float",
            Kind::Integer => "integer",
            Kind::List => "list",
            Kind::Long => "long",
            Kind::Map => "map",
            Kind::String => "string",
            Kind::Structure => "structure",
            Kind::Timestamp => "timestamp",
        }
    }
}

/// The file as extract.py writes it; `enum` is a Rust keyword, hence the raw form here.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(rename = "_source")]
    source: SourceWithNote,
    #[allow(dead_code)]
    metadata: serde_json::Value,
    operations: BTreeMap<String, Operation>,
    shapes: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct SourceWithNote {
    botocore: String,
    file: String,
}

impl Model {
    pub(crate) fn parse(text: &str) -> Result<Model, String> {
        let file: File = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut shapes = BTreeMap::new();
        for (name, mut raw) in file.shapes {
            // `enum` -> `enum_` so that the struct can name it.
            if let Some(object) = raw.as_object_mut() {
                if let Some(values) = object.remove("enum") {
                    object.insert("enum_".into(), values);
                }
            }
            let shape: Shape =
                serde_json::from_value(raw).map_err(|e| format!("shape {name}: {e}"))?;
            shapes.insert(name, shape);
        }
        for (name, shape) in &shapes {
            let refs = shape
                .members
                .values()
                .chain(shape.member.iter())
                .chain(shape.key.iter())
                .chain(shape.value.iter());
            for r in refs {
                if !shapes.contains_key(&r.shape) {
                    return Err(format!(
                        "shape {name} refers to {}, which is not in the file",
                        r.shape
                    ));
                }
            }
        }
        for (name, op) in &file.operations {
            if !shapes.contains_key(&op.input) {
                return Err(format!(
                    "operation {name}: its input shape {} is not in the file",
                    op.input
                ));
            }
        }
        let patterns = Patterns::default();
        Ok(Model {
            source: Source {
                botocore: file.source.botocore,
                file: file.source.file,
            },
            operations: file.operations,
            shapes,
            patterns,
            broken: None,
        })
    }

    pub(super) fn broken(why: String) -> Model {
        Model {
            source: Source::default(),
            operations: BTreeMap::new(),
            shapes: BTreeMap::new(),
            patterns: Patterns::default(),
            broken: Some(why),
        }
    }

    pub(crate) fn botocore_version(&self) -> &str {
        &self.source.botocore
    }

    /// The model file inside botocore this was extracted from.
    #[cfg(test)]
    pub(crate) fn source_file(&self) -> &str {
        &self.source.file
    }

    #[cfg(test)]
    pub(crate) fn operations(&self) -> impl Iterator<Item = &str> {
        self.operations.keys().map(String::as_str)
    }

    /// Every pattern in the model, with the shape that carries it.
    #[cfg(test)]
    pub(crate) fn patterns(&self) -> impl Iterator<Item = (&str, &str)> {
        self.shapes
            .iter()
            .filter_map(|(name, s)| s.pattern.as_deref().map(|p| (name.as_str(), p)))
    }

    /// The members of `operation`'s input shape (empty for an unknown operation).
    pub(crate) fn input_members(&self, operation: &str) -> Vec<String> {
        self.operations
            .get(operation)
            .and_then(|op| self.shapes.get(&op.input))
            .map(|shape| shape.members.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn enum_values(&self, shape: &str) -> Option<&[String]> {
        self.shapes.get(shape)?.enum_.as_deref()
    }

    pub(crate) fn validate(
        &self,
        operation: &str,
        request: &serde_json::Value,
    ) -> Result<(), Problem> {
        if let Some(why) = &self.broken {
            return Err(Problem::model(why.clone()));
        }
        let op = self.operations.get(operation).ok_or_else(|| {
            Problem::model(format!(
                "{operation} is not an operation of the extracted model {} (it has {})",
                self.source.file,
                self.operations
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let violations = super::validate::check(self, &op.input, request);
        if violations.is_empty() {
            Ok(())
        } else {
            Err(Problem::violations(operation, violations))
        }
    }
}
