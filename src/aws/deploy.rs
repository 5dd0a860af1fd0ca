//! `automl deploy` and `automl diff`: a change set against the deployed stack. Deploy
//! uploads the assets, creates the change set, shows what will change, executes it and
//! follows the stack to the end (every failed resource and its reason last); diff
//! creates the same change set, shows it and deletes it.

use super::assets;
use super::config::{block_on, Aws, AwsConfig, RegionCheck};
use super::error::{self, Explain};
use super::stack::{self, Poll, StackInfo};
use crate::report::Progress;
use crate::stack::Settings;
use anyhow::Context;
use aws_sdk_cloudformation::types::{Capability, Change, ChangeSetType, Parameter, Tag};
use serde::Serialize;
use std::collections::BTreeMap;

/// One line of a change set.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct ResourceChange {
    pub(crate) action: String,
    pub(crate) logical_id: String,
    pub(crate) resource_type: String,
    /// `True`, `False` or `Conditional` for a Modify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) replacement: Option<String>,
}

impl ResourceChange {
    pub(crate) fn line(&self) -> String {
        let sign = match self.action.as_str() {
            "Add" => "+",
            "Remove" => "-",
            "Modify" => "~",
            _ => "*",
        };
        let replacement = match self.replacement.as_deref() {
            Some("True") => " (replaced)",
            Some("Conditional") => " (may be replaced)",
            _ => "",
        };
        format!(
            "  {sign} {:<7} {:<34} {}{replacement}",
            self.action, self.logical_id, self.resource_type
        )
    }
}

/// What CloudFormation gets: template (URL or inline body) and parameters.
struct Request {
    template_url: Option<String>,
    template_body: Option<String>,
    parameters: Vec<Parameter>,
}

/// What `automl deploy` is asked to do.
#[derive(Debug, Clone)]
pub(crate) struct DeployRequest {
    pub(crate) settings: Settings,
    /// The CloudFormation service role to deploy with.
    pub(crate) role_arn: Option<String>,
    /// The evaluation Lambda's zip, when not the one already uploaded.
    pub(crate) lambda_zip: Option<std::path::PathBuf>,
    /// Where to also write the stack's outputs, as a JSON object.
    pub(crate) outputs_file: Option<std::path::PathBuf>,
}

/// A deployed stack: its status, what changed, its outputs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeployReport {
    pub(crate) stack: String,
    pub(crate) stack_id: String,
    pub(crate) region: String,
    pub(crate) status: String,
    pub(crate) changes: Vec<ResourceChange>,
    pub(crate) outputs: BTreeMap<String, String>,
}

impl std::fmt::Display for DeployReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Outputs:")?;
        let width = self.outputs.keys().map(String::len).max().unwrap_or(0);
        for (key, value) in &self.outputs {
            writeln!(f, "  {key:<width$} = {value}")?;
        }
        Ok(())
    }
}

