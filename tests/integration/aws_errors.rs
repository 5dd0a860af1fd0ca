//! AWS failures as sentences: no credentials, no or unknown region, a region without
//! AutoGluon images, an access denial that fails a deploy (moto enforcing IAM), an
//! unreachable endpoint. Never an SDK dump.

use crate::support::aws::{allow_all_but, env_for, Env, Keys};
use crate::support::Test;

/// An environment with no credentials anywhere (and a closed endpoint, should anything
/// try to call out).
fn bare() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".into()),
        ("AWS_CONFIG_FILE", "/dev/null".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_ACCESS_KEY_ID", String::new()),
        ("AWS_SECRET_ACCESS_KEY", String::new()),
    ]
}

#[test]
fn configuration_problems_are_one_sentence_each() {
    let no_dump = |t: Test| {
        t.stderr_lacks("ServiceError")
            .stderr_lacks("Some(")
            .stderr_lacks("DispatchFailure")
    };
    no_dump(
        Test::new()
            .envs(bare())
            .env("AWS_REGION", "eu-west-1")
            .args(["executions"]),
    )
    .status(1)
    .stderr_contains("error: no AWS credentials found: this command calls AWS")
    .stderr_contains("set AWS_PROFILE")
    .run();
    // Off EC2 with the metadata service enabled (the default), the SDK's chain ends in
    // "failed to load IMDS session token": say what is missing instead.
    let imds_enabled: Vec<(&'static str, String)> = bare()
        .into_iter()
        .filter(|(key, _)| *key != "AWS_EC2_METADATA_DISABLED")
        .chain([(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            "http://127.0.0.1:9".to_string(),
        )])
        .collect();
    no_dump(
        Test::new()
            .envs(imds_enabled)
            .env("AWS_REGION", "eu-west-1")
            .args(["deploy"]),
    )
    .status(1)
    .stderr_contains("error: no AWS credentials found")
    .stderr_contains("`aws configure`")
    .stderr_contains("aws sso login")
    .stderr_contains("AWS_ACCESS_KEY_ID")
    .stderr_contains("`automl run --local` needs no credentials")
    .stderr_lacks("IMDS")
    .stderr_lacks("session token")
    .run();
    no_dump(Test::new().envs(bare()).args(["status"]))
        .status(1)
        .stderr_contains("error: no AWS region configured: pass --region, set AWS_REGION")
        .run();
    no_dump(
        Test::new()
            .envs(bare())
            .args(["--region", "eu-wets1", "destroy"]),
    )
    .status(1)
    .stderr_contains("`eu-wets1` is not an AWS region name")
    .run();
    no_dump(
        Test::new()
            .envs(bare())
            .args(["--region", "eu-central-2", "deploy"]),
    )
    .status(1)
    .stderr_contains("AWS does not publish AutoGluon training images in region `eu-central-2`")
    .run();
    no_dump(
        Test::new()
            .envs(bare())
            .env("AWS_REGION", "eu-west-1")
            .args(["--profile", "nope", "executions"]),
    )
    .status(1)
    .stderr_contains("could not load AWS credentials for profile `nope`")
    .run();
    no_dump(
        Test::new()
            .envs(env_for("http://127.0.0.1:9", "k", "s"))
            .args(["executions"]),
    )
    .status(1)
    .stderr_contains(
        "could not reach AWS for cloudformation:DescribeStacks (endpoint http://127.0.0.1:9)",
    )
    .run();
    Test::new()
        .args(["deploy", "--role-arn", "deployer"])
        .status(2)
        .stderr_contains("expected an IAM role ARN")
        .run();
}

#[test]
fn a_deploy_denied_by_iam_fails_with_the_action_it_could_not_take() {
    // moto enforces IAM once an admin is created: a user who may do everything but
    // upload objects. (Denying cloudformation:CreateChangeSet would be the
    // better story, but moto's signature check rejects the SDK's CreateChangeSet request
    // as SignatureDoesNotMatch before it looks at policies.)
    let env = Env::enforcing_iam();
    let deployer = env.user("deployer", allow_all_but("s3:PutObject"));
    env.automl_as(&deployer)
        .arg("deploy")
        .arg("--lambda-zip")
        .arg(env.lambda_zip())
        .status(1)
        .stderr_contains("creating assets bucket")
        .stderr_contains("error: access denied: your AWS identity may not call s3:PutObject")
        .stderr_lacks("ServiceError")
        .run();
    // Wrong keys: rejected, in words.
    env.automl_as(&Keys::new("AKIAWRONG", "wrong"))
        .arg("executions")
        .status(1)
        .stderr_contains("AWS rejected your credentials when calling")
        .run();
    // Nothing was created.
    assert!(!env.stack_exists("automl"));
}
