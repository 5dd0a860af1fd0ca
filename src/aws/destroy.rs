//! `automl destroy`: empty the stack's own data bucket (every object version and delete
//! marker), delete the stack and follow it to the end. Only the bucket the stack owns
//! (logical id `DataBucket`) is touched — never the assets bucket or any other. With
//! `--endpoints`, also the SageMaker endpoints, endpoint configs and models that this
//! stack's executions created, found by their `automl:stack` tag, with each endpoint's
//! Application Auto Scaling target (and so its policies) and the one-time schedules that
//! would delete an endpoint at the end of its time to live (named `<stack>-*`); without
//! it, a note names the endpoints still running (they bill by the hour).
//!
//! Running executions of the stack's machines are refused unless `--stop-executions`
//! (then they are stopped first): `--yes` answers every question, so a question would not
//! protect a script from deleting machines under live work, and an execution whose machine
//! is gone leaves its SageMaker jobs running unattended. A resource whose tags cannot be
//! read is reported and left alone; the rest goes on.

use super::config::{block_on, Aws, AwsConfig, RegionCheck};
use super::error::{self, Explain};
use super::stack;
use crate::report::Progress;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

/// The stack's own bucket.
const DATA_BUCKET: &str = "DataBucket";

/// What `automl destroy` is asked to do.
#[derive(Debug, Clone)]
pub(crate) struct DestroyRequest {
    /// Also delete the SageMaker resources the stack's executions created.
    pub(crate) endpoints: bool,
    /// Stop the running executions of the stack's machines first (else they refuse).
    pub(crate) stop_executions: bool,
}

/// Asks a person to confirm a deletion (`--yes` answers for them).
pub(crate) type Confirm<'a> = dyn FnMut(&str) -> anyhow::Result<bool> + 'a;

/// Deletes the stack (and, when asked, what its executions created). `Ok(false)`: the
/// person said no, and nothing was deleted.
pub(crate) fn destroy(
    config: &AwsConfig,
    args: &DestroyRequest,
    confirm: &mut Confirm<'_>,
    lines: &mut dyn Progress,
) -> anyhow::Result<bool> {
    block_on(async {
        let aws = Aws::connect(config, RegionCheck::Stack).await?;
        let existing = stack::describe(&aws, &aws.stack_name).await?;
        let Some(info) = existing else {
            lines.line(&format!(
                "stack `{}` does not exist in {}: nothing to destroy",
                aws.stack_name, aws.region
            ));
            if args.endpoints {
                let found = tagged_sagemaker(&aws, Kinds::All, lines).await?;
                if !found.is_empty()
                    && confirm(&format!(
                        "Delete {} SageMaker resources tagged {}={}?",
                        found.len(),
                        crate::stack::STACK_TAG,
                        aws.stack_name
                    ))?
                {
                    delete_sagemaker(&aws, &found, lines).await?;
                }
            }
            return Ok(true);
        };
        if info.busy() {
            anyhow::bail!(
                "stack `{}` is busy ({}): wait until it finishes, then destroy it",
                info.name,
                info.status
            );
        }
        if info.status == "UPDATE_ROLLBACK_FAILED" {
            lines.line(&format!(
                "note: {}",
                super::deploy::stuck_advice(&info.name, &info.status, info.reason.as_deref())
            ));
        }
        let resources = stack::resources(&aws, &info.id).await?;
        let bucket = stack::physical_id(&resources, DATA_BUCKET)
            .filter(|_| {
                resources.iter().any(|r| {
                    r.logical_resource_id.as_deref() == Some(DATA_BUCKET)
                        && r.resource_type.as_deref() == Some("AWS::S3::Bucket")
                })
            })
            .map(str::to_string);
        let sagemaker = if args.endpoints {
            tagged_sagemaker(&aws, Kinds::All, lines).await?
        } else {
            let endpoints = tagged_sagemaker(&aws, Kinds::Endpoints, lines).await?;
            if !endpoints.is_empty() {
                let names: Vec<&str> = endpoints.iter().map(SageMakerResource::name).collect();
                lines.line(&format!(
                    "note: {} endpoint{} this stack's executions created {} still running (and billing): {}; \
                     `automl destroy --endpoints` deletes them with their configs and models (also after the stack is gone)",
                    names.len(),
                    if names.len() == 1 { "" } else { "s" },
                    if names.len() == 1 { "is" } else { "are" },
                    names.join(", ")
                ));
            }
            Vec::new()
        };
        // Main's executions first: stopping one stops the children it waits for.
        let mut machines: Vec<(bool, String)> = resources
            .iter()
            .filter(|r| r.resource_type.as_deref() == Some("AWS::StepFunctions::StateMachine"))
            .filter_map(|r| {
                let main = r.logical_resource_id.as_deref()
                    == Some(crate::stack::MachineId::Main.logical_id());
                Some((!main, r.physical_resource_id.clone()?))
            })
            .collect();
        machines.sort();
        let machines: Vec<String> = machines.into_iter().map(|(_, arn)| arn).collect();
        let running = running_executions(&aws, &machines).await?;
        if !running.is_empty() && !args.stop_executions {
            anyhow::bail!(
                "{} execution{} of stack `{}`'s machines {} still running: {}; deleting the machines under them \
                 would leave their SageMaker jobs running unattended. Stop them first with \
                 `automl destroy --stop-executions`, or wait until they end (`automl executions --status running`)",
                running.len(),
                if running.len() == 1 { "" } else { "s" },
                info.name,
                if running.len() == 1 { "is" } else { "are" },
                shown_names(&running)
            );
        }

        let mut question = format!("Delete stack `{}` in {}", info.name, aws.region);
        if let Some(bucket) = &bucket {
            question.push_str(&format!(", and every object in its bucket s3://{bucket}"));
        }
        if !sagemaker.is_empty() {
            question.push_str(&format!(
                ", and {} SageMaker endpoints, endpoint configs and models",
                sagemaker.len()
            ));
        }
        if !running.is_empty() {
            question.push_str(&format!(
                ", after stopping {} running execution{} ({})",
                running.len(),
                if running.len() == 1 { "" } else { "s" },
                shown_names(&running)
            ));
        }
        question.push('?');
        if !confirm(&question)? {
            lines.line("nothing deleted");
            return Ok(false);
        }

        stop_executions(&aws, &running, lines).await?;
        if !sagemaker.is_empty() {
            delete_sagemaker(&aws, &sagemaker, lines).await?;
        }
        if let Some(bucket) = &bucket {
            let deleted = empty_bucket(&aws, bucket, lines).await?;
            let what = if deleted == 1 {
                "object version or delete marker"
            } else {
                "object versions and delete markers"
            };
            lines.line(&format!("emptied s3://{bucket}: deleted {deleted} {what}"));
        }
        let outcome = stack::delete(&aws, &info.id, lines).await?;
        if !outcome.succeeded() {
            anyhow::bail!(
                "destroy failed: {}",
                stack::failure_report(&info.name, &outcome)
            );
        }
        lines.line(&format!("stack `{}` deleted", info.name));
        Ok(true)
    })
}