pub(crate) fn deploy(
    config: &AwsConfig,
    request: &DeployRequest,
    lines: &mut dyn Progress,
) -> anyhow::Result<DeployReport> {
    let args = request;
    let built = crate::stack::build(&args.settings)?;
    let template = built.template.to_json();
    block_on(async {
        let aws = Aws::connect(config, RegionCheck::Stack).await?;
        let mut existing = stack::describe(&aws, &aws.stack_name).await?;
        if let Some(info) = &existing {
            check_deployable(info)?;
            if info.status == "ROLLBACK_COMPLETE" {
                // A first deploy that failed and rolled back leaves an empty stack that can
                // only be deleted; do so, as `cdk deploy` does, then create it afresh.
                lines.line(&format!(
                    "stack `{}` is ROLLBACK_COMPLETE from a failed first deploy: deleting it first",
                    info.name
                ));
                let outcome = stack::delete(&aws, &info.id, lines).await?;
                if !outcome.succeeded() {
                    anyhow::bail!("{}", stack::failure_report(&info.name, &outcome));
                }
                existing = None;
            }
        }
        let bucket = assets::ensure_bucket(&aws, lines).await?;
        assets::upload_all(
            &aws,
            &bucket,
            &built.assets,
            args.lambda_zip.as_deref(),
            lines,
        )
        .await?;
        let template_url =
            assets::upload_template(&aws, &bucket, &aws.stack_name, &template).await?;
        let request = Request {
            template_url: Some(template_url),
            template_body: None,
            parameters: parameters(&bucket, &built.assets),
        };
        let kind = match &existing {
            Some(info) if info.status != "REVIEW_IN_PROGRESS" => ChangeSetType::Update,
            _ => ChangeSetType::Create,
        };
        let change_set =
            create_change_set(&aws, &request, kind, args.role_arn.as_deref(), lines).await?;
        let Some(change_set) = change_set else {
            lines.line(&format!(
                "no changes: stack `{}` is up to date",
                aws.stack_name
            ));
            let info = stack::require(&aws).await?;
            let outputs = stack::outputs(&aws, &info).await?;
            return finish(&aws, &info, &[], outputs, args, lines);
        };
        lines.line(&format!("changes to stack `{}`:", aws.stack_name));
        for change in &change_set.changes {
            lines.line(&change.line());
        }
        if change_set.changes.is_empty() {
            lines.line("  (parameters only: new asset keys)");
        }
        let stack_id = change_set.stack_id.clone();
        let seen = stack::seen_events(&aws, &stack_id).await?;
        aws.cloudformation()
            .execute_change_set()
            .stack_name(&stack_id)
            .change_set_name(&change_set.id)
            .send()
            .await
            .explain("cloudformation:ExecuteChangeSet")?;
        let outcome = stack::follow(&aws, &stack_id, seen, lines).await?;
        if !outcome.succeeded() {
            anyhow::bail!(
                "deploy failed: {}",
                stack::failure_report(&aws.stack_name, &outcome)
            );
        }
        let info = stack::require(&aws).await?;
        let outputs = stack::outputs(&aws, &info).await?;
        finish(&aws, &info, &change_set.changes, outputs, args, lines)
    })
}

/// CreateChangeSet refused: nothing to change.
#[derive(Debug, thiserror::Error)]
#[error("no changes")]
struct NoChanges;

/// A computed change set.
struct ChangeSet {
    id: String,
    stack_id: String,
    changes: Vec<ResourceChange>,
}

fn check_deployable(info: &StackInfo) -> anyhow::Result<()> {
    if info.busy() {
        anyhow::bail!(
            "stack `{}` is busy ({}): wait until it finishes, then deploy again",
            info.name,
            info.status
        );
    }
    if info.status.ends_with("_FAILED") && info.status != "UPDATE_FAILED" {
        anyhow::bail!(stuck_advice(
            &info.name,
            &info.status,
            info.reason.as_deref()
        ));
    }
    Ok(())
}

/// What to do with a stack CloudFormation cannot update. For UPDATE_ROLLBACK_FAILED the
/// way back that keeps the data is ContinueUpdateRollback (the documented recovery for that
/// state: CloudFormation API Reference, ContinueUpdateRollback); `destroy` is the last
/// resort, and it empties the data bucket, which is said.
pub(crate) fn stuck_advice(stack: &str, status: &str, reason: Option<&str>) -> String {
    let reason = reason.map(|r| format!(" ({r})")).unwrap_or_default();
    if status == "UPDATE_ROLLBACK_FAILED" {
        return format!(
            "stack `{stack}` is {status}{reason}: CloudFormation cannot update it until the rollback \
             finishes. First continue the rollback, which keeps every resource and its data: \
             `aws cloudformation continue-update-rollback --stack-name {stack}` (add \
             `--resources-to-skip LOGICAL_ID` for a resource that cannot roll back), wait for \
             UPDATE_ROLLBACK_COMPLETE, then deploy again. Only if that fails: `automl destroy` deletes \
             the stack, and it first EMPTIES the data bucket (every object and version: training data, \
             models, predictions)"
        );
    }
    format!(
        "stack `{stack}` is {status}{reason}: CloudFormation cannot update it in this state; fix it in \
         the console, or delete it with `automl destroy` (which first empties the data bucket: every \
         object and version), then deploy again"
    )
}

