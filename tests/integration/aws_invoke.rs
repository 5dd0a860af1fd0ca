//! `automl invoke ENDPOINT` (a deployed SageMaker endpoint) against a moto server: the
//! request goes through the real SDK, and the endpoint's answer is printed.

use crate::support::aws::Env;

#[test]
fn invoke_prints_the_endpoints_answer() {
    let env = Env::start();
    env.block_on(async {
        let sm = env.sagemaker();
        sm.create_model()
            .model_name("automl-x-train")
            .execution_role_arn("arn:aws:iam::123456789012:role/sagemaker")
            .primary_container(
                aws_sdk_sagemaker::types::ContainerDefinition::builder()
                    .image("x")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        sm.create_endpoint_config()
            .endpoint_config_name("automl-x-deploy")
            .production_variants(
                aws_sdk_sagemaker::types::ProductionVariant::builder()
                    .variant_name("AllTraffic")
                    .model_name("automl-x-train")
                    .initial_instance_count(1)
                    .instance_type(
                        aws_sdk_sagemaker::types::ProductionVariantInstanceType::MlM5Large,
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        sm.create_endpoint()
            .endpoint_name("automl-x-deploy")
            .endpoint_config_name("automl-x-deploy")
            .send()
            .await
            .unwrap();
    });
    // moto answers every invocation (even of a missing endpoint) with a canned body, so
    // only the round trip through the SDK is checked here, not the error messages.
    let output = env
        .automl()
        .args(["invoke", "automl-x-deploy", "--body", "1,2,3"])
        .run();
    assert!(!output.stdout.trim_ascii().is_empty());
}