/// Deletes every object version and delete marker; returns how many.
async fn empty_bucket(aws: &Aws, bucket: &str, lines: &mut dyn Progress) -> anyhow::Result<usize> {
    let s3 = aws.s3();
    let mut deleted = 0;
    loop {
        let listed = match s3
            .list_object_versions()
            .bucket(bucket)
            .max_keys(1000)
            .send()
            .await
        {
            Ok(listed) => listed,
            Err(e) if error::code(&e) == Some("NoSuchBucket") => return Ok(deleted),
            Err(e) => return Err(error::translate(&e, "s3:ListBucketVersions").into()),
        };
        let mut batch: Vec<ObjectIdentifier> = Vec::new();
        for v in listed.versions.unwrap_or_default() {
            if let Some(key) = v.key {
                batch.push(
                    ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(v.version_id)
                        .build()?,
                );
            }
        }
        for m in listed.delete_markers.unwrap_or_default() {
            if let Some(key) = m.key {
                batch.push(
                    ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(m.version_id)
                        .build()?,
                );
            }
        }
        if batch.is_empty() {
            return Ok(deleted);
        }
        let count = batch.len();
        let result = s3
            .delete_objects()
            .bucket(bucket)
            .delete(
                Delete::builder()
                    .set_objects(Some(batch))
                    .quiet(true)
                    .build()?,
            )
            .send()
            .await
            .explain("s3:DeleteObjectVersion")?;
        if let Some(first) = result.errors.unwrap_or_default().first() {
            anyhow::bail!(
                "could not empty s3://{bucket}: {} ({}: {})",
                first.key.as_deref().unwrap_or("?"),
                first.code.as_deref().unwrap_or("error"),
                first.message.as_deref().unwrap_or("")
            );
        }
        deleted += count;
        lines.status(&format!("emptying s3://{bucket}: {deleted} deleted"));
    }
}

/// A SageMaker resource an execution of this stack created.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SageMakerResource {
    Endpoint(String),
    EndpointConfig(String),
    Model(String),
}

