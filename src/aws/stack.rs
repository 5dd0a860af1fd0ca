//! The deployed stack as CloudFormation reports it: whether it exists and in which
//! state, its resources' physical ids, its outputs, and following it while it changes
//! (events as they happen, and every failed resource with its reason at the end).
//!
//! moto (the emulator the tests use) differs from AWS in two ways handled here: a stack
//! created through a change set has no Outputs, so outputs are also derived from the
//! resources' physical ids; and it reports stack-level events only.

use super::config::Aws;
use super::error::{self, Explain};
use crate::report::Progress;
use aws_sdk_cloudformation::types::{StackEvent, StackResourceSummary, StackStatus};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

/// A stack's identity and state.
#[derive(Debug, Clone)]
pub(crate) struct StackInfo {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) status: String,
    pub(crate) reason: Option<String>,
    pub(crate) outputs: BTreeMap<String, String>,
}

impl StackInfo {
    /// `*_IN_PROGRESS` other than REVIEW_IN_PROGRESS (a stack with only a change set).
    pub(crate) fn busy(&self) -> bool {
        self.status.ends_with("_IN_PROGRESS") && self.status != "REVIEW_IN_PROGRESS"
    }
}

/// The stack, or None when it does not exist (or is deleted).
pub(crate) async fn describe(aws: &Aws, name: &str) -> anyhow::Result<Option<StackInfo>> {
    let result = aws
        .cloudformation()
        .describe_stacks()
        .stack_name(name)
        .send()
        .await;
    let output = match result {
        Ok(output) => output,
        Err(e)
            if error::code(&e) == Some("ValidationError")
                && error::message(&e).is_some_and(|m| m.contains("does not exist")) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(error::translate(&e, "cloudformation:DescribeStacks").into()),
    };
    let Some(stack) = output.stacks.unwrap_or_default().into_iter().next() else {
        return Ok(None);
    };
    let status = stack
        .stack_status
        .as_ref()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    if status == StackStatus::DeleteComplete.as_str() {
        return Ok(None);
    }
    let outputs = stack
        .outputs
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| Some((o.output_key?, o.output_value?)))
        .collect();
    Ok(Some(StackInfo {
        id: stack.stack_id.unwrap_or_default(),
        name: stack.stack_name.unwrap_or_else(|| name.to_string()),
        status,
        reason: stack.stack_status_reason,
        outputs,
    }))
}

/// The stack, or the sentence saying it does not exist.
pub(crate) async fn require(aws: &Aws) -> anyhow::Result<StackInfo> {
    describe(aws, &aws.stack_name)
        .await?
        .ok_or_else(|| not_found(aws))
}

pub(crate) fn not_found(aws: &Aws) -> anyhow::Error {
    anyhow::anyhow!(
        "stack `{}` does not exist in {}; deploy it with `automl deploy`{}",
        aws.stack_name,
        aws.region,
        if aws.stack_name == "automl" {
            ""
        } else {
            " (same --stack-name)"
        }
    )
}

/// Every resource of the stack (logical id, type, physical id, status).
pub(crate) async fn resources(aws: &Aws, stack: &str) -> anyhow::Result<Vec<StackResourceSummary>> {
    let mut all = Vec::new();
    let mut pages = aws
        .cloudformation()
        .list_stack_resources()
        .stack_name(stack)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.explain("cloudformation:ListStackResources")?;
        all.extend(page.stack_resource_summaries.unwrap_or_default());
    }
    Ok(all)
}

/// The physical id of one resource by logical id.
pub(crate) fn physical_id<'a>(
    resources: &'a [StackResourceSummary],
    logical_id: &str,
) -> Option<&'a str> {
    resources
        .iter()
        .find(|r| r.logical_resource_id.as_deref() == Some(logical_id))
        .and_then(|r| r.physical_resource_id.as_deref())
        .filter(|id| !id.is_empty())
}

