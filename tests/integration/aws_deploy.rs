//! `automl deploy` and `automl diff` against a moto server: every resource the template
//! declares exists (checked through IAM, Step Functions, Lambda and S3 themselves), the
//! assets bucket is created and hardened, a second deploy changes nothing, and a changed
//! setting updates exactly the machine it affects.

use crate::support::aws::Env;
use serde_json::Value;

/// The Deploy machine's definition as Step Functions stores it.
fn definition(env: &Env, machine_arn: &str) -> Value {
    env.block_on(async {
        let out = env
            .sfn()
            .describe_state_machine()
            .state_machine_arn(machine_arn)
            .send()
            .await
            .unwrap();
        serde_json::from_str(&out.definition).unwrap()
    })
}

#[test]
fn deploy_creates_every_resource_and_a_second_deploy_changes_nothing() {
    let env = Env::start();
    // The real Lambda zip when it has been built (bash lambdas/evaluate/build.sh), else a stand-in.
    let real_zip = crate::support::root().join("target/lambda/bootstrap/bootstrap.zip");
    let zip = if real_zip.is_file() {
        real_zip
    } else {
        env.lambda_zip()
    };
    let outputs_file = env.path("outputs.json");
    env.automl()
        .arg("deploy")
        .arg("--lambda-zip")
        .arg(&zip)
        .arg("--outputs-file")
        .arg(&outputs_file)
        .stderr_contains("creating assets bucket s3://automl-assets-123456789012-eu-west-1")
        .stderr_contains("+ Add     MainStateMachine")
        .stderr_contains("CREATE_COMPLETE")
        .stdout_contains("MainStateMachineArn")
        .run();

    let synth = crate::support::aws::synth(&[]);
    let (template, manifest) = (&synth.template, &synth.manifest);
    let resources = env.resources("automl");
    let declared = template["Resources"].as_object().unwrap();
    let (iam, sfn, lambda, s3) = (env.iam(), env.sfn(), env.lambda(), env.s3());
    for (logical, resource) in declared {
        let kind = resource["Type"].as_str().unwrap();
        // moto's CloudFormation has no AWS::S3::BucketPolicy (it warns and skips it).
        if kind == "AWS::S3::BucketPolicy" {
            continue;
        }
        let physical = resources
            .get(logical)
            .unwrap_or_else(|| panic!("{logical} ({kind}) was not created: {resources:#?}"));
        env.block_on(async {
            match kind {
                "AWS::IAM::Role" => {
                    iam.get_role()
                        .role_name(physical)
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("role {physical}: {e:?}"));
                    let policies = iam
                        .list_role_policies()
                        .role_name(physical)
                        .send()
                        .await
                        .unwrap();
                    assert!(
                        !policies.policy_names.is_empty(),
                        "{logical} has no inline policy"
                    );
                }
                "AWS::StepFunctions::StateMachine" => {
                    let machine = sfn
                        .describe_state_machine()
                        .state_machine_arn(physical)
                        .send()
                        .await
                        .unwrap();
                    assert!(
                        !machine.definition.contains("${"),
                        "{logical}: unsubstituted placeholder in {}",
                        machine.definition
                    );
                    let stored: Value = serde_json::from_str(&machine.definition).unwrap();
                    let role = &resources[&format!("{logical}Role")];
                    assert!(
                        machine.role_arn.ends_with(&format!("role/{role}")),
                        "{logical} runs as {}",
                        machine.role_arn
                    );
                    let synthesized = &synth.asl[logical.trim_end_matches("StateMachine")];
                    assert_eq!(stored["StartAt"], synthesized["StartAt"], "{logical}");
                    assert_eq!(
                        stored["States"]
                            .as_object()
                            .unwrap()
                            .keys()
                            .collect::<Vec<_>>(),
                        synthesized["States"]
                            .as_object()
                            .unwrap()
                            .keys()
                            .collect::<Vec<_>>(),
                        "{logical}"
                    );
                }
                "AWS::Lambda::Function" => {
                    let f = lambda
                        .get_function()
                        .function_name(physical)
                        .send()
                        .await
                        .unwrap();
                    let config = f.configuration.unwrap();
                    assert_eq!(
                        config.runtime.map(|r| r.as_str().to_string()).as_deref(),
                        Some("provided.al2023")
                    );
                    assert_eq!(config.handler.as_deref(), Some("bootstrap"));
                }
                "AWS::S3::Bucket" => {
                    s3.head_bucket()
                        .bucket(physical)
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("bucket {physical}: {e:?}"));
                }
                _ => {}
            }
        });
    }

    // The assets bucket: created, hardened, holding every asset and the template.
    let assets = "automl-assets-123456789012-eu-west-1";
    env.block_on(async {
        let encryption = s3
            .get_bucket_encryption()
            .bucket(assets)
            .send()
            .await
            .unwrap();
        let rule = &encryption
            .server_side_encryption_configuration
            .unwrap()
            .rules[0];
        assert_eq!(
            rule.apply_server_side_encryption_by_default
                .as_ref()
                .unwrap()
                .sse_algorithm
                .as_str(),
            "AES256"
        );
        let block = s3
            .get_public_access_block()
            .bucket(assets)
            .send()
            .await
            .unwrap()
            .public_access_block_configuration
            .unwrap();
        assert_eq!(
            (
                block.block_public_acls,
                block.ignore_public_acls,
                block.block_public_policy,
                block.restrict_public_buckets
            ),
            (Some(true), Some(true), Some(true), Some(true))
        );
        let ownership = s3
            .get_bucket_ownership_controls()
            .bucket(assets)
            .send()
            .await
            .unwrap();
        assert_eq!(
            ownership.ownership_controls.unwrap().rules[0]
                .object_ownership
                .as_str(),
            "BucketOwnerEnforced"
        );
        for asset in manifest["assets"].as_array().unwrap() {
            let key = asset["key"].as_str().unwrap();
            s3.head_object()
                .bucket(assets)
                .key(key)
                .send()
                .await
                .unwrap_or_else(|e| panic!("asset {key} missing: {e:?}"));
        }
        let listed = s3
            .list_objects_v2()
            .bucket(assets)
            .prefix("automl/templates/")
            .send()
            .await
            .unwrap();
        assert_eq!(
            listed.contents.unwrap_or_default().len(),
            1,
            "the template is uploaded once"
        );
    });
    assert!(env
        .raw_bucket_get(assets, "versioning")
        .contains("<Status>Enabled</Status>"));

    // The stack: tagged, parameters pointing at the assets, outputs written.
    let stack = env.describe_stack("automl");
    assert!(stack
        .tags()
        .iter()
        .any(|t| t.key() == Some("automl:stack") && t.value() == Some("automl")));
    let parameter = |key: &str| {
        stack
            .parameters()
            .iter()
            .find(|p| p.parameter_key() == Some(key))
            .and_then(|p| p.parameter_value())
            .map(str::to_string)
    };
    assert_eq!(parameter("AssetsBucket").as_deref(), Some(assets));
    for asset in manifest["assets"].as_array().unwrap() {
        assert_eq!(
            parameter(asset["parameter"].as_str().unwrap()).as_deref(),
            asset["key"].as_str()
        );
    }
    let outputs: Value =
        serde_json::from_str(&std::fs::read_to_string(&outputs_file).unwrap()).unwrap();
    assert_eq!(
        outputs["MainStateMachineArn"].as_str(),
        Some(resources["MainStateMachine"].as_str())
    );
    assert_eq!(
        outputs["DataBucketName"].as_str(),
        Some(resources["DataBucket"].as_str())
    );

    // A second deploy with the same flags: nothing to change, and it says so.
    let before = stack.last_updated_time;
    env.automl()
        .arg("deploy")
        .arg("--lambda-zip")
        .arg(&zip)
        .arg("--json")
        .stderr_contains("no changes: stack `automl` is up to date")
        .stderr_contains("autogluon-scripts already uploaded")
        .stdout_contains("\"changes\":[]")
        .run();
    let after = env.describe_stack("automl");
    assert_eq!(
        after.last_updated_time, before,
        "a no-op deploy must not update the stack"
    );
    let change_sets = env.block_on(async {
        env.cfn()
            .list_change_sets()
            .stack_name("automl")
            .send()
            .await
            .unwrap()
    });
    assert!(
        change_sets
            .summaries()
            .iter()
            .all(|c| c.execution_status().map(|s| s.as_str()) == Some("EXECUTE_COMPLETE")),
        "the empty change set is deleted: {:?}",
        change_sets.summaries()
    );
    env.automl().arg("diff").stdout_contains("no changes").run();
}