impl SageMakerResource {
    fn name(&self) -> &str {
        match self {
            SageMakerResource::Endpoint(name)
            | SageMakerResource::EndpointConfig(name)
            | SageMakerResource::Model(name) => name,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            SageMakerResource::Endpoint(_) => "endpoint",
            SageMakerResource::EndpointConfig(_) => "endpoint config",
            SageMakerResource::Model(_) => "model",
        }
    }
}

/// Which SageMaker resources to look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kinds {
    /// Endpoints that are not being deleted (what bills).
    Endpoints,
    All,
}

/// The first names of `arns` (execution ARNs end in their name), and how many in all.
fn shown_names(arns: &[String]) -> String {
    let mut names: Vec<&str> = arns
        .iter()
        .take(5)
        .map(|a| a.rsplit(':').next().unwrap_or(a))
        .collect();
    let more = format!("... ({} in all)", arns.len());
    if arns.len() > 5 {
        names.push(&more);
    }
    names.join(", ")
}

/// The RUNNING executions of `machines`, in their order.
async fn running_executions(aws: &Aws, machines: &[String]) -> anyhow::Result<Vec<String>> {
    let sfn = aws.sfn();
    let mut running = Vec::new();
    for machine in machines {
        let mut pages = sfn
            .list_executions()
            .state_machine_arn(machine)
            .status_filter(aws_sdk_sfn::types::ExecutionStatus::Running)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => running.extend(page.executions.into_iter().map(|e| e.execution_arn)),
                // A machine already gone has nothing running.
                Err(e) if error::code(&e) == Some("StateMachineDoesNotExist") => break,
                Err(e) => return Err(error::translate(&e, "states:ListExecutions").into()),
            }
        }
    }
    Ok(running)
}

/// Stops each execution; one that ended meanwhile is no failure. A stopped execution's
/// `.sync` SageMaker job is stopped by Step Functions itself: that is why the policy Step
/// Functions documents for the `.sync` SageMaker integration includes
/// `sagemaker:StopTrainingJob` / `StopTransformJob` (Step Functions Developer Guide, "IAM
/// policies for Amazon SageMaker AI"), which the stack's machine roles grant
/// (`stack::roles`).
async fn stop_executions(
    aws: &Aws,
    arns: &[String],
    lines: &mut dyn Progress,
) -> anyhow::Result<()> {
    let sfn = aws.sfn();
    for arn in arns {
        let stopped = sfn
            .stop_execution()
            .execution_arn(arn)
            .error("automl.Destroyed")
            .cause("stopped by `automl destroy --stop-executions` before deleting its stack")
            .send()
            .await;
        match stopped {
            Ok(_) => lines.line(&format!(
                "stopped execution {}",
                arn.rsplit(':').next().unwrap_or(arn)
            )),
            Err(e) if error::code(&e) == Some("ExecutionDoesNotExist") => {}
            Err(e) => return Err(error::translate(&e, "states:StopExecution").into()),
        }
    }
    Ok(())
}

/// Endpoints, endpoint configs and models tagged `automl:stack=<stack>`. Their names start
/// with the stack name, which narrows the listing; the tag decides. A resource whose tags
/// cannot be read is reported and left alone.
async fn tagged_sagemaker(
    aws: &Aws,
    kinds: Kinds,
    lines: &mut dyn Progress,
) -> anyhow::Result<Vec<SageMakerResource>> {
    let sm = aws.sagemaker();
    let mut candidates: Vec<(SageMakerResource, String)> = Vec::new();
    let mut pages = sm
        .list_endpoints()
        .name_contains(&aws.stack_name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for e in page
            .explain("sagemaker:ListEndpoints")?
            .endpoints
            .unwrap_or_default()
        {
            if kinds == Kinds::Endpoints
                && e.endpoint_status == Some(aws_sdk_sagemaker::types::EndpointStatus::Deleting)
            {
                continue;
            }
            if let (Some(name), Some(arn)) = (e.endpoint_name, e.endpoint_arn) {
                candidates.push((SageMakerResource::Endpoint(name), arn));
            }
        }
    }
    if kinds == Kinds::Endpoints {
        return ours(aws, candidates, lines).await;
    }
    let mut pages = sm
        .list_endpoint_configs()
        .name_contains(&aws.stack_name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for c in page
            .explain("sagemaker:ListEndpointConfigs")?
            .endpoint_configs
            .unwrap_or_default()
        {
            if let (Some(name), Some(arn)) = (c.endpoint_config_name, c.endpoint_config_arn) {
                candidates.push((SageMakerResource::EndpointConfig(name), arn));
            }
        }
    }
    let mut pages = sm
        .list_models()
        .name_contains(&aws.stack_name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for m in page
            .explain("sagemaker:ListModels")?
            .models
            .unwrap_or_default()
        {
            if let (Some(name), Some(arn)) = (m.model_name, m.model_arn) {
                candidates.push((SageMakerResource::Model(name), arn));
            }
        }
    }
    ours(aws, candidates, lines).await
}

