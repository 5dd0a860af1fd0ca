//! `lambda:invoke` of the evaluation function, run in-process with the same library the
//! Lambda runs (`automl-evaluate`): it reads `scores.json` from the training job's
//! `output.tar.gz` (beside `ModelPath`'s `model.tar.gz`) and judges one metric against the
//! threshold. The result has the integration's shape (`Payload`, `StatusCode`, ...); a
//! Lambda error fails the task with the function's error type as the error name and its
//! error document as the cause, as on AWS.

use super::Env;
use crate::local::objects::Location;
use crate::sfn::errors::Failure;
use automl_evaluate::{EvaluateError, EvaluationRequest};
use serde_json::{json, Value};

pub(crate) fn invoke(env: &Env, function_arn: &str, input: &Value) -> Result<Value, Failure> {
    let function = input
        .get("FunctionName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let function_name = function_arn.rsplit(':').next().unwrap_or(function_arn);
    if function != function_arn && function != function_name {
        return Err(Failure::new(
            "Lambda.ResourceNotFoundException",
            format!(
                "Function not found: {function} (the local runner runs only the evaluation function, {function_arn}) (Service: Lambda, Status Code: 404)"
            ),
        ));
    }
    if let Some(kind) = input.get("InvocationType").and_then(Value::as_str) {
        if kind != "RequestResponse" {
            return Err(Failure::new(
                "Lambda.InvalidParameterValueException",
                format!("InvocationType {kind} is not supported by the local runner (use RequestResponse)"),
            ));
        }
    }
    let payload = match input.get("Payload") {
        Some(Value::String(text)) => {
            serde_json::from_str(text).unwrap_or(Value::String(text.clone()))
        }
        Some(value) => value.clone(),
        None => json!({}),
    };
    match evaluate(env, payload) {
        Ok(verdict) => Ok(json!({
            "ExecutedVersion": "$LATEST",
            "Payload": verdict,
            "SdkHttpMetadata": {
                "HttpHeaders": {"Content-Type": "application/json", "X-Amz-Executed-Version": "$LATEST"},
                "HttpStatusCode": 200,
            },
            "SdkResponseMetadata": {"RequestId": crate::sfn::ids::uuid_v4()},
            "StatusCode": 200,
        })),
        Err(error) => Err(Failure::new(
            error.name(),
            json!({"errorMessage": error.to_string(), "errorType": error.name(), "stackTrace": []})
                .to_string(),
        )),
    }
}

fn evaluate(env: &Env, payload: Value) -> Result<Value, EvaluateError> {
    let request = EvaluationRequest::from_value(payload)?;
    let threshold = request.threshold()?;
    // s3://.../model.tar.gz -> the object root; a local model.tar.gz -> its sibling.
    let (archive_uri, archive) = if request.model_path.starts_with("s3://") {
        let location = request.archive_location()?;
        let uri = location.to_string();
        let path = env.objects.path(&Location::S3 {
            bucket: location.bucket,
            key: location.key,
        });
        (uri, path)
    } else {
        let path = std::path::PathBuf::from(&request.model_path);
        if path.file_name().and_then(|n| n.to_str()) != Some("model.tar.gz") {
            return Err(EvaluateError::InvalidModelPath {
                path: request.model_path.clone(),
                reason: "the object is not a model.tar.gz",
            });
        }
        let archive = path.with_file_name(automl_evaluate::DEFAULT_ARCHIVE_NAME);
        (archive.display().to_string(), archive)
    };
    let file = std::fs::File::open(&archive).map_err(|e| EvaluateError::ArchiveNotFound {
        archive: archive_uri.clone(),
        detail: format!("{} ({e})", archive.display()),
    })?;
    let verdict = automl_evaluate::evaluate_archive(
        std::io::BufReader::new(file),
        &request.eval_metric,
        threshold,
    )
    .map_err(|e| e.with_archive(&archive_uri))?;
    Ok(serde_json::to_value(verdict).expect("verdicts serialise"))
}