/// The template CloudFormation holds for the stack, parsed.
pub(crate) async fn template(aws: &Aws, stack: &str) -> anyhow::Result<Value> {
    let output = aws
        .cloudformation()
        .get_template()
        .stack_name(stack)
        .send()
        .await
        .explain("cloudformation:GetTemplate")?;
    let body = output.template_body.unwrap_or_default();
    Ok(serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// The stack's outputs: what CloudFormation reports, completed from the resources for
/// outputs that are a `Ref` (a physical id) or a role's `Fn::GetAtt Arn`. (moto reports
/// no Outputs for a stack created through a change set; on AWS this adds nothing.)
pub(crate) async fn outputs(
    aws: &Aws,
    info: &StackInfo,
) -> anyhow::Result<BTreeMap<String, String>> {
    let template = template(aws, &info.id).await?;
    let declared = template
        .get("Outputs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if declared.keys().all(|k| info.outputs.contains_key(k)) {
        return Ok(info.outputs.clone());
    }
    let resources = resources(aws, &info.id).await?;
    let account = if declared
        .values()
        .any(|o| o.pointer("/Value/Fn::GetAtt").is_some())
    {
        Some(aws.account().await?)
    } else {
        None
    };
    let mut outputs = info.outputs.clone();
    for (key, output) in declared {
        if outputs.contains_key(&key) {
            continue;
        }
        if let Some(value) = derive_output(
            &output["Value"],
            &template,
            &resources,
            aws.partition(),
            account.as_deref(),
        ) {
            outputs.insert(key, value);
        }
    }
    Ok(outputs)
}

fn derive_output(
    value: &Value,
    template: &Value,
    resources: &[StackResourceSummary],
    partition: &str,
    account: Option<&str>,
) -> Option<String> {
    if let Some(logical) = value.get("Ref").and_then(Value::as_str) {
        return physical_id(resources, logical).map(str::to_string);
    }
    let get_att = value.get("Fn::GetAtt")?.as_array()?;
    let (logical, attribute) = (get_att.first()?.as_str()?, get_att.get(1)?.as_str()?);
    let kind = template
        .pointer(&format!("/Resources/{logical}/Type"))?
        .as_str()?;
    match (kind, attribute) {
        ("AWS::IAM::Role", "Arn") => {
            let name = physical_id(resources, logical)?;
            Some(format!("arn:{partition}:iam::{}:role/{name}", account?))
        }
        _ => None,
    }
}

/// The ARN of one of the stack's state machines: from the outputs, else from the
/// resources (a state machine's physical id is its ARN).
pub(crate) async fn machine_arn(
    aws: &Aws,
    info: &StackInfo,
    machine: crate::stack::MachineId,
) -> anyhow::Result<String> {
    let logical = machine.logical_id();
    if let Some(arn) = info.outputs.get(&format!("{logical}Arn")) {
        return Ok(arn.clone());
    }
    let resources = resources(aws, &info.id).await?;
    physical_id(&resources, logical)
        .map(str::to_string)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "stack `{}` has no {logical} (status {}); redeploy it with `automl deploy`",
                info.name,
                info.status
            )
        })
}

/// A resource that failed, and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub(crate) logical_id: String,
    pub(crate) resource_type: String,
    pub(crate) status: String,
    pub(crate) reason: String,
}

/// How following a stack ended.
#[derive(Debug)]
pub(crate) struct StackOutcome {
    pub(crate) status: String,
    pub(crate) reason: Option<String>,
    pub(crate) failures: Vec<Failure>,
}

impl StackOutcome {
    pub(crate) fn succeeded(&self) -> bool {
        matches!(
            self.status.as_str(),
            "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "DELETE_COMPLETE" | "IMPORT_COMPLETE"
        )
    }
}

/// The ids of the stack's latest events, so [`follow`] shows only what comes after
/// (event ids rather than timestamps: no dependence on this machine's clock).
pub(crate) async fn seen_events(aws: &Aws, stack_id: &str) -> anyhow::Result<HashSet<String>> {
    let page = aws
        .cloudformation()
        .describe_stack_events()
        .stack_name(stack_id)
        .send()
        .await
        .explain("cloudformation:DescribeStackEvents")?;
    Ok(page
        .stack_events
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| e.event_id)
        .collect())
}