/// Writes the outputs file and reports the stack after a deploy (also after one with no
/// changes).
fn finish(
    aws: &Aws,
    info: &StackInfo,
    changes: &[ResourceChange],
    outputs: BTreeMap<String, String>,
    args: &DeployRequest,
    lines: &mut dyn Progress,
) -> anyhow::Result<DeployReport> {
    if let Some(path) = &args.outputs_file {
        let mut text = serde_json::to_string_pretty(&outputs)?;
        text.push('\n');
        std::fs::write(path, text)
            .with_context(|| format!("cannot write the outputs file {}", path.display()))?;
    }
    lines.line(&format!("stack `{}`: {}", aws.stack_name, info.status));
    Ok(DeployReport {
        stack: aws.stack_name.clone(),
        stack_id: info.id.clone(),
        region: aws.region.clone(),
        status: info.status.clone(),
        changes: changes.to_vec(),
        outputs,
    })
}

/// AssetsBucket plus one parameter per asset carrying its key.
fn parameters(bucket: &str, assets: &[crate::stack::assets::Asset]) -> Vec<Parameter> {
    let mut parameters = vec![Parameter::builder()
        .parameter_key("AssetsBucket")
        .parameter_value(bucket)
        .build()];
    for asset in assets {
        parameters.push(
            Parameter::builder()
                .parameter_key(asset.parameter)
                .parameter_value(&asset.key)
                .build(),
        );
    }
    parameters
}

