//! `automl redrive [EXECUTION]`: RedriveExecution of an unsuccessful execution of the
//! stack's Main machine (default: the newest failed, aborted or timed-out one). Step
//! Functions continues it from the state that did not succeed, with the same input and
//! ARN, and does not rerun the states that succeeded (botocore stepfunctions
//! service-2.json, RedriveExecution's documentation). Before it asks, this says why an
//! execution cannot be redriven in words: it succeeded, it is running, or it ended more
//! than 14 days ago ("the redrivable period of 14 days ... starts from the day a state
//! machine completes its execution", same source); AWS's own `redriveStatusReason`
//! (DescribeExecution) covers the rest. With `--wait` it follows the execution from the
//! redrive on, as `run --wait` does.
//!
//! What Step Functions does with the nested execution of the Task it reruns: the failed
//! Task (`states:startExecution.sync:2`) "reschedules and then reruns" (AWS Step
//! Functions Developer Guide, "Restarting state machine executions with redrive"), so it
//! calls StartExecution again — which would answer ExecutionAlreadyExists for the closed
//! child of the same name, so the Main machine names each attempt's child after
//! `$$.Execution.RedriveCount` (`<name>-train-r1`: `stack::machines::main::
//! child_execution_name`). Nothing here derives a child's name to find it: `status`,
//! `report` and `--wait` read the children's ARNs from the parent's history, where a
//! redriven parent lists every attempt's child in order.

use super::config::{block_on, Aws, AwsConfig, RegionCheck};
use super::error;
use super::run::{console_url, follow_from, AwsHistory};
use super::stack;
use super::stop::{date, describe, execution_arn};
use crate::report::{Progress, Started, Summary};
use crate::sfn::ExecutionStatus;
use crate::stack::machines::main::{child_execution_name, rerun_note, Child};
use crate::stack::MachineId;
use aws_sdk_sfn::types::{ExecutionRedriveStatus, ExecutionStatus as SdkStatus};
use serde::Serialize;

/// The redrivable period, from the end of an execution (RedriveExecution's documentation).
const REDRIVABLE_DAYS: i64 = 14;

/// Which execution to redrive.
pub(crate) struct RedriveRequest {
    /// A name or an ARN; `None`: the newest unsuccessful execution of the Main machine.
    pub(crate) execution: Option<String>,
    /// Follow it to its end.
    pub(crate) wait: bool,
}

/// A redrive that was started (without `--wait`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Redriven {
    pub(crate) name: String,
    pub(crate) execution_arn: String,
    pub(crate) redrive_date: String,
}

impl std::fmt::Display for Redriven {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "redriven:  {} (at {})", self.name, self.redrive_date)
    }
}

/// What the redrive did: started it, or followed it to its end.
pub(crate) enum RedriveOutcome {
    Started(Redriven),
    Followed(Summary),
}

pub(crate) fn redrive(
    config: &AwsConfig,
    request: &RedriveRequest,
    progress: &mut dyn Progress,
) -> anyhow::Result<RedriveOutcome> {
    block_on(async {
        let aws = Aws::connect(config, RegionCheck::Stack).await?;
        let info = stack::require(&aws).await?;
        let machine = stack::machine_arn(&aws, &info, MachineId::Main).await?;
        let (arn, given) = match &request.execution {
            Some(given) => (execution_arn(&machine, given), given.clone()),
            None => {
                let arn = newest_unsuccessful(&aws, &machine).await?.ok_or_else(|| {
                    anyhow::anyhow!(
                        "stack `{}` has no failed, aborted or timed-out execution to redrive",
                        info.name
                    )
                })?;
                let name = super::history::execution_name(&arn).to_string();
                (arn, name)
            }
        };
        let described = describe(&aws, &arn, &given).await?;
        let ended = described.stop_date.as_ref().map(|d| d.secs());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        if let Some(why) = not_redrivable(
            described.status.as_str(),
            ended.map(|end| now - end),
            described
                .redrive_status
                .as_ref()
                .filter(|s| **s == ExecutionRedriveStatus::NotRedrivable)
                .and(described.redrive_status_reason.as_deref()),
        ) {
            anyhow::bail!("execution `{given}` cannot be redriven: {why}");
        }
        let attempt = described.redrive_count.unwrap_or_default().max(0) as u32 + 1;
        let parent = described
            .name
            .clone()
            .unwrap_or_else(|| super::history::execution_name(&arn).to_string());
        let new_child = |child| child_execution_name(&parent, child, attempt);
        progress.line(&format!(
            "redriving {given}: it ended {}{}{}; it goes on from the state that did not succeed, with the input that state had (a rerun {} starts {}{}; a rerun {} starts {})",
            described.status.as_str(),
            described.stop_date.as_ref().map(|d| format!(" at {}", date(d))).unwrap_or_default(),
            described.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default(),
            Child::Train.state(),
            new_child(Child::Train),
            rerun_note(&info.name, &parent, Child::Train),
            Child::Deploy.state(),
            new_child(Child::Deploy),
        ));
        let last_event = last_event_id(&aws, &arn).await?;
        let redriven = aws
            .sfn()
            .redrive_execution()
            .execution_arn(&arn)
            .send()
            .await
            .map_err(|e| refused(&e, &given))?;
        let name = described
            .name
            .clone()
            .unwrap_or_else(|| super::history::execution_name(&arn).to_string());
        progress.started(&Started {
            execution_arn: arn.clone(),
            name: name.clone(),
            history: None,
            console_url: Some(console_url(&aws, &arn)),
            description: format!("redrive of {name}"),
        });
        if !request.wait {
            return Ok(RedriveOutcome::Started(Redriven {
                name,
                execution_arn: arn,
                redrive_date: date(&redriven.redrive_date),
            }));
        }
        let source = AwsHistory { aws: &aws };
        let followed = follow_from(
            &source,
            &arn,
            last_event,
            &mut |e| progress.event(e),
            None,
            &|| false,
        )
        .await?;
        Ok(RedriveOutcome::Followed(
            followed.summary_with_outputs(&aws, &name, progress).await,
        ))
    })
}

