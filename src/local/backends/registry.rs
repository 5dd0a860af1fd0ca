//! The local model registry: `aws-sdk:sagemaker:createModelPackageGroup`,
//! `createModelPackage` and `describeModelPackage`, kept in the state directory, checked
//! as SageMaker checks them (a group name is taken once, a version needs its group and its
//! model data, a ClientToken answers with the version it created), plus what `automl
//! models --local` lists and approves.
//!
//! ```text
//! sagemaker/model-package-groups/<group>/record.json
//! sagemaker/model-package-groups/<group>/versions/<n>/record.json
//! ```
//!
//! Versions are numbered 1, 2, ... per group (SageMaker's versioned packages); a number is
//! claimed by creating its directory, so two runs never take the same one.

use super::{location, now_millis, resource_name, Env};
use crate::local::store::{write_json, ResourceKind, Store, LOCAL_ACCOUNT};
use crate::local::LOCAL_REGION;
use crate::report::models::{ApprovalChange, ModelVersion, ModelVersions};
use crate::sfn::errors::Failure;
use crate::sfn::time::Timestamp;
use anyhow::{bail, Context as _};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A refusal as an AWS SDK integration reports it: the SDK v2's base exception
/// (`SageMaker.SageMakerException`, as `describeEndpoint` reports a missing endpoint) and
/// its `(Service: ..., Status Code: ..., Request ID: ...)` suffix.
fn sdk_refusal(message: impl Into<String>) -> Failure {
    Failure::new(
        "SageMaker.SageMakerException",
        format!(
            "{} (Service: SageMaker, Status Code: 400, Request ID: {})",
            message.into(),
            crate::sfn::ids::uuid_v4()
        ),
    )
}

fn store_failure(error: anyhow::Error) -> Failure {
    Failure::task_failed(format!("{error:#}"))
}

/// `arn:aws:sagemaker:local:000000000000:model-package/<group>/<version>`.
fn version_arn(group: &str, version: u32) -> String {
    format!(
        "arn:aws:sagemaker:{LOCAL_REGION}:{LOCAL_ACCOUNT}:model-package/{}/{version}",
        group.to_ascii_lowercase()
    )
}

fn versions_dir(store: &Store, group: &str) -> PathBuf {
    store
        .resource_dir(ResourceKind::ModelPackageGroup, group)
        .join("versions")
}

fn version_dir(store: &Store, group: &str, version: u32) -> PathBuf {
    versions_dir(store, group).join(version.to_string())
}

/// The versions of `group` (their records), oldest first.
fn versions(store: &Store, group: &str) -> Vec<Value> {
    let mut numbered: Vec<(u32, Value)> = std::fs::read_dir(versions_dir(store, group))
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| {
                    let number = entry.file_name().to_str()?.parse::<u32>().ok()?;
                    let text = std::fs::read_to_string(entry.path().join("record.json")).ok()?;
                    Some((number, serde_json::from_str(&text).ok()?))
                })
                .collect()
        })
        .unwrap_or_default();
    numbered.sort_by_key(|(n, _)| *n);
    numbered.into_iter().map(|(_, record)| record).collect()
}

pub(crate) fn create_group(env: &Env, input: &Value) -> Result<Value, Failure> {
    let name = resource_name(input, "ModelPackageGroupName")?;
    let arn = Store::arn(ResourceKind::ModelPackageGroup, name);
    if env
        .store
        .claim_resource(ResourceKind::ModelPackageGroup, name)
        .map_err(store_failure)?
        .is_none()
    {
        // AWS's wording is not in its machine-readable model; the machines accept either
        // phrase the SageMaker Python SDK treats as "exists" (stack::ALREADY_EXISTS_CAUSES).
        return Err(sdk_refusal(format!(
            "Model Package Group already exists: {arn}"
        )));
    }
    let record = json!({
        "ModelPackageGroupName": name,
        "ModelPackageGroupArn": arn,
        "ModelPackageGroupDescription": input.get("ModelPackageGroupDescription"),
        "ModelPackageGroupStatus": "Completed",
        "CreationTime": Timestamp::now().to_rfc3339(),
        "Tags": input.get("Tags"),
    });
    env.store
        .write_record(ResourceKind::ModelPackageGroup, name, &record)
        .map_err(store_failure)?;
    Ok(json!({ "ModelPackageGroupArn": arn }))
}

