//! Real-time endpoints: `sagemaker:createEndpoint` starts the model's serving script
//! (`SAGEMAKER_PROGRAM` from the model's container environment, from
//! `SAGEMAKER_SUBMIT_DIRECTORY`) as a detached local HTTP server on a free port;
//! `aws-sdk:sagemaker:describeEndpoint` reports its real status (see
//! [`crate::local::endpoints`]). Also prepares a model for a batch transform.

use super::models::existing_model;
use super::{resource_name, sagemaker_refusal, text, unpack_scripts, Env};
use crate::local::endpoints::{EndpointRecord, EndpointStatus, Registry, EXPIRY_FILE};
use crate::local::objects::{unpack, Location};
use crate::local::process::spawn_detached;
use crate::local::store::{ResourceKind, Store};
use crate::sfn::errors::Failure;
use crate::sfn::time::Timestamp;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the inference container unpacks the model archive.
const CONTAINER_MODEL_DIR: &str = "/opt/ml/model";

/// A model unpacked for serving: its directory and the serving script.
pub(crate) struct Prepared {
    pub(crate) model_dir: PathBuf,
    pub(crate) script: PathBuf,
}

/// Unpacks `model`'s `ModelDataUrl` into `<dir>/model` and its code into `<dir>/code`,
/// as the inference container does.
pub(crate) fn prepare_model(env: &Env, model: &Value, dir: &Path) -> Result<Prepared, String> {
    let container = model
        .get("PrimaryContainer")
        .cloned()
        .unwrap_or(Value::Null);
    let data_url = container
        .get("ModelDataUrl")
        .and_then(Value::as_str)
        .ok_or("the model has no PrimaryContainer.ModelDataUrl")?;
    let archive = env.objects.path(&Location::parse(data_url)?);
    let model_dir = dir.join("model");
    unpack(&archive, &model_dir)
        .map_err(|e| format!("cannot unpack the model data {data_url}: {e:#}"))?;
    let environment = container.get("Environment").cloned().unwrap_or(Value::Null);
    let program = environment
        .get("SAGEMAKER_PROGRAM")
        .and_then(Value::as_str)
        .ok_or("the model's container has no SAGEMAKER_PROGRAM: the local runner serves script-mode models")?;
    let code_dir = match environment
        .get("SAGEMAKER_SUBMIT_DIRECTORY")
        .and_then(Value::as_str)
    {
        // A directory inside the container, where the model archive is unpacked.
        Some(submit) if submit.starts_with(CONTAINER_MODEL_DIR) => {
            model_dir.join(submit[CONTAINER_MODEL_DIR.len()..].trim_start_matches('/'))
        }
        Some(submit) => {
            let code = dir.join("code");
            unpack_scripts(env, submit, &code)?;
            code
        }
        // Like the inference toolkit: code shipped inside the model archive.
        None => model_dir.join("code"),
    };
    let script = code_dir.join(program);
    if !script.is_file() {
        return Err(format!(
            "{program} (SAGEMAKER_PROGRAM) is not in the model's code ({})",
            code_dir.display()
        ));
    }
    Ok(Prepared { model_dir, script })
}

/// The endpoint config `name`, or SageMaker's refusal.
fn endpoint_config(env: &Env, name: &str) -> Result<Value, Failure> {
    env.store
        .record(ResourceKind::EndpointConfig, name)
        .ok_or_else(|| {
            sagemaker_refusal(
                "ValidationException",
                format!(
                    "Could not find endpoint configuration \"{}\".",
                    Store::arn(ResourceKind::EndpointConfig, name)
                ),
            )
        })
}

pub(crate) fn create_endpoint(env: &Env, input: &Value) -> Result<Value, Failure> {
    let name = resource_name(input, "EndpointName")?;
    let config_name = text(input, "/EndpointConfigName", "ValidationException")?;
    let config = endpoint_config(env, config_name)?;
    let arn = Store::arn(ResourceKind::Endpoint, name);
    let Some(dir) = env
        .store
        .claim_resource(ResourceKind::Endpoint, name)
        .map_err(|e| Failure::task_failed(format!("{e:#}")))?
    else {
        return Err(sagemaker_refusal(
            "ValidationException",
            format!("Cannot create already existing endpoint \"{arn}\". (Stop the local one with `automl local stop {name}`.)"),
        ));
    };
    let record = start_server(env, name, config_name, &config, &dir, &dir)?;
    Registry::new(&env.store)
        .save(&record)
        .map_err(|e| Failure::task_failed(format!("{e:#}")))?;
    Ok(json!({ "EndpointArn": arn }))
}