/// The candidates tagged for this stack.
async fn ours(
    aws: &Aws,
    candidates: Vec<(SageMakerResource, String)>,
    lines: &mut dyn Progress,
) -> anyhow::Result<Vec<SageMakerResource>> {
    let sm = aws.sagemaker();
    let mut found = Vec::new();
    for (resource, arn) in candidates {
        let tags = match sm.list_tags().resource_arn(&arn).send().await {
            Ok(tags) => tags,
            Err(e) => {
                lines.line(&format!(
                    "warning: could not read the tags of {} {} ({}): left alone",
                    resource.kind(),
                    resource.name(),
                    error::translate(&e, "sagemaker:ListTags")
                ));
                continue;
            }
        };
        let tagged = tags.tags.unwrap_or_default().iter().any(|t| {
            t.key.as_deref() == Some(crate::stack::STACK_TAG)
                && t.value.as_deref() == Some(aws.stack_name.as_str())
        });
        if tagged {
            found.push(resource);
        }
    }
    Ok(found)
}

/// Endpoints first (they use the configs), then configs, then models.
async fn delete_sagemaker(
    aws: &Aws,
    resources: &[SageMakerResource],
    lines: &mut dyn Progress,
) -> anyhow::Result<()> {
    let sm = aws.sagemaker();
    for resource in resources {
        match resource {
            SageMakerResource::Endpoint(name) => {
                deregister_scaling(aws, name, lines).await?;
                sm.delete_endpoint()
                    .endpoint_name(name)
                    .send()
                    .await
                    .explain("sagemaker:DeleteEndpoint")?;
                lines.line(&format!("deleted endpoint {name}"));
            }
            SageMakerResource::EndpointConfig(_) | SageMakerResource::Model(_) => {}
        }
    }
    for resource in resources {
        if let SageMakerResource::EndpointConfig(name) = resource {
            sm.delete_endpoint_config()
                .endpoint_config_name(name)
                .send()
                .await
                .explain("sagemaker:DeleteEndpointConfig")?;
            lines.line(&format!("deleted endpoint config {name}"));
        }
    }
    delete_expiry_schedules(aws, lines).await?;
    for resource in resources {
        if let SageMakerResource::Model(name) = resource {
            sm.delete_model()
                .model_name(name)
                .send()
                .await
                .explain("sagemaker:DeleteModel")?;
            lines.line(&format!("deleted model {name}"));
        }
    }
    Ok(())
}

/// Removes the endpoint's variant from Application Auto Scaling (which deletes its
/// scaling policies too: DeregisterScalableTarget, Application Auto Scaling API
/// reference); an endpoint that was never registered is not an error.
async fn deregister_scaling(
    aws: &Aws,
    endpoint: &str,
    lines: &mut dyn Progress,
) -> anyhow::Result<()> {
    use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
    let result = aws
        .autoscaling()
        .deregister_scalable_target()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(format!("endpoint/{endpoint}/variant/AllTraffic"))
        .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
        .send()
        .await;
    match result {
        Ok(_) => {
            lines.line(&format!(
                "deregistered the autoscaling of endpoint {endpoint}"
            ));
            Ok(())
        }
        Err(e) if error::code(&e) == Some("ObjectNotFoundException") => Ok(()),
        Err(e) => {
            Err::<(), _>(e).explain("application-autoscaling:DeregisterScalableTarget")?;
            Ok(())
        }
    }
}

/// Deletes the pending time-to-live schedules of this stack's endpoints (the Deploy
/// machine names them `<stack>-<execution>`, in the default group).
async fn delete_expiry_schedules(aws: &Aws, lines: &mut dyn Progress) -> anyhow::Result<()> {
    let scheduler = aws.scheduler();
    let prefix = format!("{}-", aws.stack_name);
    let mut names = Vec::new();
    let mut pages = scheduler
        .list_schedules()
        .group_name("default")
        .name_prefix(&prefix)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for schedule in page.explain("scheduler:ListSchedules")?.schedules {
            if let Some(name) = schedule.name {
                names.push(name);
            }
        }
    }
    for name in names {
        scheduler
            .delete_schedule()
            .group_name("default")
            .name(&name)
            .send()
            .await
            .explain("scheduler:DeleteSchedule")?;
        lines.line(&format!("deleted the expiry schedule {name}"));
    }
    Ok(())
}
