//! IAM policy documents and roles as typed values. Statements name their actions and
//! resources explicitly; [`PolicyDocument::wildcard_findings`] reports any `*` action or
//! write on `Resource: "*"` so tests can hold the stack to least privilege.

use crate::cfn::Resource;
use serde::Serialize;
use serde_json::{json, Value};

/// A policy document (`Version` 2012-10-17).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PolicyDocument {
    pub(crate) version: &'static str,
    pub(crate) statement: Vec<Statement>,
}

/// One `Allow` statement.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Statement {
    pub(crate) sid: String,
    pub(crate) effect: &'static str,
    pub(crate) action: Vec<String>,
    pub(crate) resource: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) condition: Option<Value>,
}

/// Actions that AWS only authorises on `Resource: "*"` (they take no resource ARN).
pub const RESOURCELESS_ACTIONS: &[&str] = &[
    "iam:ListRoles",
    "lambda:ListFunctions",
    "s3:ListAllMyBuckets",
    "states:ListStateMachines",
    "logs:DescribeIndexPolicies",
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DeleteResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
];

impl Statement {
    /// Allows `actions` on `resources`.
    pub(crate) fn allow(sid: &str, actions: &[&str], resources: Vec<Value>) -> Statement {
        Statement {
            sid: sid.to_string(),
            effect: "Allow",
            action: actions.iter().map(|a| a.to_string()).collect(),
            resource: resources,
            condition: None,
        }
    }

    pub(crate) fn condition(mut self, condition: Value) -> Statement {
        self.condition = Some(condition);
        self
    }
}

impl PolicyDocument {
    pub(crate) fn new(statement: Vec<Statement>) -> PolicyDocument {
        PolicyDocument {
            version: "2012-10-17",
            statement,
        }
    }

    #[cfg(test)] // only the tests read it
    /// Every grant that is broader than least privilege allows: a wildcard action, or an
    /// action on `Resource: "*"` that AWS does not require to be unscoped.
    pub(crate) fn wildcard_findings(&self) -> Vec<String> {
        let mut findings = Vec::new();
        for statement in &self.statement {
            for action in &statement.action {
                if action == "*" || action.ends_with(":*") {
                    findings.push(format!("{}: wildcard action `{action}`", statement.sid));
                }
                let on_everything = statement.resource.iter().any(|r| r == "*");
                if on_everything && !RESOURCELESS_ACTIONS.contains(&action.as_str()) {
                    findings.push(format!("{}: `{action}` on Resource \"*\"", statement.sid));
                }
            }
        }
        findings
    }
}

/// A bucket policy that denies every request not made over TLS, for the bucket (`bucket`,
/// its ARN) and its objects (`objects`, `<ARN>/*`). The ARNs may be literal or intrinsics.
pub(crate) fn deny_insecure_transport(bucket: Value, objects: Value) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket, objects],
            "Condition": { "Bool": { "aws:SecureTransport": "false" } },
        }],
    })
}

/// A role assumed by one AWS service, with its inline policies.
pub(crate) struct Role {
    pub(crate) service: &'static str,
    pub(crate) description: String,
    pub(crate) policies: Vec<(String, PolicyDocument)>,
}

impl Role {
    pub(crate) fn for_service(service: &'static str, description: impl Into<String>) -> Role {
        Role {
            service,
            description: description.into(),
            policies: Vec::new(),
        }
    }

    pub(crate) fn policy(mut self, name: &str, document: PolicyDocument) -> Role {
        self.policies.push((name.to_string(), document));
        self
    }

    /// The `AWS::IAM::Role` resource: a trust policy for the service and inline policies
    /// (no managed policies: the emulator ignores them and they are never minimal).
    /// Services that send `aws:SourceAccount` when they assume a role (Step Functions,
    /// SageMaker, EventBridge Scheduler) are held to this account, against the
    /// confused-deputy problem; Lambda does not send it for execution roles, so its trust
    /// has no condition. Scheduler's own guide asks for it in the execution role's trust
    /// policy ("We recommend using the aws:SourceArn and aws:SourceAccount global
    /// condition context keys in your schedule execution role ... Use aws:SourceAccount if
    /// you want to allow any resource in that account", EventBridge Scheduler User Guide,
    /// "Confused deputy prevention in EventBridge Scheduler", and the trust policy of
    /// "Setting up: Set up the execution role"); the account, not one schedule group's
    /// ARN, because the schedules are created at run time in the default group.
    pub(crate) fn into_resource(self) -> Resource {
        let mut trust = json!({
            "Effect": "Allow",
            "Principal": { "Service": self.service },
            "Action": "sts:AssumeRole",
        });
        if self.service != "lambda.amazonaws.com" {
            trust["Condition"] =
                json!({ "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } });
        }
        let policies: Vec<Value> = self
            .policies
            .into_iter()
            .map(|(name, document)| json!({ "PolicyName": name, "PolicyDocument": document }))
            .collect();
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "Description": self.description,
                "AssumeRolePolicyDocument": { "Version": "2012-10-17", "Statement": [trust] },
                "Policies": policies,
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_found_and_resourceless_actions_are_not() {
        let document = PolicyDocument::new(vec![
            Statement::allow("Ok", &["s3:GetObject"], vec![json!("arn:aws:s3:::b/*")]),
            Statement::allow("Ecr", &["ecr:GetAuthorizationToken"], vec![json!("*")]),
            Statement::allow("Wide", &["s3:*"], vec![json!("arn:aws:s3:::b")]),
            Statement::allow("All", &["s3:PutObject"], vec![json!("*")]),
        ]);
        assert_eq!(
            document.wildcard_findings(),
            vec![
                "Wide: wildcard action `s3:*`",
                "All: `s3:PutObject` on Resource \"*\""
            ]
        );
    }
}