/// Creates a change set and waits until CloudFormation has computed it. None when there
/// is nothing to change (the change set is deleted again).
async fn create_change_set(
    aws: &Aws,
    request: &Request,
    kind: ChangeSetType,
    role_arn: Option<&str>,
    lines: &mut dyn Progress,
) -> anyhow::Result<Option<ChangeSet>> {
    let cfn = aws.cloudformation();
    let name = format!(
        "automl-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    );
    lines.status("creating change set");
    let created = cfn
        .create_change_set()
        .stack_name(&aws.stack_name)
        .change_set_name(&name)
        .change_set_type(kind.clone())
        .set_template_url(request.template_url.clone())
        .set_template_body(request.template_body.clone())
        .set_parameters(Some(request.parameters.clone()))
        .capabilities(Capability::CapabilityIam)
        .set_role_arn(role_arn.map(str::to_string))
        .tags(Tag::builder().key(crate::stack::STACK_TAG).value(&aws.stack_name).build())
        .description("automl deploy")
        .send()
        .await
        .map_err::<anyhow::Error, _>(|e| {
            if error::code(&e) == Some("ValidationError") {
                let message = error::message(&e).unwrap_or_default();
                if no_changes(message) {
                    return NoChanges.into();
                }
                if message.contains("cannot be assumed") || message.contains("is invalid") && message.contains("Role") {
                    return anyhow::anyhow!(
                        "CloudFormation cannot use the role given with --role-arn: {message} (the role must trust \
                         cloudformation.amazonaws.com, see trust_policy.json)"
                    );
                }
            }
            error::translate(&e, "cloudformation:CreateChangeSet").into()
        });
    // Some endpoints (moto) refuse an empty change set outright instead of failing it.
    let created = match created {
        Err(e) if e.is::<NoChanges>() => return Ok(None),
        other => other?,
    };
    let stack_id = created.stack_id.unwrap_or_else(|| aws.stack_name.clone());
    let change_set_id = created.id.unwrap_or(name);
    let mut poll = Poll::new();
    loop {
        let described = cfn
            .describe_change_set()
            .change_set_name(&change_set_id)
            .stack_name(&stack_id)
            .send()
            .await
            .explain("cloudformation:DescribeChangeSet")?;
        let status = described
            .status
            .as_ref()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        match status.as_str() {
            "CREATE_COMPLETE" => {
                let changes = all_changes(
                    aws,
                    &stack_id,
                    &change_set_id,
                    described.changes.unwrap_or_default(),
                    described.next_token,
                )
                .await?;
                return Ok(Some(ChangeSet {
                    id: change_set_id,
                    stack_id,
                    changes,
                }));
            }
            "FAILED" => {
                let reason = described.status_reason.unwrap_or_default();
                let _ = cfn
                    .delete_change_set()
                    .change_set_name(&change_set_id)
                    .stack_name(&stack_id)
                    .send()
                    .await;
                if no_changes(&reason) {
                    return Ok(None);
                }
                if kind == ChangeSetType::Create {
                    // The failed CREATE change set left an empty REVIEW_IN_PROGRESS stack.
                    let _ = cfn.delete_stack().stack_name(&stack_id).send().await;
                }
                anyhow::bail!("CloudFormation could not prepare the change: {reason}");
            }
            _ => {}
        }
        poll.wait().await;
    }
}

/// CloudFormation's two ways of saying a change set is empty.
pub(crate) fn no_changes(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

async fn all_changes(
    aws: &Aws,
    stack_id: &str,
    change_set_id: &str,
    first: Vec<Change>,
    mut next: Option<String>,
) -> anyhow::Result<Vec<ResourceChange>> {
    let mut changes: Vec<ResourceChange> = first.iter().filter_map(resource_change).collect();
    while let Some(token) = next {
        let page = aws
            .cloudformation()
            .describe_change_set()
            .change_set_name(change_set_id)
            .stack_name(stack_id)
            .next_token(token)
            .send()
            .await
            .explain("cloudformation:DescribeChangeSet")?;
        changes.extend(
            page.changes
                .unwrap_or_default()
                .iter()
                .filter_map(resource_change),
        );
        next = page.next_token;
    }
    Ok(changes)
}

fn resource_change(change: &Change) -> Option<ResourceChange> {
    let rc = change.resource_change.as_ref()?;
    Some(ResourceChange {
        action: rc
            .action
            .as_ref()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default(),
        logical_id: rc.logical_resource_id.clone().unwrap_or_default(),
        resource_type: rc.resource_type.clone().unwrap_or_default(),
        replacement: rc
            .replacement
            .as_ref()
            .map(|r| r.as_str().to_string())
            .filter(|_| rc.action.as_ref().is_some_and(|a| a.as_str() == "Modify")),
    })
}

/// What a deploy would change.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DiffReport {
    pub(crate) stack: String,
    #[serde(skip)]
    pub(crate) region: String,
    pub(crate) exists: bool,
    pub(crate) changes: Vec<ResourceChange>,
}

impl std::fmt::Display for DiffReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.changes.is_empty() {
            return writeln!(f, "no changes: stack `{}` is up to date", self.stack);
        }
        if self.exists {
            writeln!(f, "changes to stack `{}` in {}:", self.stack, self.region)?;
        } else {
            writeln!(
                f,
                "stack `{}` does not exist in {}; a deploy would create:",
                self.stack, self.region
            )?;
        }
        for change in &self.changes {
            writeln!(f, "{}", change.line())?;
        }
        Ok(())
    }
}