/// Deletes the stack and follows the deletion to its end.
pub(crate) async fn delete(
    aws: &Aws,
    stack_id: &str,
    lines: &mut dyn Progress,
) -> anyhow::Result<StackOutcome> {
    let seen = seen_events(aws, stack_id).await?;
    aws.cloudformation()
        .delete_stack()
        .stack_name(stack_id)
        .send()
        .await
        .explain("cloudformation:DeleteStack")?;
    follow(aws, stack_id, seen, lines).await
}

/// Polls the stack until it leaves `*_IN_PROGRESS`, printing each event not in `seen`,
/// and returns its final status and every failed resource with its reason. Deleted
/// stacks are followed by id (`stack_id`), as names no longer resolve.
pub(crate) async fn follow(
    aws: &Aws,
    stack_id: &str,
    mut seen: HashSet<String>,
    lines: &mut dyn Progress,
) -> anyhow::Result<StackOutcome> {
    let mut failures: Vec<Failure> = Vec::new();
    let mut poll = Poll::new();
    loop {
        for event in new_events(aws, stack_id, &mut seen).await? {
            if let Some(line) = event_line(&event, stack_id) {
                lines.line(&line);
            }
            if let Some(failure) = failure(&event) {
                failures.push(failure);
            }
        }
        let stack = aws
            .cloudformation()
            .describe_stacks()
            .stack_name(stack_id)
            .send()
            .await
            .explain("cloudformation:DescribeStacks")?;
        let stack = stack.stacks.unwrap_or_default().into_iter().next();
        let (status, reason) = stack
            .map(|s| {
                (
                    s.stack_status
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    s.stack_status_reason,
                )
            })
            .unwrap_or_else(|| ("DELETE_COMPLETE".to_string(), None));
        lines.status(&status);
        if !status.ends_with("_IN_PROGRESS") {
            // The last events may have landed after the status changed.
            for event in new_events(aws, stack_id, &mut seen).await? {
                if let Some(line) = event_line(&event, stack_id) {
                    lines.line(&line);
                }
                if let Some(failure) = failure(&event) {
                    failures.push(failure);
                }
            }
            return Ok(StackOutcome {
                status,
                reason,
                failures: dedupe(failures),
            });
        }
        poll.wait().await;
    }
}

/// Events not yet seen, oldest first. Pages are newest first, so reading stops at the
/// first seen event.
async fn new_events(
    aws: &Aws,
    stack_id: &str,
    seen: &mut HashSet<String>,
) -> anyhow::Result<Vec<StackEvent>> {
    let mut fresh = Vec::new();
    let mut pages = aws
        .cloudformation()
        .describe_stack_events()
        .stack_name(stack_id)
        .into_paginator()
        .send();
    'pages: while let Some(page) = pages.next().await {
        let page = page.explain("cloudformation:DescribeStackEvents")?;
        for event in page.stack_events.unwrap_or_default() {
            let id = event.event_id.clone().unwrap_or_default();
            if seen.contains(&id) {
                break 'pages;
            }
            seen.insert(id);
            fresh.push(event);
        }
    }
    fresh.reverse();
    Ok(fresh)
}

/// `  CREATE_COMPLETE       AWS::IAM::Role  MainStateMachineRole` (reason appended).
fn event_line(event: &StackEvent, stack_id: &str) -> Option<String> {
    let status = event.resource_status.as_ref()?.as_str();
    let logical = event.logical_resource_id.as_deref().unwrap_or("?");
    let kind = event.resource_type.as_deref().unwrap_or("");
    let is_stack = kind == "AWS::CloudFormation::Stack"
        && event.physical_resource_id.as_deref() == Some(stack_id);
    let what = if is_stack {
        format!("stack {logical}")
    } else {
        format!("{logical} ({kind})")
    };
    let reason = event
        .resource_status_reason
        .as_deref()
        .filter(|r| !r.is_empty() && *r != "User Initiated" && *r != "Resource creation Initiated")
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    Some(format!("{status:<24} {what}{reason}"))
}

