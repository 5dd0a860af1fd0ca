//! `automl status [EXECUTION]` (one execution: its states, nested executions included,
//! and the summary; `--wait` follows it to the end) and `automl executions` (the
//! executions of one of the stack's machines, newest first).

use super::config::{block_on, Aws, AwsConfig, RegionCheck};
use super::error::{self, Explain};
use super::run::{console_url, follow, AwsHistory};
use super::stack;
use crate::report::{Progress, Summary};
use crate::sfn::ExecutionStatus;
use crate::stack::MachineId;
use aws_sdk_cloudformation::primitives::DateTimeFormat;
use aws_sdk_sfn::types::ExecutionStatus as SdkStatus;
use serde::Serialize;
use std::time::Duration;

fn date(d: &aws_sdk_sfn::primitives::DateTime) -> String {
    d.fmt(DateTimeFormat::DateTime).unwrap_or_default()
}

/// Which execution `automl status` shows.
pub(crate) struct StatusRequest {
    /// A name or an ARN; `None`: the latest.
    pub(crate) execution: Option<String>,
    /// Follow it until it ends.
    pub(crate) wait: bool,
}

/// Shows one execution's states as events and returns its summary.
pub(crate) fn status(
    config: &AwsConfig,
    args: &StatusRequest,
    progress: &mut dyn Progress,
) -> anyhow::Result<Summary> {
    block_on(async {
        let aws = Aws::connect(config, RegionCheck::Stack).await?;
        let info = stack::require(&aws).await?;
        let arn = super::report::main_execution_arn(&aws, args.execution.as_deref()).await?;
        let described = aws
            .sfn()
            .describe_execution()
            .execution_arn(&arn)
            .send()
            .await
            .map_err(|e| {
                if error::code(&e) == Some("ExecutionDoesNotExist") {
                    return anyhow::anyhow!(
                        "no execution `{}` in stack `{}`; list them with `automl executions`",
                        args.execution.as_deref().unwrap_or(&arn),
                        info.name
                    );
                }
                error::translate(&e, "states:DescribeExecution").into()
            })?;
        let name = described
            .name
            .clone()
            .unwrap_or_else(|| super::history::execution_name(&arn).to_string());
        progress.output(&format!("execution: {arn}"));
        progress.output(&format!(
            "status:    {}, started {}{}",
            described.status.as_str(),
            date(&described.start_date),
            described
                .stop_date
                .as_ref()
                .map(|d| format!(", stopped {}", date(d)))
                .unwrap_or_default()
        ));
        progress.output(&format!("console:   {}", console_url(&aws, &arn)));
        let source = AwsHistory { aws: &aws };
        // Without --wait: replay what has happened so far, once.
        let timeout = if args.wait {
            None
        } else {
            Some(Duration::ZERO)
        };
        let mut followed = follow(&source, &arn, &mut |e| progress.event(e), timeout).await?;
        if followed.status == ExecutionStatus::Running && described.status != SdkStatus::Running {
            // The history may lag the status by a moment; the status is authoritative.
            followed.status = ExecutionStatus::from_sfn(described.status.as_str());
            followed.error = described.error.clone();
            followed.cause = described.cause.clone();
            followed.output = described
                .output
                .as_deref()
                .and_then(|o| serde_json::from_str(o).ok());
        }
        Ok(followed.summary_with_outputs(&aws, &name, progress).await)
    })
}

/// Which executions `automl executions` lists.
pub(crate) struct ExecutionsRequest {
    pub(crate) machine: MachineId,
    pub(crate) status: Option<ExecutionStatus>,
    pub(crate) max: u32,
}

/// One execution of a list.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExecutionItem {
    pub(crate) name: String,
    pub(crate) execution_arn: String,
    pub(crate) status: String,
    pub(crate) start_date: String,
    pub(crate) stop_date: Option<String>,
}

/// The executions of one machine, newest first.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ExecutionList {
    pub(crate) stack: String,
    pub(crate) machine: &'static str,
    pub(crate) executions: Vec<ExecutionItem>,
    #[serde(skip)]
    pub(crate) status_filter: Option<ExecutionStatus>,
}

impl std::fmt::Display for ExecutionList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.executions.is_empty() {
            // Said on stdout as a result would be; the command line prints it on stderr.
            return Ok(());
        }
        let width = self
            .executions
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        writeln!(
            f,
            "{:<width$}  {:<9}  {:<24}  STOPPED",
            "NAME", "STATUS", "STARTED"
        )?;
        for e in &self.executions {
            writeln!(
                f,
                "{:<width$}  {:<9}  {:<24}  {}",
                e.name,
                e.status,
                e.start_date,
                e.stop_date.as_deref().unwrap_or("-")
            )?;
        }
        Ok(())
    }
}

impl ExecutionList {
    /// What to say when the list is empty.
    pub(crate) fn empty_note(&self) -> String {
        format!(
            "no {}executions of the {} machine of stack `{}`",
            self.status_filter
                .map(|s| format!("{} ", s.api_name()))
                .unwrap_or_default(),
            self.machine,
            self.stack
        )
    }
}

pub(crate) fn executions(
    config: &AwsConfig,
    args: &ExecutionsRequest,
) -> anyhow::Result<ExecutionList> {
    block_on(async {
        let aws = Aws::connect(config, RegionCheck::Stack).await?;
        let info = stack::require(&aws).await?;
        let machine = stack::machine_arn(&aws, &info, args.machine).await?;
        let mut request = aws.sfn().list_executions().state_machine_arn(&machine);
        if let Some(status) = args.status {
            request = request.status_filter(SdkStatus::from(status.api_name()));
        }
        let max = args.max as usize;
        let mut pages = request
            .into_paginator()
            .page_size(args.max.min(1000) as i32)
            .send();
        let mut executions = Vec::new();
        'pages: while let Some(page) = pages.next().await {
            for e in page.explain("states:ListExecutions")?.executions {
                if executions.len() >= max {
                    break 'pages;
                }
                executions.push(ExecutionItem {
                    name: e.name.clone(),
                    execution_arn: e.execution_arn.clone(),
                    status: e.status.as_str().to_string(),
                    start_date: date(&e.start_date),
                    stop_date: e.stop_date.as_ref().map(date),
                });
            }
        }
        Ok(ExecutionList {
            stack: info.name.clone(),
            machine: args.machine.name(),
            executions,
            status_filter: args.status,
        })
    })
}

#[cfg(test)]
mod tests {}
