//! Constructors for the CloudFormation intrinsic functions the stack uses. They return
//! JSON values so they compose with `serde_json::json!` property trees.

use serde_json::{json, Value};

/// `{"Ref": name}`: a parameter, a pseudo parameter or a resource's primary id.
pub(crate) fn r#ref(name: &str) -> Value {
    json!({ "Ref": name })
}

/// `{"Fn::GetAtt": [resource, attribute]}`.
pub(crate) fn get_att(resource: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [resource, attribute] })
}

/// `{"Fn::Sub": text}`: `${Name}` refers to parameters, resources and pseudo parameters.
pub(crate) fn sub(text: impl Into<String>) -> Value {
    json!({ "Fn::Sub": text.into() })
}

/// `{"Fn::Sub": [text, variables]}`: like [`sub`], with local variables.
pub(crate) fn sub_with(text: impl Into<String>, variables: Value) -> Value {
    json!({ "Fn::Sub": [text.into(), variables] })
}

/// `{"Fn::FindInMap": [map, top_key, second_key]}`.
pub(crate) fn find_in_map(map: &str, top_key: Value, second_key: &str) -> Value {
    json!({ "Fn::FindInMap": [map, top_key, second_key] })
}