fn failure(event: &StackEvent) -> Option<Failure> {
    let status = event.resource_status.as_ref()?.as_str();
    if !status.ends_with("_FAILED") {
        return None;
    }
    Some(Failure {
        logical_id: event.logical_resource_id.clone().unwrap_or_default(),
        resource_type: event.resource_type.clone().unwrap_or_default(),
        status: status.to_string(),
        reason: event
            .resource_status_reason
            .clone()
            .unwrap_or_else(|| "no reason given".into()),
    })
}

/// One entry per resource and status, in order; resources cancelled because another one
/// failed go last, after the failures that caused them.
pub(crate) fn dedupe(failures: Vec<Failure>) -> Vec<Failure> {
    let mut out: Vec<Failure> = Vec::new();
    for f in failures {
        if !out
            .iter()
            .any(|o| o.logical_id == f.logical_id && o.status == f.status)
        {
            out.push(f);
        }
    }
    let cancelled = |f: &Failure| f.reason.contains("cancelled");
    let (mut first, rest): (Vec<Failure>, Vec<Failure>) =
        out.into_iter().partition(|f| !cancelled(f));
    first.extend(rest);
    first
}

/// The failed resources, one line each, for the end of a failed deploy or destroy.
pub(crate) fn failure_report(stack: &str, outcome: &StackOutcome) -> String {
    let mut text = format!("stack `{stack}` ended in {}", outcome.status);
    if let Some(reason) = outcome.reason.as_deref().filter(|r| !r.is_empty()) {
        text.push_str(&format!(": {reason}"));
    }
    let resources: Vec<&Failure> = outcome
        .failures
        .iter()
        .filter(|f| f.resource_type != "AWS::CloudFormation::Stack")
        .collect();
    if resources.is_empty() {
        text.push_str("\n  (CloudFormation reported no failed resource events)");
    }
    for f in resources {
        text.push_str(&format!(
            "\n  {} ({}) {}: {}",
            f.logical_id, f.resource_type, f.status, f.reason
        ));
    }
    text
}

/// Poll intervals: quick at first (an emulator finishes in a fraction of a second), then
/// every few seconds.
pub(crate) struct Poll {
    next: Duration,
    started: Instant,
}

impl Poll {
    pub(crate) fn new() -> Poll {
        Poll {
            next: Duration::from_millis(200),
            started: Instant::now(),
        }
    }

    pub(crate) async fn wait(&mut self) {
        tokio::time::sleep(self.next).await;
        self.next = (self.next * 2).min(Duration::from_secs(5));
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

impl Default for Poll {
    fn default() -> Poll {
        Poll::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(id: &str, status: &str, reason: &str) -> Failure {
        Failure {
            logical_id: id.into(),
            resource_type: "AWS::Lambda::Function".into(),
            status: status.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn failures_are_reported_once_each_causes_first() {
        let failures = dedupe(vec![
            f(
                "MainStateMachine",
                "CREATE_FAILED",
                "Resource creation cancelled",
            ),
            f(
                "EvaluateFunction",
                "CREATE_FAILED",
                "Error occurred while GetObject. S3 Error Code: NoSuchKey",
            ),
            f(
                "EvaluateFunction",
                "CREATE_FAILED",
                "Error occurred while GetObject. S3 Error Code: NoSuchKey",
            ),
            f(
                "DataBucket",
                "DELETE_FAILED",
                "The bucket you tried to delete is not empty",
            ),
        ]);
        let ids: Vec<&str> = failures.iter().map(|f| f.logical_id.as_str()).collect();
        assert_eq!(ids, ["EvaluateFunction", "DataBucket", "MainStateMachine"]);
        let report = failure_report(
            "automl",
            &StackOutcome {
                status: "ROLLBACK_COMPLETE".into(),
                reason: Some(
                    "The following resource(s) failed to create: [EvaluateFunction].".into(),
                ),
                failures,
            },
        );
        assert!(
            report.starts_with(
                "stack `automl` ended in ROLLBACK_COMPLETE: The following resource(s)"
            ),
            "{report}"
        );
        assert!(report.contains("\n  EvaluateFunction (AWS::Lambda::Function) CREATE_FAILED: Error occurred while GetObject"), "{report}");
    }
}
