//! `automl stop EXECUTION`: StopExecution of one execution of the stack's machines. The
//! Train and Deploy executions a Main execution started with `states:startExecution.sync:2`
//! stop with it: Step Functions stops a `.sync` task's job when the execution running it
//! stops, and for a nested execution that job is the child (the Main role holds
//! `states:StopExecution` on the child executions for that: `crate::stack::roles`, as the
//! IAM policy Step Functions documents for StartExecution `.sync` requires — AWS Step
//! Functions Developer Guide, "IAM policies for Step Functions", StartExecution).

use super::config::{block_on, Aws, AwsConfig, RegionCheck};
use super::error::{self, Explain};
use super::stack;
use crate::stack::MachineId;
use aws_sdk_cloudformation::primitives::DateTimeFormat;
use aws_sdk_sfn::types::ExecutionStatus as SdkStatus;
use serde::Serialize;

/// Which execution to stop, and what to record as its error and cause.
pub(crate) struct StopRequest {
    /// A name (of a Main execution) or an ARN.
    pub(crate) execution: String,
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
}

/// A stopped execution.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Stopped {
    pub(crate) name: String,
    pub(crate) execution_arn: String,
    pub(crate) stop_date: String,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "stopped:   {} (ABORTED at {})",
            self.name, self.stop_date
        )?;
        writeln!(f, "execution: {}", self.execution_arn)?;
        writeln!(
            f,
            "the Train or Deploy execution it was waiting for stops with it; an endpoint already in service stays"
        )
    }
}

/// The ARN of `given` (a name of an execution of `machine`, or an ARN).
pub(crate) fn execution_arn(machine: &str, given: &str) -> String {
    if given.starts_with("arn:") {
        given.to_string()
    } else {
        crate::sfn::names::execution_arn(machine, given)
    }
}

/// DescribeExecution, with a missing execution said in words.
pub(crate) async fn describe(
    aws: &Aws,
    arn: &str,
    given: &str,
) -> anyhow::Result<aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput> {
    aws.sfn()
        .describe_execution()
        .execution_arn(arn)
        .send()
        .await
        .map_err(|e| {
            if error::code(&e) == Some("ExecutionDoesNotExist") {
                return anyhow::anyhow!(
                    "no execution `{given}` in stack `{}`; list them with `automl executions`",
                    aws.stack_name
                );
            }
            error::translate(&e, "states:DescribeExecution").into()
        })
}

pub(crate) fn date(d: &aws_sdk_sfn::primitives::DateTime) -> String {
    d.fmt(DateTimeFormat::DateTime).unwrap_or_default()
}

pub(crate) fn stop(config: &AwsConfig, request: &StopRequest) -> anyhow::Result<Stopped> {
    block_on(async {
        let aws = Aws::connect(config, RegionCheck::Stack).await?;
        let info = stack::require(&aws).await?;
        let machine = stack::machine_arn(&aws, &info, MachineId::Main).await?;
        let arn = execution_arn(&machine, &request.execution);
        let described = describe(&aws, &arn, &request.execution).await?;
        if described.status != SdkStatus::Running {
            anyhow::bail!(
                "execution `{}` is not running: it ended {}{}; there is nothing to stop",
                request.execution,
                described.status.as_str(),
                described
                    .stop_date
                    .as_ref()
                    .map(|d| format!(" at {}", date(d)))
                    .unwrap_or_default()
            );
        }
        let stopped = aws
            .sfn()
            .stop_execution()
            .execution_arn(&arn)
            .set_error(request.error.clone())
            .set_cause(request.cause.clone())
            .send()
            .await
            .explain("states:StopExecution")?;
        Ok(Stopped {
            name: described
                .name
                .unwrap_or_else(|| super::history::execution_name(&arn).to_string()),
            execution_arn: arn,
            stop_date: date(&stopped.stop_date),
        })
    })
}