pub(crate) fn diff(
    config: &AwsConfig,
    settings: &Settings,
    lines: &mut dyn Progress,
) -> anyhow::Result<DiffReport> {
    let built = crate::stack::build(settings)?;
    let template = built.template.to_json();
    block_on(async {
        let aws = Aws::connect(config, RegionCheck::Stack).await?;
        let existing = stack::describe(&aws, &aws.stack_name).await?;
        let deployed = existing
            .as_ref()
            .filter(|i| i.status != "REVIEW_IN_PROGRESS" && i.status != "ROLLBACK_COMPLETE");
        let Some(info) = deployed else {
            // Nothing deployed: every resource would be added. Said without a change set,
            // which would leave an empty REVIEW_IN_PROGRESS stack behind.
            let changes: Vec<ResourceChange> = built
                .template
                .resources
                .iter()
                .map(|(id, r)| ResourceChange {
                    action: "Add".into(),
                    logical_id: id.clone(),
                    resource_type: r.kind.clone(),
                    replacement: None,
                })
                .collect();
            return Ok(diff_report(&aws, changes, false));
        };
        if info.busy() {
            anyhow::bail!(
                "stack `{}` is busy ({}): wait until it finishes",
                info.name,
                info.status
            );
        }
        let account = aws.account().await?;
        let bucket = assets::bucket_name(&account, &aws.region);
        // Inline when it fits, so diff writes nothing; else through the assets bucket.
        let (template_url, template_body) = if template.len() <= assets::TEMPLATE_BODY_LIMIT {
            (None, Some(template.clone()))
        } else {
            let bucket = assets::ensure_bucket(&aws, lines).await?;
            (
                Some(assets::upload_template(&aws, &bucket, &aws.stack_name, &template).await?),
                None,
            )
        };
        let request = Request {
            template_url,
            template_body,
            parameters: parameters(&bucket, &built.assets),
        };
        let result = create_change_set(&aws, &request, ChangeSetType::Update, None, lines).await?;
        match result {
            None => Ok(diff_report(&aws, Vec::new(), true)),
            Some(change_set) => {
                aws.cloudformation()
                    .delete_change_set()
                    .change_set_name(&change_set.id)
                    .stack_name(&change_set.stack_id)
                    .send()
                    .await
                    .explain("cloudformation:DeleteChangeSet")?;
                Ok(diff_report(&aws, change_set.changes, true))
            }
        }
    })
}

fn diff_report(aws: &Aws, changes: Vec<ResourceChange>, exists: bool) -> DiffReport {
    DiffReport {
        stack: aws.stack_name.clone(),
        region: aws.region.clone(),
        exists,
        changes,
    }
}

#[cfg(test)]
mod stuck_tests {
    #[test]
    fn a_failed_rollback_is_continued_before_anything_is_deleted() {
        let advice = super::stuck_advice("automl", "UPDATE_ROLLBACK_FAILED", Some("Role x failed"));
        let continue_at = advice
            .find("aws cloudformation continue-update-rollback --stack-name automl")
            .unwrap();
        let destroy_at = advice.find("`automl destroy`").unwrap();
        assert!(continue_at < destroy_at, "{advice}");
        assert!(advice.contains("EMPTIES the data bucket"), "{advice}");
        assert!(
            advice.starts_with("stack `automl` is UPDATE_ROLLBACK_FAILED (Role x failed):"),
            "{advice}"
        );
        let other = super::stuck_advice("automl", "DELETE_FAILED", None);
        assert!(
            other.contains("empties the data bucket")
                && !other.contains("continue-update-rollback"),
            "{other}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_lines_and_empty_change_sets() {
        let change = ResourceChange {
            action: "Modify".into(),
            logical_id: "DeployStateMachine".into(),
            resource_type: "AWS::StepFunctions::StateMachine".into(),
            replacement: Some("False".into()),
        };
        assert_eq!(
            change.line().split_whitespace().collect::<Vec<_>>(),
            [
                "~",
                "Modify",
                "DeployStateMachine",
                "AWS::StepFunctions::StateMachine"
            ]
        );
        assert!(no_changes("The submitted information didn't contain changes. Submit different information to create a change set."));
        assert!(no_changes("No updates are to be performed."));
        assert!(!no_changes("Template format error"));
    }
}
