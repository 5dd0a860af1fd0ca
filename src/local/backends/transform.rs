//! `sagemaker:createTransformJob.sync`: a batch transform with `SplitType: Line` and
//! `AssembleWith: Line`. Each input file under the `S3Uri` prefix goes through the
//! model's serving script (`tabular_serve.py transform`) and lands as
//! `<S3OutputPath>/<file>.out`, one output line per input line, in order — as SageMaker
//! writes it. A failed job fails the task with `States.TaskFailed` and the job's
//! description (with its `FailureReason`) as the cause.

use super::models::existing_model;
use super::serving::prepare_model;
use super::{location, now_millis, resource_name, sagemaker_refusal, text, Env};
use crate::local::objects::Location;
use crate::local::process::{last_error, run_job, JobEnd};
use crate::local::store::{write_json, ResourceKind, Store};
use crate::sfn::errors::{names, Failure};
use serde_json::{json, Value};
use std::process::Command;
use std::time::Instant;

pub(crate) fn create(
    env: &Env,
    input: &Value,
    deadline: Option<Instant>,
) -> Result<Value, Failure> {
    let name = resource_name(input, "TransformJobName")?;
    let model_name = text(input, "/ModelName", "ValidationException")?;
    let model = existing_model(env, model_name)?;
    let source = location(input, "/TransformInput/DataSource/S3DataSource/S3Uri")?;
    let output = location(input, "/TransformOutput/S3OutputPath")?;
    let content_type = input
        .pointer("/TransformInput/ContentType")
        .and_then(Value::as_str)
        .unwrap_or("text/csv")
        .to_string();
    let accept = input
        .pointer("/TransformOutput/Accept")
        .and_then(Value::as_str)
        .unwrap_or("text/csv")
        .to_string();
    let split = input
        .pointer("/TransformInput/SplitType")
        .and_then(Value::as_str)
        .unwrap_or("None");
    let assemble = input
        .pointer("/TransformOutput/AssembleWith")
        .and_then(Value::as_str)
        .unwrap_or("None");
    if split != "Line" || assemble != "Line" {
        return Err(sagemaker_refusal(
            "ValidationException",
            format!("the local runner runs batch transforms with SplitType Line and AssembleWith Line, got {split} and {assemble}"),
        ));
    }
    let Some(dir) = env
        .store
        .claim_resource(ResourceKind::TransformJob, name)
        .map_err(|e| Failure::task_failed(format!("{e:#}")))?
    else {
        return Err(sagemaker_refusal(
            "ValidationException",
            format!(
                "Job name must be unique within an AWS account and region, and a job with this name already exists ({})",
                Store::arn(ResourceKind::TransformJob, name)
            ),
        ));
    };
    let created = now_millis();
    let mut description = json!({
        "TransformJobName": name,
        "TransformJobArn": Store::arn(ResourceKind::TransformJob, name),
        "TransformJobStatus": "InProgress",
        "ModelName": model_name,
        "TransformInput": input.get("TransformInput"),
        "TransformOutput": input.get("TransformOutput"),
        "TransformResources": input.get("TransformResources"),
        "CreationTime": created,
        "TransformStartTime": created,
    });
    let save = |d: &Value| {
        let _ = write_json(&dir.join("record.json"), d);
    };
    save(&description);
    let result = run(
        env,
        &dir,
        &model,
        &source,
        &output,
        &content_type,
        &accept,
        deadline,
    );
    description["TransformEndTime"] = json!(now_millis());
    match result {
        Ok(()) => {
            description["TransformJobStatus"] = json!("Completed");
            save(&description);
            Ok(description)
        }
        Err(Some(reason)) => {
            description["TransformJobStatus"] = json!("Failed");
            description["FailureReason"] = json!(reason);
            save(&description);
            Err(Failure::task_failed(crate::sfn::path::compact(
                &description,
            )))
        }
        Err(None) => {
            description["TransformJobStatus"] = json!("Stopped");
            save(&description);
            Err(Failure::new(
                names::TIMEOUT,
                format!("the task timed out while transform job {name} ran; the job was stopped"),
            ))
        }
    }
}

/// `Err(Some(reason))`: the job failed; `Err(None)`: the deadline passed.
#[allow(clippy::too_many_arguments)]
fn run(
    env: &Env,
    dir: &std::path::Path,
    model: &Value,
    source: &Location,
    output: &Location,
    content_type: &str,
    accept: &str,
    deadline: Option<Instant>,
) -> Result<(), Option<String>> {
    let python = env
        .python()
        .map_err(|f| Some(format!("ClientError: {}", f.cause)))?
        .to_path_buf();
    let prepared = prepare_model(env, model, dir).map_err(|e| Some(format!("ClientError: {e}")))?;
    let files = env
        .objects
        .list(source)
        .map_err(|e| Some(format!("ClientError: {e:#}")))?;
    if files.is_empty() {
        return Err(Some(format!(
            "ClientError: {}",
            env.objects.nothing_at(source)
        )));
    }
    let log = dir.join("transform.log");
    // Earlier predictions are never replaced silently, nor an input by its own output.
    for (relative, file) in &files {
        let target = env.objects.path(&output.join(&format!("{relative}.out")));
        if std::fs::symlink_metadata(&target).is_ok() {
            let why = if &target == file {
                "it is also an input file of this job"
            } else {
                "it holds earlier predictions"
            };
            return Err(Some(format!(
                "ClientError: the output {} already exists and {why}: nothing was written; remove it or choose another BatchOutputDataPath",
                target.display()
            )));
        }
    }
    for (relative, file) in files {
        let target = env.objects.path(&output.join(&format!("{relative}.out")));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                let why = crate::local::disk::full(parent, &e).unwrap_or_else(|| e.to_string());
                Some(format!(
                    "ClientError: cannot write {}: {why}",
                    parent.display()
                ))
            })?;
        }
        let mut command = Command::new(&python);
        command
            .arg(&prepared.script)
            .arg("transform")
            .arg("--model-dir")
            .arg(&prepared.model_dir)
            .arg("--input")
            .arg(&file)
            .arg("--output")
            .arg(&target)
            .args(["--content-type", content_type, "--accept", accept])
            .current_dir(dir)
            .env("PYTHONUNBUFFERED", "1");
        match run_job(command, &log, deadline)
            .map_err(|e| Some(format!("InternalServerError: {e:#}")))?
        {
            JobEnd::Exited(Some(0)) => {}
            JobEnd::Exited(code) => {
                let message = last_error(&log).unwrap_or_else(|| "the transform failed".into());
                let kind = if code == Some(2) {
                    "ClientError"
                } else {
                    "AlgorithmError"
                };
                let full = crate::local::disk::in_message(&message, &target)
                    .map(|full| format!("; {full}"))
                    .unwrap_or_default();
                return Err(Some(format!(
                    "{kind}: {relative}: {message} (log: {}){full}",
                    log.display()
                )));
            }
            JobEnd::TimedOut | JobEnd::Interrupted => return Err(None),
        }
    }
    Ok(())
}
