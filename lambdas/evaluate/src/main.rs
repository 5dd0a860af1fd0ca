//! The evaluation Lambda (`provided.al2023`, built by `lambdas/evaluate/build.sh`): wires
//! the library to `lambda_runtime` and S3. It fetches `output.tar.gz` beside the event's
//! `ModelPath`, streams it through [`automl_evaluate::evaluate_archive`] and answers with
//! the [`Verdict`]; a failure becomes a Lambda error whose `errorType` is
//! [`EvaluateError::name`], which is what a Step Functions `Catch` matches.

use automl_evaluate::{EvaluateError, EvaluationRequest, S3Location, Verdict};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectError;
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde_json::json;

mod log;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let s3 = s3_client();
    let s3 = &s3;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            handle(s3, event.payload).await.map_err(|error| {
                log::line(
                    log::Level::Error,
                    &error.to_string(),
                    &[("error_type", json!(error.name()))],
                );
                Diagnostic {
                    error_type: error.name().to_owned(),
                    error_message: error.to_string(),
                }
            })
        },
    ))
    .await
}

/// The S3 client, configured from what Lambda puts in the function's environment
/// ("Defined runtime environment variables",
/// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime):
/// the execution role's credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`) and `AWS_REGION`. That is what aws-config's default chain finds
/// first in a Lambda; building the client from it directly leaves the rest of the chain
/// (profiles, STS web identity and assume-role, IMDS, ECS) out of the binary. An
/// endpoint override (`AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`: the SDKs'
/// service-specific endpoint settings) points it at an emulator in tests.
fn s3_client() -> aws_sdk_s3::Client {
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .ok()
        .map(aws_sdk_s3::config::Region::new);
    let mut config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .http_client(https_client())
        .region(region)
        .credentials_provider(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        );
    if let Ok(endpoint) =
        std::env::var("AWS_ENDPOINT_URL_S3").or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
    {
        config = config.endpoint_url(endpoint);
    }
    aws_sdk_s3::Client::from_conf(config.build())
}

