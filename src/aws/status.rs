//! `automl status [EXECUTION]` (one execution: its states, nested executions included,
//! and the summary; `--wait` follows it to the end) and `automl executions` (the
//! executions of one of the stack's machines, newest first).

use super::config::{block_on, Aws, RegionCheck};
use super::error::{self, Explain};
use super::run::{console_url, follow, AwsHistory};
use super::stack;
use crate::commands::executions::Args as ExecutionsArgs;
use crate::commands::status::Args as StatusArgs;
use crate::commands::Global;
use crate::report::{Progress, Status};
use aws_sdk_cloudformation::primitives::DateTimeFormat;
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::json;
use std::process::ExitCode;
use std::time::Duration;

fn date(d: &aws_sdk_sfn::primitives::DateTime) -> String {
    d.fmt(DateTimeFormat::DateTime).unwrap_or_default()
}

pub fn status(args: &StatusArgs, global: &Global) -> anyhow::Result<ExitCode> {
    block_on(async {
        let aws = Aws::connect(global, RegionCheck::Stack).await?;
        let info = stack::require(&aws).await?;
        let machine = stack::machine_arn(&aws, &info, crate::stack::MachineId::Main).await?;
        let arn = match &args.execution {
            Some(e) if e.starts_with("arn:") => e.clone(),
            Some(name) => execution_arn(&machine, name),
            None => {
                let latest = aws
                    .sfn()
                    .list_executions()
                    .state_machine_arn(&machine)
                    .max_results(1)
                    .send()
                    .await
                    .explain("states:ListExecutions")?;
                match latest.executions.into_iter().next() {
                    Some(e) => e.execution_arn,
                    None => anyhow::bail!(
                        "stack `{}` has no executions yet; start one with `automl run INPUT`",
                        info.name
                    ),
                }
            }
        };
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
        if !global.json {
            println!("execution: {arn}");
            println!(
                "status:    {}, started {}{}",
                described.status.as_str(),
                date(&described.start_date),
                described
                    .stop_date
                    .as_ref()
                    .map(|d| format!(", stopped {}", date(d)))
                    .unwrap_or_default()
            );
            println!("console:   {}", console_url(&aws, &arn));
        }
        let mut progress = Progress::new(global.json);
        let source = AwsHistory { aws: &aws };
        // Without --wait: replay what has happened so far, once.
        let timeout = if args.wait {
            None
        } else {
            Some(Duration::ZERO)
        };
        let mut followed = follow(&source, &arn, &mut |e| progress.event(e), timeout).await?;
        if followed.status == Status::Running && described.status != ExecutionStatus::Running {
            // The history may lag the status by a moment; the status is authoritative.
            followed.status = Status::from_sfn(described.status.as_str());
            followed.error = described.error.clone();
            followed.cause = described.cause.clone();
            followed.output = described
                .output
                .as_deref()
                .and_then(|o| serde_json::from_str(o).ok());
        }
        let summary = followed.summary(&name);
        progress.finish(&summary);
        Ok(match followed.status {
            Status::Succeeded | Status::Running => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        })
    })
}

/// The ARN of execution `name` of a machine.
pub fn execution_arn(machine_arn: &str, name: &str) -> String {
    format!(
        "{}:{name}",
        machine_arn.replacen(":stateMachine:", ":execution:", 1)
    )
}

pub fn executions(args: &ExecutionsArgs, global: &Global) -> anyhow::Result<ExitCode> {
    block_on(async {
        let aws = Aws::connect(global, RegionCheck::Stack).await?;
        let info = stack::require(&aws).await?;
        let machine = stack::machine_arn(&aws, &info, args.machine).await?;
        let mut request = aws.sfn().list_executions().state_machine_arn(&machine);
        if let Some(status) = args.status {
            request = request.status_filter(ExecutionStatus::from(status.api_name()));
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
                executions.push(e);
            }
        }
        if global.json {
            let list: Vec<_> = executions
                .iter()
                .map(|e| {
                    json!({
                        "name": e.name,
                        "executionArn": e.execution_arn,
                        "status": e.status.as_str(),
                        "startDate": date(&e.start_date),
                        "stopDate": e.stop_date.as_ref().map(date),
                    })
                })
                .collect();
            println!(
                "{}",
                json!({ "stack": info.name, "machine": args.machine.name(), "executions": list })
            );
            return Ok(ExitCode::SUCCESS);
        }
        if executions.is_empty() {
            eprintln!(
                "no {}executions of the {} machine of stack `{}`",
                args.status
                    .map(|s| format!("{} ", s.api_name()))
                    .unwrap_or_default(),
                args.machine.name(),
                info.name
            );
            return Ok(ExitCode::SUCCESS);
        }
        let width = executions
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        println!(
            "{:<width$}  {:<9}  {:<24}  STOPPED",
            "NAME", "STATUS", "STARTED"
        );
        for e in &executions {
            println!(
                "{:<width$}  {:<9}  {:<24}  {}",
                e.name,
                e.status.as_str(),
                date(&e.start_date),
                e.stop_date.as_ref().map(date).unwrap_or_else(|| "-".into())
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn execution_arns_come_from_the_machine_arn() {
        assert_eq!(
            super::execution_arn(
                "arn:aws:states:eu-west-1:1:stateMachine:automl-MainStateMachine-X",
                "run-1"
            ),
            "arn:aws:states:eu-west-1:1:execution:automl-MainStateMachine-X:run-1"
        );
    }
}