/// `UpdateEndpoint`: the new config's server starts beside the serving one, which keeps
/// the traffic until the new one answers (see [`crate::local::endpoints`]). The
/// DeploymentConfig's traffic shifting (canary share, wait, alarms) is checked against
/// SageMaker's model but not simulated: locally all traffic moves once the new server is
/// healthy.
pub(crate) fn update_endpoint(env: &Env, input: &Value) -> Result<Value, Failure> {
    let name = resource_name(input, "EndpointName")?;
    let config_name = text(input, "/EndpointConfigName", "ValidationException")?;
    let registry = Registry::new(&env.store);
    let arn = Store::arn(ResourceKind::Endpoint, name);
    let Some(mut record) = registry.get(name) else {
        return Err(sagemaker_refusal(
            "ValidationException",
            format!("Could not find endpoint \"{arn}\"."),
        ));
    };
    if record.pending.is_some()
        || !matches!(registry.status(&record), EndpointStatus::InService { .. })
    {
        return Err(sagemaker_refusal(
            "ValidationException",
            format!("Cannot update in-progress endpoint \"{arn}\"."),
        ));
    }
    if record.config_name == config_name {
        return Err(sagemaker_refusal(
            "ValidationException",
            format!(
                "Cannot update endpoint \"{arn}\" with the endpoint configuration it already uses."
            ),
        ));
    }
    let config = endpoint_config(env, config_name)?;
    let endpoint_dir = env.store.resource_dir(ResourceKind::Endpoint, name);
    let dir = endpoint_dir.join("configs").join(config_name);
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::task_failed(format!("cannot create {}: {e}", dir.display())))?;
    let pending = start_server(env, name, config_name, &config, &dir, &endpoint_dir)?;
    record.pending = Some(Box::new(pending));
    record.failure_reason = None;
    registry
        .save(&record)
        .map_err(|e| Failure::task_failed(format!("{e:#}")))?;
    Ok(json!({ "EndpointArn": arn }))
}

