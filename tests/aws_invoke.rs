//! `automl::aws::invoke::invoke_endpoint` (what `automl invoke` calls for a deployed
//! endpoint) against a moto server. One test in its own binary: it sets the process's
//! AWS environment, which the SDK reads.

#![cfg(feature = "aws")]

use automl::commands::Global;
use automl_testkit::Moto;

#[test]
fn invoke_endpoint_returns_the_endpoints_answer() {
    let moto = Moto::start();
    moto.set_process_env();
    let global = Global {
        stack_name: "automl".into(),
        profile: None,
        region: None,
        json: false,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let sm = aws_sdk_sagemaker::Client::new(&config);
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
    let body = automl::aws::invoke::invoke_endpoint(
        &global,
        "automl-x-deploy",
        "text/csv",
        "application/json",
        b"1,2,3\n".to_vec(),
    )
    .expect("invoke works");
    // moto answers every invocation (even of a missing endpoint) with a canned body, so
    // only the round trip through the SDK is checked here, not the error messages.
    assert!(!body.is_empty());
}