/// Why an execution with this status, ended this many seconds ago, cannot be redriven
/// (`reason`: AWS's `redriveStatusReason` when it says NOT_REDRIVABLE); `None`: it can.
pub(crate) fn not_redrivable(
    status: &str,
    ended_seconds_ago: Option<i64>,
    reason: Option<&str>,
) -> Option<String> {
    match ExecutionStatus::from_sfn(status) {
        ExecutionStatus::Succeeded => {
            return Some("it succeeded; only failed, aborted or timed-out executions are redriven (start a new one with `automl run`)".into())
        }
        ExecutionStatus::Running => {
            return Some("it is still running (stop it first with `automl stop`, or follow it with `automl status --wait`)".into())
        }
        _ => {}
    }
    if let Some(age) = ended_seconds_ago {
        let days = age / 86_400;
        if days >= REDRIVABLE_DAYS {
            return Some(format!(
                "it ended {days} days ago, and Step Functions redrives an execution only within {REDRIVABLE_DAYS} days of its end: start a new one with `automl run`"
            ));
        }
    }
    reason.map(|r| format!("Step Functions says: {r}"))
}

/// The error RedriveExecution answered, in words.
fn refused<E>(
    e: &aws_sdk_sfn::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    given: &str,
) -> anyhow::Error
where
    E: aws_sdk_sfn::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let message = error::message(e).unwrap_or_default();
    match error::code(e) {
        Some("ExecutionNotRedrivable") => anyhow::anyhow!(
            "execution `{given}` cannot be redriven: Step Functions says: {message}"
        ),
        Some("ExecutionLimitExceeded") => anyhow::anyhow!(
            "execution `{given}` cannot be redriven now: the account has as many open executions as Step Functions allows ({message}); wait for some to end and try again"
        ),
        Some("ExecutionDoesNotExist") => anyhow::anyhow!(
            "no execution `{given}` to redrive; list them with `automl executions`"
        ),
        _ => error::translate(e, "states:RedriveExecution").into(),
    }
}

/// The newest FAILED, ABORTED or TIMED_OUT execution of `machine`.
async fn newest_unsuccessful(aws: &Aws, machine: &str) -> anyhow::Result<Option<String>> {
    let mut newest: Option<(i64, String)> = None;
    for status in [SdkStatus::Failed, SdkStatus::Aborted, SdkStatus::TimedOut] {
        let listed = aws
            .sfn()
            .list_executions()
            .state_machine_arn(machine)
            .status_filter(status)
            .max_results(1)
            .send()
            .await
            .map_err(|e| error::translate(&e, "states:ListExecutions"))?;
        if let Some(e) = listed.executions.into_iter().next() {
            let started = e.start_date.secs();
            if newest.as_ref().is_none_or(|(t, _)| started > *t) {
                newest = Some((started, e.execution_arn));
            }
        }
    }
    Ok(newest.map(|(_, arn)| arn))
}

/// The id of the newest event in the execution's history (0: none).
async fn last_event_id(aws: &Aws, arn: &str) -> anyhow::Result<i64> {
    let page = aws
        .sfn()
        .get_execution_history()
        .execution_arn(arn)
        .reverse_order(true)
        .max_results(1)
        .send()
        .await
        .map_err(|e| error::translate(&e, "states:GetExecutionHistory"))?;
    Ok(page.events.first().map(|e| e.id).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn why_an_execution_is_not_redrivable_is_said_in_words() {
        assert!(not_redrivable("SUCCEEDED", Some(10), None)
            .unwrap()
            .contains("it succeeded"));
        assert!(not_redrivable("RUNNING", None, None)
            .unwrap()
            .contains("automl stop"));
        assert!(not_redrivable("FAILED", Some(15 * 86_400), None)
            .unwrap()
            .contains("ended 15 days ago"));
        assert_eq!(not_redrivable("FAILED", Some(13 * 86_400), None), None);
        assert_eq!(not_redrivable("ABORTED", Some(0), None), None);
        assert_eq!(not_redrivable("TIMED_OUT", None, None), None);
        assert_eq!(
            not_redrivable(
                "FAILED",
                Some(0),
                Some("Execution history event limit exceeded.")
            )
            .unwrap(),
            "Step Functions says: Execution history event limit exceeded."
        );
    }
}
