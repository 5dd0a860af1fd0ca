//! `automl report EXECUTION` of an execution on AWS: fetches what AWS keeps of it — the
//! histories of the Main execution and of the Train and Deploy executions it started
//! (GetExecutionHistory, page by page; the children's ARNs from the parent's events) and
//! the training job's `output.tar.gz` (S3 GetObject, beside the model archive) — and
//! writes the report that `report::aws_execution` builds from them. The outputs archive
//! also completes the summary of `run --wait` and `status`. Only fetching lives here;
//! what is built from it is pure and tested on recorded histories.

use super::config::{block_on, Aws, AwsConfig, RegionCheck};
use super::error::{self, Explain};
use super::history::execution_name;
use super::run::{console_url, AwsHistory, HistorySource};
use super::stack;
use crate::report::artifacts::{outputs_archive, TrainingOutput};
use crate::report::aws_execution::AwsExecution;
use crate::report::execution::{started_execution_arns, ExecutionRecord};
use crate::report::html::{self, ReportWritten};
use crate::report::Progress;
use crate::s3uri::S3Uri;
use crate::stack::MachineId;
use anyhow::Context;
use serde_json::Value;
use std::path::PathBuf;

/// `automl report [EXECUTION] [-o FILE]` of an execution on AWS.
pub(crate) struct ReportRequest {
    /// A name (an execution of the stack's Main machine) or an execution ARN; `None`: the
    /// latest execution of the Main machine.
    pub(crate) execution: Option<String>,
    /// Default: `<name>.report.html` in the current directory.
    pub(crate) output: Option<PathBuf>,
}

/// Fetches the execution and writes its report; notes (an outputs archive that cannot
/// be read) go to `progress`.
pub(crate) fn report(
    config: &AwsConfig,
    request: &ReportRequest,
    progress: &mut dyn Progress,
) -> anyhow::Result<ReportWritten> {
    block_on(async {
        let aws = Aws::connect(config, RegionCheck::Stack).await?;
        let arn = main_execution_arn(&aws, request.execution.as_deref()).await?;
        let execution = fetch(&aws, &arn, progress).await?;
        let name = execution.record.name.clone();
        let path = request
            .output
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("{name}.report.html")));
        let shown = path.display().to_string();
        let html = html::render(&execution.report_input(Some(&shown), now()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&path, &html).with_context(|| format!("writing the report {shown}"))?;
        Ok(ReportWritten {
            execution: name,
            path: shown,
            bytes: html.len(),
        })
    })
}

fn now() -> f64 {
    crate::sfn::time::Timestamp::now().0 as f64 / 1e9
}

/// The ARN of an execution of the stack's Main machine: as given when it is an ARN (no
/// stack needed), else the execution of that name, else the latest one.
pub(crate) async fn main_execution_arn(
    aws: &Aws,
    execution: Option<&str>,
) -> anyhow::Result<String> {
    if let Some(arn) = execution.filter(|e| e.starts_with("arn:")) {
        return Ok(arn.to_string());
    }
    let info = stack::require(aws).await?;
    let machine = stack::machine_arn(aws, &info, MachineId::Main).await?;
    if let Some(name) = execution {
        return Ok(crate::sfn::names::execution_arn(&machine, name));
    }
    let latest = aws
        .sfn()
        .list_executions()
        .state_machine_arn(&machine)
        .max_results(1)
        .send()
        .await
        .explain("states:ListExecutions")?;
    match latest.executions.into_iter().next() {
        Some(e) => Ok(e.execution_arn),
        None => anyhow::bail!(
            "stack `{}` has no executions yet; start one with `automl run INPUT`",
            info.name
        ),
    }
}

/// One execution's whole history, in the API's JSON shape (`{"events": [...]}`).
async fn history(source: &AwsHistory<'_>, arn: &str) -> anyhow::Result<Value> {
    let events = source.events(arn, 0).await.map_err(|e| {
        let missing = matches!(
            e.downcast_ref::<error::AwsError>(),
            Some(error::AwsError::Service { code: Some(code), .. }) if code == "ExecutionDoesNotExist"
        );
        if missing {
            anyhow::anyhow!(
                "no execution {arn}: list them with `automl executions` (names are per stack and region)"
            )
        } else {
            e
        }
    })?;
    Ok(serde_json::json!({
        "events": events.iter().map(|e| e.to_api_json()).collect::<Vec<_>>()
    }))
}

/// What AWS keeps of a Main execution: its history, its children's, its outputs archive.
pub(crate) async fn fetch(
    aws: &Aws,
    arn: &str,
    progress: &mut dyn Progress,
) -> anyhow::Result<AwsExecution> {
    let source = AwsHistory { aws };
    let main = history(&source, arn).await?;
    let mut children = Vec::new();
    for (child, label) in started_execution_arns(&main) {
        children.push((label, history(&source, &child).await?));
    }
    let record = ExecutionRecord::from_history(execution_name(arn), main, children);
    let output = match record.outputs_archive() {
        Some(uri) => outputs(aws, &uri, progress).await,
        None => None,
    };
    Ok(AwsExecution {
        record,
        output,
        region: aws.region.clone(),
        console_url: Some(console_url(aws, arn)),
    })
}

/// The outputs archive beside `model_path` (a training job's `S3ModelArtifacts`), read,
/// for the summary; `None` (with a note) when it cannot be.
pub(crate) async fn outputs_of_model(
    aws: &Aws,
    model_path: Option<&str>,
    progress: &mut dyn Progress,
) -> Option<TrainingOutput> {
    let uri = outputs_archive(model_path?)?;
    outputs(aws, &uri, progress).await
}

/// Reads a training job's `output.tar.gz` from S3. A missing or unreadable archive is a
/// note, never the end of a report: the verdict and the timeline stand without it.
async fn outputs(aws: &Aws, uri: &str, progress: &mut dyn Progress) -> Option<TrainingOutput> {
    let note = |progress: &mut dyn Progress, why: String| {
        progress.line(&format!(
            "note: no leaderboard or feature importance: {why}"
        ));
        None
    };
    let location: S3Uri = match uri.parse() {
        Ok(location) => location,
        Err(e) => return note(progress, e.to_string()),
    };
    let object = aws
        .s3()
        .get_object()
        .bucket(&location.bucket)
        .key(&location.key)
        .send()
        .await;
    let object = match object {
        Ok(object) => object,
        Err(e) if error::code(&e) == Some("NoSuchKey") => {
            return note(
                progress,
                format!(
                    "{uri} does not exist (the training job wrote no output, or it was removed)"
                ),
            )
        }
        Err(e) => return note(progress, error::translate(&e, "s3:GetObject").to_string()),
    };
    let bytes = match object.body.collect().await {
        Ok(bytes) => bytes.into_bytes(),
        Err(e) => return note(progress, format!("reading {uri}: {e}")),
    };
    match TrainingOutput::from_archive_reader(uri, &bytes[..]) {
        Ok(output) => Some(output),
        Err(e) => note(progress, format!("{e:#}")),
    }
}