pub(crate) fn create_version(env: &Env, input: &Value) -> Result<Value, Failure> {
    if input.get("ModelPackageName").is_some() {
        return Err(sdk_refusal(
            "the local registry keeps versioned model packages only: give ModelPackageGroupName, not ModelPackageName",
        ));
    }
    let group = resource_name(input, "ModelPackageGroupName")?;
    if env
        .store
        .record(ResourceKind::ModelPackageGroup, group)
        .is_none()
    {
        return Err(sdk_refusal(format!(
            "Model Package Group {group} does not exist."
        )));
    }
    let token = input.get("ClientToken").and_then(Value::as_str);
    if let Some(token) = token {
        if let Some(done) = versions(&env.store, group)
            .into_iter()
            .find(|v| v["ClientToken"].as_str() == Some(token))
        {
            return Ok(json!({ "ModelPackageArn": done["ModelPackageArn"] }));
        }
    }
    let container = input
        .pointer("/InferenceSpecification/Containers/0")
        .ok_or_else(|| {
            sdk_refusal("InferenceSpecification.Containers must hold the inference container")
        })?;
    let data = location(container, "/ModelDataUrl")?;
    if !env.objects.path(&data).is_file() {
        return Err(sdk_refusal(format!(
            "Could not find model data at {} (locally {}).",
            data.to_uri(),
            env.objects.path(&data).display()
        )));
    }
    let mut version = versions(&env.store, group).len() as u32 + 1;
    while !Store::claim(&version_dir(&env.store, group, version)).map_err(store_failure)? {
        version += 1;
    }
    let arn = version_arn(group, version);
    let record = json!({
        "ModelPackageName": group,
        "ModelPackageGroupName": group,
        "ModelPackageVersion": version,
        "ModelPackageArn": arn,
        "ModelPackageDescription": input.get("ModelPackageDescription"),
        "ModelPackageStatus": "Completed",
        // SageMaker's default for a versioned package (botocore `ModelApprovalStatus`).
        "ModelApprovalStatus": input.get("ModelApprovalStatus").cloned().unwrap_or(json!("PendingManualApproval")),
        "InferenceSpecification": input.get("InferenceSpecification"),
        "CustomerMetadataProperties": input.get("CustomerMetadataProperties").cloned().unwrap_or(json!({})),
        "CreationTime": Timestamp::now().to_rfc3339(),
        "CreatedMillis": now_millis(),
        "ClientToken": token,
    });
    write_json(
        &version_dir(&env.store, group, version).join("record.json"),
        &record,
    )
    .map_err(store_failure)?;
    Ok(json!({ "ModelPackageArn": arn }))
}

/// The record of the version `reference` names: its ARN (any region and account, as the
/// local runner has one of each) or `<group>/<version>`.
fn find_version(store: &Store, reference: &str) -> Option<(String, u32, Value)> {
    let name = match reference.split_once(":model-package/") {
        Some((_, name)) => name,
        None => reference,
    };
    let (group, version) = name.rsplit_once('/')?;
    let version: u32 = version.parse().ok()?;
    let group = store
        .names(ResourceKind::ModelPackageGroup)
        .into_iter()
        .find(|g| g.eq_ignore_ascii_case(group))?;
    let text =
        std::fs::read_to_string(version_dir(store, &group, version).join("record.json")).ok()?;
    Some((group, version, serde_json::from_str(&text).ok()?))
}

pub(crate) fn describe_version(env: &Env, input: &Value) -> Result<Value, Failure> {
    let reference = resource_name(input, "ModelPackageName")?;
    let (_, _, mut record) = find_version(&env.store, reference).ok_or_else(|| {
        sdk_refusal(format!(
            "ModelPackage {reference} does not exist. (local groups: {})",
            env.store.names(ResourceKind::ModelPackageGroup).join(", ")
        ))
    })?;
    if let Some(object) = record.as_object_mut() {
        object.remove("ClientToken");
        object.remove("CreatedMillis");
    }
    Ok(record)
}