/// Starts the model server of endpoint config `config` in `dir` (its model and log); the
/// server stops by itself at the expiry written in `endpoint_dir`.
fn start_server(
    env: &Env,
    name: &str,
    config_name: &str,
    config: &Value,
    dir: &Path,
    endpoint_dir: &Path,
) -> Result<EndpointRecord, Failure> {
    let variant = config
        .pointer("/ProductionVariants/0")
        .cloned()
        .unwrap_or(Value::Null);
    let model_name = variant
        .get("ModelName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let model = existing_model(env, &model_name)?;
    let python = env.python()?.to_path_buf();
    let log = dir.join("serve.log");
    let started = (|| -> Result<(PathBuf, u32), String> {
        let prepared = prepare_model(env, &model, dir)?;
        let mut command = Command::new(&python);
        command
            .arg(&prepared.script)
            .args(["serve", "--port", "0", "--host", "127.0.0.1", "--model-dir"])
            .arg(&prepared.model_dir)
            .arg("--expiry-file")
            .arg(endpoint_dir.join(EXPIRY_FILE))
            .current_dir(prepared.script.parent().unwrap_or(dir))
            .env("PYTHONUNBUFFERED", "1")
            .env(
                "SAGEMAKER_PROGRAM",
                prepared.script.file_name().unwrap_or_default(),
            );
        // The model's serving settings (the Train machine's CreateModel sets them), which
        // the local server honours as the model server does.
        for key in [
            "SAGEMAKER_MODEL_SERVER_WORKERS",
            "SAGEMAKER_MODEL_SERVER_TIMEOUT",
        ] {
            if let Some(value) = model
                .pointer(&format!("/PrimaryContainer/Environment/{key}"))
                .and_then(Value::as_str)
            {
                command.env(key, value);
            }
        }
        let pid = spawn_detached(command, &log).map_err(|e| format!("{e:#}"))?;
        Ok((prepared.model_dir, pid))
    })();
    let created = Timestamp::now();
    let pid = match started {
        Ok((_, pid)) => pid,
        // Like SageMaker: the endpoint exists, and describeEndpoint reports it Failed.
        Err(reason) => {
            let _ = std::fs::write(&log, format!("error: {reason}\n"));
            0
        }
    };
    // A serverless variant has no instances; locally it is one server.
    let serverless = variant.get("ServerlessConfig").cloned();
    Ok(EndpointRecord {
        name: name.to_string(),
        arn: Store::arn(ResourceKind::Endpoint, name),
        config_name: config_name.to_string(),
        model_name,
        model_data_url: model
            .pointer("/PrimaryContainer/ModelDataUrl")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        instance_type: match &serverless {
            Some(_) => "serverless".to_string(),
            None => variant
                .get("InstanceType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        },
        instance_count: variant
            .get("InitialInstanceCount")
            .and_then(Value::as_u64)
            .unwrap_or(1),
        pid,
        created: created.to_rfc3339(),
        created_millis: created.epoch_millis(),
        dir: dir.to_path_buf(),
        log,
        pending: None,
        failure_reason: None,
        expires_millis: None,
        auto_scaling: None,
    })
}

/// `DeleteEndpointConfig` (what an update replaced).
pub(crate) fn delete_endpoint_config(env: &Env, input: &Value) -> Result<Value, Failure> {
    let name = resource_name(input, "EndpointConfigName")?;
    if env
        .store
        .record(ResourceKind::EndpointConfig, name)
        .is_none()
    {
        return Err(sagemaker_refusal(
            "ValidationException",
            format!(
                "Could not find endpoint configuration \"{}\".",
                Store::arn(ResourceKind::EndpointConfig, name)
            ),
        ));
    }
    let dir = env.store.resource_dir(ResourceKind::EndpointConfig, name);
    std::fs::remove_dir_all(&dir)
        .map_err(|e| Failure::task_failed(format!("cannot remove {}: {e}", dir.display())))?;
    Ok(json!({}))
}

/// `DescribeEndpoint`, as the AWS SDK integration returns it.
pub(crate) fn describe_endpoint(env: &Env, input: &Value) -> Result<Value, Failure> {
    let name = input
        .get("EndpointName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let registry = Registry::new(&env.store);
    let Some(record) = registry.get(name) else {
        return Err(Failure::new(
            "SageMaker.SageMakerException",
            format!(
                "Could not find endpoint \"{}\". (Service: SageMaker, Status Code: 400, Request ID: {})",
                Store::arn(ResourceKind::Endpoint, name),
                crate::sfn::ids::uuid_v4()
            ),
        ));
    };
    let record = registry
        .advance(record)
        .map_err(|e| Failure::task_failed(format!("{e:#}")))?;
    let status = registry.status(&record);
    let updating = record.pending.is_some() && matches!(status, EndpointStatus::InService { .. });
    let now = Timestamp::now().to_rfc3339();
    let mut description = json!({
        "EndpointName": record.name,
        "EndpointArn": record.arn,
        "EndpointConfigName": record.config_name,
        "EndpointStatus": if updating { "Updating" } else { status.name() },
        "CreationTime": record.created,
        "LastModifiedTime": now,
        "ProductionVariants": [{
            "VariantName": "AllTraffic",
            "CurrentWeight": 1.0,
            "DesiredWeight": 1.0,
            "CurrentInstanceCount": if matches!(status, EndpointStatus::InService { .. }) { record.instance_count } else { 0 },
            "DesiredInstanceCount": record.instance_count,
        }],
    });
    if let EndpointStatus::Failed { reason } = &status {
        description["FailureReason"] = json!(reason);
    } else if let Some(reason) = &record.failure_reason {
        description["FailureReason"] = json!(reason);
    }
    Ok(description)
}

/// Whether describing `input`'s endpoint now gives a final answer (InService or
/// Failed): a Wait before describeEndpoint may then end early.
pub(crate) fn settled(env: &Env, input: &Value) -> bool {
    let Some(name) = input.get("EndpointName").and_then(Value::as_str) else {
        return false;
    };
    let registry = Registry::new(&env.store);
    match registry.get(name) {
        Some(record) => match &record.pending {
            Some(pending) => registry.status(pending) != EndpointStatus::Creating,
            None => registry.status(&record) != EndpointStatus::Creating,
        },
        None => true,
    }
}