/// The SDK's default HTTPS client with ring as rustls' crypto provider in place of
/// aws-lc-rs: the same connector aws-smithy-runtime builds (`default_https_client` in its
/// `client/http.rs`: the runtime's connector settings and sleep, the proxy from the
/// environment), so only the TLS crypto library differs. ring does what this client needs
/// (TLS 1.2/1.3 with ECDHE and AES-GCM or ChaCha20 to S3) in far less code.
fn https_client() -> aws_sdk_s3::config::SharedHttpClient {
    use aws_smithy_http_client::{proxy::ProxyConfig, tls, Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(move |settings, runtime_components| {
        let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = runtime_components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// One evaluation: event in, verdict or named error out.
async fn handle(
    s3: &aws_sdk_s3::Client,
    event: serde_json::Value,
) -> Result<Verdict, EvaluateError> {
    let request = EvaluationRequest::from_value(event)?;
    let threshold = request.threshold()?;
    let location = request.archive_location()?;

    let object = s3
        .get_object()
        .bucket(&location.bucket)
        .key(&location.key)
        .send()
        .await
        .map_err(|error| get_object_error(error, &location))?;

    // tar and gzip read synchronously: bridge the body onto a blocking thread so the
    // archive streams through and the download stops once scores.json has been read.
    let body = tokio_util::io::SyncIoBridge::new(object.body.into_async_read());
    let metric = request.eval_metric.clone();
    let verdict = tokio::task::spawn_blocking(move || {
        automl_evaluate::evaluate_archive(body, &metric, threshold)
    })
    .await
    // evaluate_archive does not panic; if it ever did, that bug should surface as is.
    .unwrap_or_else(|join_error| std::panic::resume_unwind(join_error.into_panic()))
    .map_err(|error| error.with_archive(&location))?;

    log::line(
        log::Level::Info,
        "evaluated",
        &[
            ("archive", json!(location.to_string())),
            ("metric", json!(verdict.metric)),
            ("value", json!(verdict.value)),
            ("threshold", json!(verdict.threshold)),
            ("is_valid", json!(verdict.is_valid)),
        ],
    );
    Ok(verdict)
}

/// A missing bucket or key is `ArchiveNotFound` (the training job wrote no output);
/// anything else (access denied, throttling, network) is `ArchiveUnreadable`. S3 answers
/// AccessDenied instead of NoSuchKey when the role lacks s3:ListBucket on the bucket.
fn get_object_error(error: SdkError<GetObjectError>, location: &S3Location) -> EvaluateError {
    let archive = location.to_string();
    let detail = DisplayErrorContext(&error).to_string();
    let missing = matches!(error.as_service_error(), Some(GetObjectError::NoSuchKey(_)))
        || error.code() == Some("NoSuchBucket");
    if missing {
        EvaluateError::ArchiveNotFound { archive, detail }
    } else {
        EvaluateError::ArchiveUnreadable { archive, detail }
    }
}

#[cfg(test)]
mod tests {
    //! The handler end to end against the moto S3 emulator on loopback.

    use super::*;
    use automl_testkit::Moto;
    use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
    use aws_sdk_s3::primitives::ByteStream;
    use serde_json::json;

    const BUCKET: &str = "training-output";
    const MODEL: &str = "s3://training-output/automl/job-1/output/model.tar.gz";

    fn client(moto: &Moto) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(moto.endpoint())
            .force_path_style(true)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
            .http_client(https_client())
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// A `.tar.gz` holding one `scores.json`, as SageMaker packs SM_OUTPUT_DATA_DIR.
    fn output_archive(scores: &serde_json::Value) -> Vec<u8> {
        let json = scores.to_string();
        let mut header = tar::Header::new_gnu();
        header.set_size(json.len() as u64);
        header.set_mode(0o644);
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        tar.append_data(&mut header, "scores.json", json.as_bytes())
            .unwrap();
        tar.into_inner().unwrap().finish().unwrap()
    }

    async fn emulator_with_bucket() -> (Moto, aws_sdk_s3::Client) {
        let moto = Moto::start();
        let s3 = client(&moto);
        s3.create_bucket().bucket(BUCKET).send().await.unwrap();
        (moto, s3)
    }

    async fn upload(s3: &aws_sdk_s3::Client, key: &str, body: Vec<u8>) {
        let body = ByteStream::from(body);
        s3.put_object()
            .bucket(BUCKET)
            .key(key)
            .body(body)
            .send()
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn verdict_from_the_archive_beside_the_model() {
        let (_moto, s3) = emulator_with_bucket().await;
        let scores = json!({"accuracy": 0.81, "balanced_accuracy": 0.78, "mcc": 0.55});
        upload(
            &s3,
            "automl/job-1/output/output.tar.gz",
            output_archive(&scores),
        )
        .await;

        let event = json!({"ModelPath": MODEL, "EvalThreshold": "0.8", "EvalMetric": "accuracy"});
        let verdict = handle(&s3, event).await.unwrap();
        assert!(verdict.is_valid);
        assert_eq!(verdict.value, 0.81);
        assert_eq!(verdict.scores.len(), 3);

        let event = json!({"ModelPath": MODEL, "EvalThreshold": 0.6, "EvalMetric": "mcc"});
        assert!(!handle(&s3, event).await.unwrap().is_valid);

        let event = json!({"ModelPath": MODEL, "EvalThreshold": 0.6, "EvalMetric": "f1"});
        let error = handle(&s3, event).await.unwrap_err();
        assert_eq!(error.name(), "MetricNotFound");
        assert!(
            error
                .to_string()
                .contains("accuracy, balanced_accuracy, mcc"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn missing_or_corrupt_archives_are_named() {
        let (_moto, s3) = emulator_with_bucket().await;
        let event =
            |model: &str| json!({"ModelPath": model, "EvalThreshold": 0.6, "EvalMetric": "r2"});

        let error = handle(&s3, event(MODEL)).await.unwrap_err();
        assert_eq!(error.name(), "ArchiveNotFound");
        assert!(
            error
                .to_string()
                .contains("s3://training-output/automl/job-1/output/output.tar.gz"),
            "{error}"
        );

        let error = handle(&s3, event("s3://no-such-bucket/job/output/model.tar.gz"))
            .await
            .unwrap_err();
        assert_eq!(error.name(), "ArchiveNotFound");

        upload(
            &s3,
            "automl/job-1/output/output.tar.gz",
            b"not a gzip stream".to_vec(),
        )
        .await;
        let error = handle(&s3, event(MODEL)).await.unwrap_err();
        assert_eq!(error.name(), "ArchiveCorrupt");
        assert!(
            error.to_string().contains("s3://training-output/"),
            "{error}"
        );

        let bad = json!({"ModelPath": MODEL, "EvalThreshold": "high", "EvalMetric": "r2"});
        assert_eq!(
            handle(&s3, bad).await.unwrap_err().name(),
            "InvalidThreshold"
        );
        let bad = json!({"ModelPath": MODEL, "EvalThreshold": 0.6});
        assert_eq!(handle(&s3, bad).await.unwrap_err().name(), "InvalidRequest");
    }
}