/// `PrimaryContainer` of a model created from `Containers: [{"ModelPackageName"}]`: the
/// version's inference container. SageMaker deploys only an Approved version ("for
/// versioned models, the value of this parameter must be set to Approved to deploy the
/// model", botocore sagemaker `CreateModelPackageInput.ModelApprovalStatus`).
pub(crate) fn container_of(env: &Env, reference: &str) -> Result<Value, Failure> {
    let refuse = |message: String| super::sagemaker_refusal("ValidationException", message);
    let (_, _, record) = find_version(&env.store, reference)
        .ok_or_else(|| refuse(format!("ModelPackage {reference} does not exist.")))?;
    let status = record["ModelApprovalStatus"].as_str().unwrap_or_default();
    if status != "Approved" {
        return Err(refuse(format!(
            "Model package {reference} has ModelApprovalStatus {status}: only an Approved version can be deployed."
        )));
    }
    record
        .pointer("/InferenceSpecification/Containers/0")
        .cloned()
        .ok_or_else(|| refuse(format!("ModelPackage {reference} has no container.")))
}

/// Every version of the stack's groups (`<stack>-*`), for `automl models --local`.
pub(crate) fn list(store: &Store, stack_name: &str) -> ModelVersions {
    let prefix = format!("{stack_name}-");
    let mut out = Vec::new();
    for group in store.names(ResourceKind::ModelPackageGroup) {
        if !group.starts_with(&prefix) {
            continue;
        }
        for record in versions(store, &group) {
            let version = record["ModelPackageVersion"].as_u64().unwrap_or(0) as u32;
            let metadata: BTreeMap<String, String> = record["CustomerMetadataProperties"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            out.push(ModelVersion {
                reference: ModelVersion::reference_of(stack_name, &group, version),
                model_package_group_name: group.clone(),
                model_package_version: version,
                model_package_arn: record["ModelPackageArn"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                model_approval_status: record["ModelApprovalStatus"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                creation_time: record["CreationTime"].as_str().map(String::from),
                metadata,
            });
        }
    }
    ModelVersions {
        stack_name: stack_name.to_string(),
        versions: out,
    }
}

/// `automl models approve --local`: sets a version's status (UpdateModelPackage's
/// `ModelApprovalStatus`); `reference` is `<model>/<version>` of this stack or an ARN.
pub(crate) fn set_status(
    store: &Store,
    stack_name: &str,
    reference: &str,
    status: &str,
) -> anyhow::Result<ApprovalChange> {
    let qualified = if reference.starts_with("arn:") {
        reference.to_string()
    } else {
        format!("{stack_name}-{reference}")
    };
    let Some((group, version, mut record)) = find_version(store, &qualified) else {
        let known: Vec<String> = list(store, stack_name)
            .versions
            .into_iter()
            .map(|v| v.reference)
            .collect();
        bail!(
            "no registered version {reference} in stack {stack_name} ({})",
            if known.is_empty() {
                "the local registry is empty: a run with Parameters.Registry registers one"
                    .to_string()
            } else {
                format!("registered: {}", known.join(", "))
            }
        );
    };
    let previous = record["ModelApprovalStatus"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    record["ModelApprovalStatus"] = json!(status);
    record["LastModifiedTime"] = json!(Timestamp::now().to_rfc3339());
    let path = version_dir(store, &group, version).join("record.json");
    write_json(&path, &record).with_context(|| format!("cannot update {}", path.display()))?;
    Ok(ApprovalChange {
        reference: ModelVersion::reference_of(stack_name, &group, version),
        model_package_arn: record["ModelPackageArn"]
            .as_str()
            .unwrap_or_default()
            .into(),
        previous_status: previous,
        model_approval_status: status.to_string(),
    })
}
