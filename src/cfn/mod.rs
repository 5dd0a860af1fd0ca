//! A small typed model of a CloudFormation template: parameters, mappings, rules,
//! resources and outputs, with the intrinsic functions this project uses. Rendering is
//! deterministic: maps are ordered by key and properties are built as ordered JSON.
//! [`Template::check`] catches dangling `Ref`/`GetAtt`/`Sub` names before CloudFormation
//! (or the emulator, which answers them with HTTP 500) ever sees the template.

mod check;
mod intrinsic;

pub(crate) use check::TemplateError;
pub(crate) use intrinsic::{find_in_map, get_att, r#ref, sub, sub_with};

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A whole template. Field order is the order CloudFormation documents show.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Template {
    #[serde(rename = "AWSTemplateFormatVersion")]
    pub(crate) format_version: &'static str,
    pub(crate) description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) parameters: BTreeMap<String, Parameter>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) rules: BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) mappings: BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) conditions: BTreeMap<String, Value>,
    pub(crate) resources: BTreeMap<String, Resource>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) outputs: BTreeMap<String, Output>,
}

impl Template {
    pub(crate) fn new(description: impl Into<String>) -> Template {
        Template {
            format_version: "2010-09-09",
            description: description.into(),
            ..Template::default()
        }
    }

    /// Renders the template as pretty JSON with a trailing newline: the exact bytes
    /// `synth` writes and `deploy` uploads.
    pub(crate) fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a template always serialises");
        text.push('\n');
        text
    }
}

/// A template parameter.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Parameter {
    #[serde(rename = "Type")]
    pub(crate) kind: &'static str,
    pub(crate) description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) allowed_pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) constraint_description: Option<String>,
}

impl Parameter {
    pub(crate) fn string(description: impl Into<String>) -> Parameter {
        Parameter {
            kind: "String",
            description: description.into(),
            default: None,
            allowed_pattern: None,
            constraint_description: None,
        }
    }

    pub(crate) fn default(mut self, value: impl Into<String>) -> Parameter {
        self.default = Some(value.into());
        self
    }

    pub(crate) fn pattern(mut self, pattern: &str, explanation: &str) -> Parameter {
        self.allowed_pattern = Some(pattern.into());
        self.constraint_description = Some(explanation.into());
        self
    }
}

/// One resource: its type, properties, and the attributes this project uses.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Resource {
    #[serde(rename = "Type")]
    pub(crate) kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) depends_on: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) deletion_policy: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) update_replace_policy: Option<&'static str>,
    pub(crate) properties: Value,
}

impl Resource {
    pub(crate) fn new(kind: impl Into<String>, properties: Value) -> Resource {
        Resource {
            kind: kind.into(),
            metadata: None,
            depends_on: Vec::new(),
            deletion_policy: None,
            update_replace_policy: None,
            properties,
        }
    }

    pub(crate) fn depends_on(mut self, logical_id: &str) -> Resource {
        self.depends_on.push(logical_id.to_string());
        self
    }

    pub(crate) fn metadata(mut self, metadata: Value) -> Resource {
        self.metadata = Some(metadata);
        self
    }

    /// Sets both DeletionPolicy and UpdateReplacePolicy (cfn-lint wants them together).
    pub(crate) fn deletion_policy(mut self, policy: &'static str) -> Resource {
        self.deletion_policy = Some(policy);
        self.update_replace_policy = Some(policy);
        self
    }
}

/// A stack output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Output {
    pub(crate) description: String,
    pub(crate) value: Value,
}

impl Output {
    pub(crate) fn new(description: impl Into<String>, value: Value) -> Output {
        Output {
            description: description.into(),
            value,
        }
    }
}