#[test]
fn a_changed_setting_updates_the_machine_it_affects() {
    let env = Env::start().deployed();
    let resources = env.resources("automl");
    let deploy_machine = &resources["DeployStateMachine"];
    let main_before = definition(&env, &resources["MainStateMachine"]);
    assert_eq!(
        definition(&env, deploy_machine)["States"]["WaitForEndpoint"]["Seconds"],
        30
    );

    // diff shows the change and leaves nothing behind.
    env.automl()
        .args(["diff", "--endpoint-poll", "10"])
        .stdout_contains("changes to stack `automl` in eu-west-1:")
        .stdout_contains("~ Modify  DeployStateMachine")
        .stdout_lacks("MainStateMachine ")
        .run();
    assert_eq!(
        definition(&env, deploy_machine)["States"]["WaitForEndpoint"]["Seconds"],
        30,
        "diff changed nothing"
    );

    env.deploy(&["--endpoint-poll", "10"]);
    let after = env.resources("automl");
    assert_eq!(
        &after["DeployStateMachine"], deploy_machine,
        "updated in place"
    );
    assert_eq!(
        definition(&env, deploy_machine)["States"]["WaitForEndpoint"]["Seconds"],
        10
    );
    assert_eq!(
        definition(&env, &after["MainStateMachine"]),
        main_before,
        "Main is untouched"
    );
    let status = env.describe_stack("automl").stack_status;
    assert_eq!(status.as_ref().map(|s| s.as_str()), Some("UPDATE_COMPLETE"));
}

#[test]
fn diff_of_a_stack_not_yet_deployed_lists_every_resource_and_creates_nothing() {
    let env = Env::start();
    env.automl()
        .arg("diff")
        .stdout_contains("stack `automl` does not exist in eu-west-1; a deploy would create:")
        .stdout_contains("+ Add     TrainStateMachine")
        .run();
    assert!(!env.stack_exists("automl"));
}

#[test]
fn a_deploy_without_the_lambda_zip_outside_the_repository_says_how_to_build_it() {
    let env = Env::start();
    env.automl()
        .arg("deploy")
        .status(1)
        .stderr_contains("is not in the assets bucket yet")
        .stderr_contains("--lambda-zip PATH")
        .run();
    assert!(!env.stack_exists("automl"));
    let not_a_zip = env.path("x.zip");
    std::fs::write(&not_a_zip, "hello").unwrap();
    env.automl()
        .arg("deploy")
        .arg("--lambda-zip")
        .arg(&not_a_zip)
        .status(1)
        .stderr_contains("is not a zip file")
        .run();
}
