//! `automl models` and `models approve` against a moto server: the versions of this
//! stack's model package groups (not another stack's), oldest first, with their status and
//! the score the Main machine writes into CustomerMetadataProperties; approving a version
//! waiting for a person makes it Approved (UpdateModelPackage). moto implements every call
//! (CreateModelPackageGroup, CreateModelPackage, ListModelPackageGroups, ListModelPackages,
//! DescribeModelPackage, UpdateModelPackage).

use crate::support::aws::Env;
use aws_sdk_sagemaker::types::{
    InferenceSpecification, ModelApprovalStatus, ModelPackageContainerDefinition,
};
use serde_json::Value;

/// A version of `group` as the Main machine's CreateModelPackage registers it.
fn register(env: &Env, group: &str, status: ModelApprovalStatus, score: &str) {
    let sm = env.sagemaker();
    env.block_on(async {
        sm.create_model_package()
            .model_package_group_name(group)
            .model_approval_status(status)
            .inference_specification(
                InferenceSpecification::builder()
                    .containers(
                        ModelPackageContainerDefinition::builder()
                            .image("763104351884.dkr.ecr.eu-west-1.amazonaws.com/autogluon-inference:1.4.0-cpu-py311-ubuntu22.04")
                            .model_data_url("s3://data/output/model.tar.gz")
                            .build(),
                    )
                    .supported_content_types("text/csv")
                    .supported_response_mime_types("text/csv")
                    .build(),
            )
            .customer_metadata_properties("Metric", "accuracy")
            .customer_metadata_properties("Score", score)
            .customer_metadata_properties("Threshold", "0.8")
            .send()
            .await
            .unwrap();
    });
}

#[test]
fn models_lists_this_stacks_versions_and_approve_updates_one() {
    let env = Env::start();
    let sm = env.sagemaker();
    env.block_on(async {
        for group in ["automl-penguins", "automl-dev-penguins", "other-penguins"] {
            sm.create_model_package_group()
                .model_package_group_name(group)
                .send()
                .await
                .unwrap();
        }
    });
    register(
        &env,
        "automl-penguins",
        ModelApprovalStatus::Approved,
        "0.97",
    );
    register(
        &env,
        "automl-penguins",
        ModelApprovalStatus::PendingManualApproval,
        "0.95",
    );
    register(&env, "other-penguins", ModelApprovalStatus::Approved, "0.5");

    let output = env
        .automl()
        .args(["models", "--json", "--stack-name", "automl-dev"])
        .run();
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let references: Vec<&str> = listed["Versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["Reference"].as_str().unwrap())
        .collect();
    assert_eq!(
        references,
        Vec::<&str>::new(),
        "automl-dev has no versions: {listed}"
    );

    let output = env.automl().args(["models", "--json"]).run();
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let versions = listed["Versions"].as_array().unwrap();
    // automl-dev-penguins starts with `automl-` too: it is listed as `dev-penguins/...`
    // only if it had versions; other-penguins never.
    let references: Vec<&str> = versions
        .iter()
        .map(|v| v["Reference"].as_str().unwrap())
        .collect();
    assert_eq!(references, ["penguins/1", "penguins/2"], "{listed}");
    assert_eq!(versions[0]["ModelApprovalStatus"], "Approved");
    assert_eq!(versions[1]["ModelApprovalStatus"], "PendingManualApproval");
    assert_eq!(versions[0]["Metadata"]["Score"], "0.97");
    env.automl()
        .args(["models"])
        .stdout_contains("penguins/2  PendingManualApproval")
        .stdout_contains("accuracy 0.9500 (threshold 0.8)")
        .run();

    env.automl()
        .args(["models", "approve", "penguins/2"])
        .stdout_contains("penguins/2: PendingManualApproval -> Approved")
        .run();
    env.automl()
        .args(["models"])
        .stdout_contains("penguins/2  Approved ")
        .run();
    env.automl()
        .args(["models", "approve", "penguins/9"])
        .status(1)
        .stderr_contains("sagemaker:DescribeModelPackage")
        .run();
}
