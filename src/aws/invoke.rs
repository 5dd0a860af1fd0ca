//! Calling a deployed SageMaker endpoint (`automl invoke` on AWS).

use super::config::{block_on, Aws, AwsConfig, RegionCheck};
use super::error;
use aws_sdk_sagemakerruntime::primitives::Blob;

/// Sends `body` to `endpoint` and returns the response body.
pub fn invoke_endpoint(
    config: &AwsConfig,
    endpoint: &str,
    content_type: &str,
    accept: &str,
    body: Vec<u8>,
) -> anyhow::Result<Vec<u8>> {
    block_on(async {
        let aws = Aws::connect(config, RegionCheck::Any).await?;
        let result = aws
            .sagemaker_runtime()
            .invoke_endpoint()
            .endpoint_name(endpoint)
            .content_type(content_type)
            .accept(accept)
            .body(Blob::new(body))
            .send()
            .await;
        match result {
            Ok(output) => Ok(output.body.map(Blob::into_inner).unwrap_or_default()),
            Err(e) => {
                let message = error::message(&e).unwrap_or_default().to_string();
                match error::code(&e) {
                    Some("ValidationError") if message.contains("not found") => Err(anyhow::anyhow!(
                        "endpoint `{endpoint}` does not exist in {} (deploy a model with Deploy.Mode \"endpoint\"; \
                         `automl executions` lists the runs)",
                        aws.region
                    )),
                    Some("ModelError") => Err(anyhow::anyhow!(
                        "the model behind endpoint `{endpoint}` failed on this request: {message}"
                    )),
                    Some("ModelNotReadyException") => Err(anyhow::anyhow!(
                        "endpoint `{endpoint}` is not ready yet: {message}; wait until it is InService"
                    )),
                    _ => Err(error::translate(&e, "sagemaker:InvokeEndpoint").into()),
                }
            }
        }
    })
}
