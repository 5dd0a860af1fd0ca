//! `automl destroy` against a moto server: after it, nothing of the stack remains — no
//! stack, roles, machines or function, its data bucket emptied (every version) and
//! deleted, its endpoints' autoscaling deregistered and their expiry schedules deleted —
//! while the assets bucket and other stacks' resources are untouched.

use crate::support::aws::{allow_all_but, Env};
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_sagemaker::types::{ContainerDefinition, Tag};
use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, Target};

const ASSETS: &str = "automl-assets-123456789012-eu-west-1";

/// Creates a model, endpoint config and endpoint named `name`, tagged for `stack`, with
/// the endpoint's autoscaling target and expiry schedule.
fn sagemaker_resources(env: &Env, name: &str, stack: &str) {
    env.create_endpoint(name, name, Some(stack));
    env.block_on(async {
        // What the Deploy machine's RegisterScalableTarget and ScheduleEndpointDeletion create.
        env.autoscaling()
            .register_scalable_target()
            .service_namespace(ServiceNamespace::Sagemaker)
            .resource_id(format!("endpoint/{name}/variant/AllTraffic"))
            .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
            .min_capacity(1)
            .max_capacity(3)
            .send()
            .await
            .unwrap();
        env.scheduler()
            .create_schedule()
            .name(name.trim_end_matches("-deploy"))
            .schedule_expression("at(2030-01-31T18:00:00)")
            .flexible_time_window(
                FlexibleTimeWindow::builder()
                    .mode(FlexibleTimeWindowMode::Off)
                    .build()
                    .unwrap(),
            )
            .target(
                Target::builder()
                    .arn("arn:aws:scheduler:::aws-sdk:sagemaker:deleteEndpoint")
                    .role_arn("arn:aws:iam::123456789012:role/expiry")
                    .input(format!(r#"{{"EndpointName":"{name}"}}"#))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });
}

/// The resource ids of the registered SageMaker scalable targets, and the schedules' names.
fn scaling_and_schedules(env: &Env) -> (Vec<String>, Vec<String>) {
    env.block_on(async {
        let targets = env
            .autoscaling()
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Sagemaker)
            .send()
            .await
            .unwrap();
        let mut ids: Vec<String> = targets
            .scalable_targets()
            .iter()
            .map(|t| t.resource_id().to_string())
            .collect();
        ids.sort();
        let schedules = env.scheduler().list_schedules().send().await.unwrap();
        let mut names: Vec<String> = schedules
            .schedules()
            .iter()
            .filter_map(|s| s.name.clone())
            .collect();
        names.sort();
        (ids, names)
    })
}

#[test]
fn destroy_leaves_nothing_of_the_stack() {
    let env = Env::start().deployed();
    let resources = env.resources("automl");
    let bucket = resources["DataBucket"].clone();
    let s3 = env.s3();
    env.block_on(async {
        // moto's CloudFormation does not apply the bucket's VersioningConfiguration; turn
        // it on so there are old versions and delete markers to remove.
        s3.put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        for body in ["a", "b", "c"] {
            s3.put_object()
                .bucket(&bucket)
                .key("data/train.csv")
                .body(ByteStream::from_static(body.as_bytes()))
                .send()
                .await
                .unwrap();
        }
        s3.put_object()
            .bucket(&bucket)
            .key("output/model.tar.gz")
            .body(ByteStream::from_static(b"m"))
            .send()
            .await
            .unwrap();
        s3.delete_object()
            .bucket(&bucket)
            .key("output/model.tar.gz")
            .send()
            .await
            .unwrap();
        let versions = s3
            .list_object_versions()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        assert_eq!(
            versions.versions().len() + versions.delete_markers().len(),
            5
        );
    });
    sagemaker_resources(&env, "automl-run-1-deploy", "automl");
    sagemaker_resources(&env, "automl2-run-1-deploy", "automl2");

    // Not a terminal and no --yes: refused, nothing deleted.
    env.automl()
        .arg("destroy")
        .status(1)
        .stderr_contains("refusing without confirmation")
        .stderr_contains("--yes")
        .run();
    assert!(env.stack_exists("automl"));

    env.automl()
        .args(["destroy", "--yes", "--endpoints"])
        .stderr_contains(format!(
            "emptied s3://{bucket}: deleted 5 object versions and delete markers"
        ))
        .stderr_contains("deleted endpoint automl-run-1-deploy")
        .stderr_contains("deregistered the autoscaling of endpoint automl-run-1-deploy")
        .stderr_contains("deleted the expiry schedule automl-run-1")
        .stderr_contains("DELETE_COMPLETE")
        .stderr_contains("stack `automl` deleted")
        .run();

    assert!(!env.stack_exists("automl"), "the stack is gone");
    assert_eq!(
        scaling_and_schedules(&env),
        (
            vec!["endpoint/automl2-run-1-deploy/variant/AllTraffic".to_string()],
            vec!["automl2-run-1".to_string()]
        ),
        "only the other stack's autoscaling and schedule remain"
    );
    let (iam, sfn, lambda, sm) = (env.iam(), env.sfn(), env.lambda(), env.sagemaker());
    env.block_on(async {
        for (logical, physical) in &resources {
            if logical.ends_with("Role") {
                assert!(
                    iam.get_role().role_name(physical).send().await.is_err(),
                    "role {logical} remains"
                );
            }
        }
        let machines = sfn
            .list_state_machines()
            .send()
            .await
            .unwrap()
            .state_machines;
        assert!(machines.is_empty(), "machines remain: {machines:?}");
        assert!(
            lambda
                .get_function()
                .function_name(&resources["EvaluateFunction"])
                .send()
                .await
                .is_err(),
            "the function remains"
        );
        let buckets: Vec<String> = s3
            .list_buckets()
            .send()
            .await
            .unwrap()
            .buckets()
            .iter()
            .filter_map(|b| b.name.clone())
            .collect();
        assert!(
            !buckets.contains(&bucket),
            "the data bucket remains: {buckets:?}"
        );
        // The assets bucket is not the stack's: untouched, assets still there.
        assert!(buckets.contains(&ASSETS.to_string()));
        let assets = s3.list_objects_v2().bucket(ASSETS).send().await.unwrap();
        assert!(
            assets.key_count().unwrap_or(0) >= 3,
            "assets and template remain"
        );
        // This stack's SageMaker resources are gone; another stack's are not.
        let models: Vec<String> = sm
            .list_models()
            .send()
            .await
            .unwrap()
            .models()
            .iter()
            .filter_map(|m| m.model_name.clone())
            .collect();
        assert_eq!(models, ["automl2-run-1-deploy"]);
        let endpoints: Vec<String> = sm
            .list_endpoints()
            .send()
            .await
            .unwrap()
            .endpoints()
            .iter()
            .filter_map(|e| e.endpoint_name.clone())
            .collect();
        assert_eq!(endpoints, ["automl2-run-1-deploy"]);
        let configs: Vec<String> = sm
            .list_endpoint_configs()
            .send()
            .await
            .unwrap()
            .endpoint_configs()
            .iter()
            .filter_map(|c| c.endpoint_config_name.clone())
            .collect();
        assert_eq!(configs, ["automl2-run-1-deploy"]);
    });

    // Again: the stack no longer exists, and it says so.
    env.automl()
        .args(["destroy", "--yes"])
        .stderr_contains("stack `automl` does not exist in eu-west-1: nothing to destroy")
        .run();
}

#[test]
fn destroy_of_a_stack_that_never_existed_says_so() {
    let env = Env::start();
    env.automl()
        .args(["--stack-name", "never", "destroy"])
        .stderr_contains("stack `never` does not exist in eu-west-1: nothing to destroy")
        .run();
}

#[test]
fn running_executions_are_refused_or_stopped_and_live_endpoints_are_named() {
    let env = Env::start().deployed();
    let main = env.main_machine();
    // moto keeps an execution RUNNING (its default mode does not interpret the machine).
    env.block_on(async {
        env.sfn()
            .start_execution()
            .state_machine_arn(&main)
            .name("live-1")
            .input("{}")
            .send()
            .await
            .unwrap()
    });
    sagemaker_resources(&env, "automl-live-1-deploy", "automl");
    // --yes answers questions, so the refusal does not depend on one.
    env.automl()
        .args(["destroy", "--yes"])
        .status(1)
        .stderr_contains("1 execution of stack `automl`'s machines is still running: live-1")
        .stderr_contains("automl destroy --stop-executions")
        .run();
    assert!(
        env.stack_exists("automl"),
        "nothing deleted while an execution runs"
    );
    // Asked without --yes (no terminal): the question names what will be stopped.
    env.automl()
        .args(["destroy", "--stop-executions"])
        .status(1)
        .stderr_contains(
            "after stopping 1 running execution (live-1)? — refusing without confirmation",
        )
        .run();
    env.automl()
        .args(["destroy", "--yes", "--stop-executions"])
        .stderr_contains("note: 1 endpoint this stack's executions created is still running (and billing): automl-live-1-deploy; `automl destroy --endpoints` deletes them")
        .stderr_contains("stopped execution live-1")
        .stderr_contains("stack `automl` deleted")
        .run();
    // (moto deletes a machine's executions with it, so the ABORTED status cannot be read
    // back afterwards; the line is printed only once StopExecution succeeded.)
    // The endpoint was only named, not deleted; --endpoints deletes it afterwards.
    env.automl()
        .args(["destroy", "--yes", "--endpoints"])
        .stderr_contains("deleted endpoint automl-live-1-deploy")
        .run();
}

#[test]
fn a_resource_whose_tags_cannot_be_read_is_reported_and_the_rest_goes_on() {
    // moto enforces IAM once an admin is created: a user who may do everything but
    // sagemaker:ListTags. Each resource is then reported and left alone; destroy goes on.
    let env = Env::enforcing_iam();
    let ops = env.user("ops", allow_all_but("sagemaker:ListTags"));
    let sm = env.sagemaker();
    env.block_on(async {
        for name in ["automl-a-deploy", "automl-b-deploy"] {
            sm.create_model()
                .model_name(name)
                .execution_role_arn("arn:aws:iam::123456789012:role/sagemaker")
                .primary_container(ContainerDefinition::builder().image("x").build())
                .tags(Tag::builder().key("automl:stack").value("automl").build())
                .send()
                .await
                .unwrap();
        }
    });
    env.automl_as(&ops)
        .args(["destroy", "--yes", "--endpoints"])
        .stderr_contains("warning: could not read the tags of model automl-a-deploy (")
        .stderr_contains("warning: could not read the tags of model automl-b-deploy (")
        .stderr_contains("sagemaker:ListTags")
        .stderr_contains("left alone")
        .stderr_contains("nothing to destroy")
        .run();
}
