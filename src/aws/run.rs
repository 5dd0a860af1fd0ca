//! `automl run` on AWS: validate the input (a bad input never reaches StartExecution),
//! find the Main machine in the deployed stack, check that a pretrained model to deploy
//! exists, start the execution with the normalised
//! input, print its ARN and console URL; with `--wait`, follow it — each state as it
//! enters and leaves, the nested Train and Deploy executions included — and end with a
//! summary and an exit code that says how it went.

use super::config::{block_on, Aws, AwsConfig, RegionCheck};
use super::error::Explain;
use super::history::{self, RecordedEvent, Translator};
use super::stack::{self, Poll};
use crate::report::artifacts::TrainingOutput;
use crate::report::{Progress, Started, Summary};
use crate::s3uri::S3Uri;
use crate::sfn::{Event, ExecutionStatus};
use crate::stack::MachineId;
use serde_json::Value;
use std::time::Duration;

/// A checked execution to start on AWS.
pub(crate) struct RunRequest {
    pub(crate) name: String,
    pub(crate) normalized: crate::input::Normalized,
    /// Follow it to its end.
    pub(crate) wait: bool,
}

/// What an interrupt (Ctrl-C) while following means, as the command line decides it.
pub(crate) struct Interrupt<'a> {
    /// Called once the execution started: from then on an interrupt is noticed.
    pub(crate) arm: &'a dyn Fn(),
    /// Whether an interrupt came.
    pub(crate) requested: &'a dyn Fn() -> bool,
    /// Asked once an interrupt came: true to stop the execution (StopExecution), false to
    /// leave it running on AWS.
    pub(crate) stop: &'a mut dyn FnMut(&str) -> anyhow::Result<bool>,
}

/// How `run` ended.
pub(crate) enum RunOutcome {
    /// Started, not followed (no `--wait`).
    Started,
    /// Followed to its end (or stopped after an interrupt: `stopped`).
    Ended { summary: Summary, stopped: bool },
    /// Interrupted while following, and left running on AWS.
    LeftRunning,
}

/// Starts the execution; with `wait`, follows it and returns its summary.
pub(crate) fn run(
    config: &AwsConfig,
    request: &RunRequest,
    progress: &mut dyn Progress,
    interrupt: Interrupt,
) -> anyhow::Result<RunOutcome> {
    let (name, normalized) = (&request.name, &request.normalized);
    block_on(async {
        let aws = Aws::connect(config, RegionCheck::Stack).await?;
        let info = stack::require(&aws).await?;
        if info.busy() || info.status == "REVIEW_IN_PROGRESS" || info.status == "ROLLBACK_COMPLETE"
        {
            anyhow::bail!(
                "stack `{}` is {}: wait for it, or deploy it again with `automl deploy`",
                info.name,
                info.status
            );
        }
        let machine = stack::machine_arn(&aws, &info, MachineId::Main).await?;
        warn_outside_data_locations(&aws, &info, normalized, progress).await;
        // After the stack is known to exist, before anything starts: the data is there and
        // has the label (a ranged read of each location's first object).
        let data = super::data::check_with(&aws, normalized).await;
        for note in &data.notes {
            progress.line(&format!("note: {note}"));
        }
        if !data.problems.is_empty() {
            return Err(super::data::DataRefused {
                problems: data.problems,
            }
            .into());
        }
        super::pretrained::require_model(&aws, normalized, progress).await?;
        let started = aws
            .sfn()
            .start_execution()
            .state_machine_arn(&machine)
            .name(name)
            .input(normalized.value().to_string())
            .send()
            .await
            .map_err(|e| {
                if super::error::code(&e) == Some("ExecutionAlreadyExists") {
                    return anyhow::anyhow!(
                        "an execution named `{name}` already exists for this stack's Main machine: choose another --name"
                    );
                }
                super::error::translate(&e, "states:StartExecution").into()
            })?;
        let arn = started.execution_arn;
        let console = console_url(&aws, &arn);
        progress.started(&Started {
            execution_arn: arn.clone(),
            name: name.clone(),
            history: None,
            console_url: Some(console),
            description: normalized.describe(),
        });
        if !request.wait {
            return Ok(RunOutcome::Started);
        }
        (interrupt.arm)();
        let source = AwsHistory { aws: &aws };
        let followed = follow_from(
            &source,
            &arn,
            0,
            &mut |e| progress.event(e),
            None,
            interrupt.requested,
        )
        .await?;
        if !followed.interrupted {
            return Ok(RunOutcome::Ended {
                summary: followed.summary_with_outputs(&aws, name, progress).await,
                stopped: false,
            });
        }
        if !(interrupt.stop)(name)? {
            return Ok(RunOutcome::LeftRunning);
        }
        aws.sfn()
            .stop_execution()
            .execution_arn(&arn)
            .cause("stopped with Ctrl-C by `automl run --wait`")
            .send()
            .await
            .explain("states:StopExecution")?;
        // Its end (ABORTED), as Step Functions records it: the events up to the interrupt
        // were printed already.
        let followed = follow(&source, &arn, &mut |_| {}, Some(Duration::from_secs(60))).await?;
        Ok(RunOutcome::Ended {
            summary: followed.summary(name, None),
            stopped: true,
        })
    })
}

/// `run-20240501-120000-3f2a`: sortable, unique enough, and short enough that the
/// SageMaker names built from it fit.
pub(crate) fn console_url(aws: &Aws, execution_arn: &str) -> String {
    format!(
        "https://{}/states/home?region={}#/v2/executions/details/{execution_arn}",
        aws.console_host(),
        aws.region
    )
}

/// Warns (does not refuse) when the input points outside the S3 locations the deployed
/// stack may use: its data bucket and the `--data-uri`s it was deployed with, as recorded
/// in the template's `Metadata.automl.settings`. The execution would fail on AccessDenied.
async fn warn_outside_data_locations(
    aws: &Aws,
    info: &stack::StackInfo,
    normalized: &crate::input::Normalized,
    progress: &mut dyn Progress,
) {
    let Ok(template) = stack::template(aws, &info.id).await else {
        return;
    };
    let Some(settings) = template.pointer("/Metadata/automl/settings") else {
        return;
    };
    let mut allowed: Vec<S3Uri> = settings
        .get("data_uris")
        .and_then(Value::as_array)
        .map(|uris| {
            uris.iter()
                .filter_map(|u| u.as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let bucket = match info.outputs.get("DataBucketName") {
        Some(bucket) => Some(bucket.clone()),
        None => stack::resources(aws, &info.id)
            .await
            .ok()
            .and_then(|r| stack::physical_id(&r, "DataBucket").map(str::to_string)),
    };
    if let Some(bucket) = bucket {
        allowed.push(S3Uri {
            bucket,
            key: String::new(),
        });
    }
    let outside: Vec<String> = normalized
        .data_locations()
        .into_iter()
        .filter(|(_, uri)| !allowed.iter().any(|a| a.contains(uri)))
        .map(|(path, uri)| format!("{path} ({uri})"))
        .collect();
    if outside.is_empty() {
        return;
    }
    let allowed: Vec<String> = allowed.iter().map(ToString::to_string).collect();
    progress.line(&format!(
        "warning: stack `{}` may only use data under {}; outside it: {}. The execution will fail with \
         AccessDenied there: move the data, or redeploy with `automl deploy --data-uri s3://BUCKET/PREFIX` \
         (repeat the flags the stack was deployed with)",
        info.name,
        allowed.join(", "),
        outside.join(", ")
    ));
}

/// Where execution histories come from: AWS, or recorded fixtures in tests.
#[allow(async_fn_in_trait)]
pub(crate) trait HistorySource {
    /// Events of `arn` with an id above `after`, oldest first.
    async fn events(&self, arn: &str, after: i64) -> anyhow::Result<Vec<RecordedEvent>>;
    /// A training job's secondary status transitions so far, oldest first.
    async fn training_transitions(&self, job: &str) -> anyhow::Result<Vec<Transition>>;
}

/// One of a training job's secondary status transitions (DescribeTrainingJob's
/// `SecondaryStatusTransitions`: Starting, Downloading, Training, Uploading, ...).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Transition {
    pub(crate) status: String,
    pub(crate) message: Option<String>,
}

/// Where a training job logs: SageMaker sends each instance's output to the log group
/// `/aws/sagemaker/TrainingJobs`, stream `[training-job-name]/algo-[instance-number]-[epoch]`
/// (SageMaker Developer Guide, "Log Amazon SageMaker Events with Amazon CloudWatch",
/// logging-cloudwatch.html); `aws logs tail` takes a stream prefix (AWS CLI reference,
/// logs/tail.html: `--log-stream-name-prefix`, `--follow`).
pub(crate) fn training_log(job: &str) -> String {
    format!(
        "training log: CloudWatch Logs /aws/sagemaker/TrainingJobs, streams {job}/algo-1-… (one per instance); \
         follow it with `aws logs tail /aws/sagemaker/TrainingJobs --log-stream-name-prefix {job}/ --follow`"
    )
}

/// GetExecutionHistory, newest first, reading back only as far as the last event seen.
pub(crate) struct AwsHistory<'a> {
    pub(crate) aws: &'a Aws,
}

impl HistorySource for AwsHistory<'_> {
    async fn events(&self, arn: &str, after: i64) -> anyhow::Result<Vec<RecordedEvent>> {
        let mut events = Vec::new();
        let mut pages = self
            .aws
            .sfn()
            .get_execution_history()
            .execution_arn(arn)
            .reverse_order(true)
            .max_results(1000)
            .into_paginator()
            .send();
        'pages: while let Some(page) = pages.next().await {
            let page = page.explain("states:GetExecutionHistory")?;
            // Newest first, as asked; an emulator may ignore reverseOrder (moto's execute
            // mode answers oldest first), so stop early only on a page that is in order.
            let newest_first = match (page.events.first(), page.events.last()) {
                (Some(first), Some(last)) => first.id >= last.id,
                _ => true,
            };
            for event in &page.events {
                if event.id <= after {
                    if newest_first {
                        break 'pages;
                    }
                    continue;
                }
                events.push(history::from_sdk(event));
            }
        }
        events.sort_by_key(|e| e.id);
        Ok(events)
    }

    async fn training_transitions(&self, job: &str) -> anyhow::Result<Vec<Transition>> {
        let described = self
            .aws
            .sagemaker()
            .describe_training_job()
            .training_job_name(job)
            .send()
            .await
            .explain("sagemaker:DescribeTrainingJob")?;
        Ok(described
            .secondary_status_transitions
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| {
                Some(Transition {
                    status: t.status?.as_str().to_string(),
                    message: t.status_message.filter(|m| !m.is_empty()),
                })
            })
            .collect())
    }
}

/// How a followed execution ended (or where it was when following stopped).
#[derive(Debug, Clone)]
pub(crate) struct Followed {
    pub(crate) status: ExecutionStatus,
    pub(crate) output: Option<Value>,
    pub(crate) last_input: Option<Value>,
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
    /// Following stopped because of an interrupt (Ctrl-C), the execution still running.
    pub(crate) interrupted: bool,
}

impl Followed {
    /// The summary: from the output when it succeeded, else from the last data it had;
    /// with the leaderboard and importance of `output`, the training job's outputs archive.
    pub(crate) fn summary(&self, name: &str, output: Option<&TrainingOutput>) -> Summary {
        let data = match self.status {
            ExecutionStatus::Succeeded => self.output.as_ref(),
            _ => self.last_input.as_ref().or(self.output.as_ref()),
        };
        let summary = Summary::from_data(name, self.status, data.unwrap_or(&Value::Null))
            .with_failure(self.error.clone(), self.cause.clone());
        let results = crate::report::results::Results::on_aws(&summary, output);
        summary.with_results(results)
    }

    /// [`Followed::summary`] with the training job's outputs archive read from S3 (a note
    /// through `progress` when it cannot be).
    pub(crate) async fn summary_with_outputs(
        &self,
        aws: &Aws,
        name: &str,
        progress: &mut dyn Progress,
    ) -> Summary {
        let model = self.summary(name, None).model_path;
        let output = super::report::outputs_of_model(aws, model.as_deref(), progress).await;
        self.summary(name, output.as_ref())
    }
}

/// Follows an execution and the nested executions it starts (one level deep), printing
/// events in time order, until the top execution ends or `timeout` passes.
pub(crate) async fn follow<S: HistorySource>(
    source: &S,
    arn: &str,
    on_event: &mut impl FnMut(&Event),
    timeout: Option<Duration>,
) -> anyhow::Result<Followed> {
    follow_from(source, arn, 0, on_event, timeout, &|| false).await
}

/// [`follow`], from the events after id `after` of the top execution (a redriven
/// execution: what happens after the redrive), until it ends, `timeout` passes or
/// `interrupted` says so (then the status is `Running` and `interrupted` is set).
pub(crate) async fn follow_from<S: HistorySource>(
    source: &S,
    arn: &str,
    after: i64,
    on_event: &mut impl FnMut(&Event),
    timeout: Option<Duration>,
    interrupted: &dyn Fn() -> bool,
) -> anyhow::Result<Followed> {
    let mut followers: Vec<(Translator, i64)> = vec![(Translator::new(0, arn), after)];
    // Training jobs followed: how many of their transitions were shown (None: their
    // progress cannot be read, said once).
    let mut jobs: Vec<(String, Option<usize>)> = Vec::new();
    let mut poll = Poll::new();
    loop {
        // Events of every execution followed, merged by time.
        let mut queue: Vec<(usize, RecordedEvent)> = Vec::new();
        for (index, (_, last)) in followers.iter().enumerate() {
            for event in source.events(&followers[index].0.arn, *last).await? {
                queue.push((index, event));
            }
        }
        sort(&mut queue);
        while !queue.is_empty() {
            let (index, event) = queue.remove(0);
            let (translator, last) = &mut followers[index];
            *last = (*last).max(event.id);
            for e in translator.feed(&event) {
                on_event(&e);
            }
            // A nested execution just started: read its events now, so they print in order.
            let children: Vec<String> = std::mem::take(&mut translator.children);
            let depth = translator.depth;
            for child in children {
                if depth >= 1 {
                    continue;
                }
                let index = followers.len();
                followers.push((Translator::new(depth + 1, &child), 0));
                let events = source.events(&child, 0).await?;
                if let Some(max) = events.iter().map(|e| e.id).max() {
                    followers[index].1 = max;
                }
                queue.extend(events.into_iter().map(|e| (index, e)));
                sort(&mut queue);
            }
        }
        for (translator, _) in &followers {
            let Some(job) = &translator.training_job else {
                continue;
            };
            let index = match jobs.iter().position(|(j, _)| j == job) {
                Some(index) => index,
                None => {
                    on_event(&Event::TaskProgress {
                        text: training_log(job),
                    });
                    jobs.push((job.clone(), Some(0)));
                    jobs.len() - 1
                }
            };
            let Some(shown) = jobs[index].1 else {
                continue;
            };
            match source.training_transitions(job).await {
                Ok(transitions) => {
                    for t in transitions.iter().skip(shown) {
                        let message = t
                            .message
                            .as_deref()
                            .map(|m| format!(": {m}"))
                            .unwrap_or_default();
                        on_event(&Event::TaskProgress {
                            text: format!("SageMaker {job}: {}{message}", t.status),
                        });
                    }
                    jobs[index].1 = Some(shown.max(transitions.len()));
                }
                Err(error) => {
                    on_event(&Event::TaskProgress {
                        text: format!(
                            "cannot follow training job {job} (its progress is not shown): {error:#}"
                        ),
                    });
                    jobs[index].1 = None;
                }
            }
        }
        let main = &followers[0].0;
        if let Some(status) = main.status {
            return Ok(Followed {
                status,
                output: main.output.clone(),
                last_input: main.last_input.clone(),
                error: main.error.clone(),
                cause: main.cause.clone(),
                interrupted: false,
            });
        }
        let stop_here = interrupted();
        if stop_here || timeout.is_some_and(|t| poll.elapsed() >= t) {
            return Ok(Followed {
                status: ExecutionStatus::Running,
                output: None,
                last_input: main.last_input.clone(),
                error: None,
                cause: None,
                interrupted: stop_here,
            });
        }
        // The poll's pause, cut short by an interrupt.
        let waited = poll.wait();
        tokio::pin!(waited);
        loop {
            tokio::select! {
                _ = &mut waited => break,
                _ = tokio::time::sleep(Duration::from_millis(100)) => {
                    if interrupted() {
                        break;
                    }
                }
            }
        }
    }
}

fn sort(queue: &mut [(usize, RecordedEvent)]) {
    queue.sort_by(|(ia, a), (ib, b)| {
        a.timestamp
            .total_cmp(&b.timestamp)
            .then(ia.cmp(ib))
            .then(a.id.cmp(&b.id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    /// Histories replayed from fixtures, revealed a few events per call as a live
    /// execution would.
    struct Recorded {
        histories: BTreeMap<String, Vec<RecordedEvent>>,
        calls: Mutex<usize>,
    }

    impl HistorySource for Recorded {
        async fn events(&self, arn: &str, after: i64) -> anyhow::Result<Vec<RecordedEvent>> {
            let mut calls = self.calls.lock().unwrap();
            *calls += 1;
            let visible = *calls * 3;
            Ok(self
                .histories
                .get(arn)
                .map(|h| {
                    h.iter()
                        .filter(|e| e.id > after)
                        .take(visible)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default())
        }

        async fn training_transitions(&self, _job: &str) -> anyhow::Result<Vec<Transition>> {
            Ok(Vec::new())
        }
    }

    use super::history::fixture;

    const MAIN: &str =
        "arn:aws:states:eu-west-1:123456789012:execution:automl-MainStateMachine-X:run-1";
    const TRAIN: &str =
        "arn:aws:states:eu-west-1:123456789012:execution:automl-TrainStateMachine-Y:run-1-train";

    /// Ctrl-C while following an execution that does not end: following stops (within a
    /// poll's slice, not the poll's whole pause), the execution still running.
    #[test]
    fn an_interrupt_stops_following_a_running_execution() {
        let mut running = fixture("main-rejected.json");
        running.truncate(4);
        let source = Recorded {
            histories: BTreeMap::from([(MAIN.to_string(), running)]),
            calls: Mutex::new(0),
        };
        let asked = std::cell::Cell::new(0);
        let interrupted = || {
            asked.set(asked.get() + 1);
            asked.get() > 30
        };
        let started = std::time::Instant::now();
        let followed = block_on(follow_from(
            &source,
            MAIN,
            0,
            &mut |_| {},
            None,
            &interrupted,
        ))
        .unwrap();
        assert!(followed.interrupted);
        assert_eq!(followed.status, ExecutionStatus::Running);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        // Without an interrupt the same history is followed on (here: until a timeout).
        let followed = block_on(follow(
            &source,
            MAIN,
            &mut |_| {},
            Some(Duration::from_millis(500)),
        ))
        .unwrap();
        assert!(!followed.interrupted);
    }

    #[test]
    fn follows_nested_executions_and_summarises_a_rejection() {
        let mut train = fixture("train-failed.json");
        // Shift the nested history into the parent's TrainModel window (it starts at event 7).
        for e in &mut train {
            e.timestamp = 1_714_557_608.0 + e.id as f64;
        }
        // This Train history failed; the Main fixture's Train succeeded: only order matters here.
        let source = Recorded {
            histories: BTreeMap::from([
                (MAIN.to_string(), fixture("main-rejected.json")),
                (TRAIN.to_string(), train),
            ]),
            calls: Mutex::new(0),
        };
        let mut seen: Vec<String> = Vec::new();
        let mut record = |e: &Event| {
            seen.push(match e {
                Event::StateEntered { machine, state, .. } => format!("{machine} > {state}"),
                Event::StateSucceeded { machine, state, .. } => format!("{machine} ok {state}"),
                Event::StateFailed { machine, state, .. } => format!("{machine} FAILED {state}"),
                Event::ExecutionStarted { machine, .. } => format!("{machine} started"),
                Event::ExecutionEnded {
                    machine, status, ..
                } => format!("{machine} {status:?}"),
                Event::TaskProgress { text } => text.clone(),
            })
        };
        let followed = block_on(follow(
            &source,
            MAIN,
            &mut record,
            Some(Duration::from_secs(30)),
        ))
        .unwrap();
        let at = |line: &str| {
            seen.iter()
                .position(|s| s == line)
                .unwrap_or_else(|| panic!("no {line:?} in {seen:#?}"))
        };
        // The nested execution prints inside its parent's TrainModel state, in time order.
        assert!(at("Main > TrainModel") < at("Train started"));
        assert!(at("Train started") < at("Train FAILED TrainModel"));
        assert!(at("Train Failed") < at("Main ok TrainModel"));
        assert_eq!(seen.last().map(String::as_str), Some("Main Failed"));
        assert_eq!(followed.status, ExecutionStatus::Failed);
        let summary = followed.summary("run-1", None);
        assert_eq!(summary.is_valid, Some(false));
        assert_eq!(summary.value, Some(0.9021));
        assert_eq!(summary.model_name.as_deref(), Some("automl-run-1-train"));
        assert_eq!(summary.error.as_deref(), Some("ModelRejected"));
        assert!(
            summary
                .render()
                .contains("accuracy = 0.9021 (threshold 0.9500): rejected"),
            "{}",
            summary.render()
        );
        assert!(!summary.succeeded());
    }

    /// The Main and Train histories held at the training job's submission until the job
    /// has reported its transitions, two more (and the old ones again) per call.
    struct Training {
        histories: BTreeMap<String, Vec<RecordedEvent>>,
        transitions: Vec<Transition>,
        calls: Mutex<usize>,
    }

    impl HistorySource for Training {
        async fn events(&self, arn: &str, after: i64) -> anyhow::Result<Vec<RecordedEvent>> {
            let open = *self.calls.lock().unwrap() >= 3;
            // Main's TaskSubmitted of the Train execution is event 7, Train's TaskSubmitted
            // of the training job event 9.
            let held = if arn == MAIN { 7 } else { 9 };
            Ok(self.histories[arn]
                .iter()
                .filter(|e| e.id > after && (open || e.id <= held))
                .cloned()
                .collect())
        }

        async fn training_transitions(&self, job: &str) -> anyhow::Result<Vec<Transition>> {
            assert_eq!(job, "automl-run-1-train");
            let mut calls = self.calls.lock().unwrap();
            *calls += 1;
            Ok(self.transitions[..(*calls * 2).min(self.transitions.len())].to_vec())
        }
    }

    #[test]
    fn a_training_job_shows_each_secondary_status_once_and_its_log_stream() {
        let transition = |status: &str, message: &str| Transition {
            status: status.into(),
            message: Some(message.into()),
        };
        let source = Training {
            histories: BTreeMap::from([
                (MAIN.to_string(), fixture("main-rejected.json")),
                (TRAIN.to_string(), fixture("train-succeeded.json")),
            ]),
            // As DescribeTrainingJob words them (SageMaker API reference, SecondaryStatusTransition).
            transitions: vec![
                transition("Starting", "Preparing the instances for training"),
                transition("Downloading", "Downloading input data"),
                transition(
                    "Training",
                    "Training image download completed. Training in progress.",
                ),
                transition("Uploading", "Uploading generated training model"),
            ],
            calls: Mutex::new(0),
        };
        let mut seen: Vec<String> = Vec::new();
        let mut record = |e: &Event| match e {
            Event::TaskProgress { text } => seen.push(text.clone()),
            Event::StateEntered { machine, state, .. } => seen.push(format!("{machine} > {state}")),
            Event::StateSucceeded { machine, state, .. } => {
                seen.push(format!("{machine} ok {state}"))
            }
            _ => {}
        };
        let followed = block_on(follow(
            &source,
            MAIN,
            &mut record,
            Some(Duration::from_secs(30)),
        ))
        .unwrap();
        assert_eq!(followed.status, ExecutionStatus::Failed);
        let from = seen.iter().position(|s| s == "Train > TrainModel").unwrap();
        let to = seen
            .iter()
            .position(|s| s == "Train ok TrainModel")
            .unwrap();
        let during: Vec<&str> = seen[from + 1..to].iter().map(String::as_str).collect();
        assert_eq!(
            during,
            [
                training_log("automl-run-1-train").as_str(),
                "SageMaker automl-run-1-train: Starting: Preparing the instances for training",
                "SageMaker automl-run-1-train: Downloading: Downloading input data",
                "SageMaker automl-run-1-train: Training: Training image download completed. Training in progress.",
                "SageMaker automl-run-1-train: Uploading: Uploading generated training model",
            ],
            "{seen:#?}"
        );
        assert!(during[0].contains(
            "aws logs tail /aws/sagemaker/TrainingJobs --log-stream-name-prefix automl-run-1-train/ --follow"
        ));
        // Once the job's task ended, nothing asks for its progress again.
        assert_eq!(*source.calls.lock().unwrap(), 3);
    }

    /// DescribeTrainingJob through the real SDK against moto, which records a job's
    /// first transition (Starting) only: the parsing, not SageMaker's sequence.
    #[test]
    fn transitions_are_read_with_describe_training_job() {
        let moto = automl_testkit::Moto::start();
        block_on(async {
            let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .endpoint_url(moto.endpoint())
                .region(aws_config::Region::new(automl_testkit::REGION))
                .credentials_provider(aws_sdk_s3::config::Credentials::new(
                    "testing", "testing", None, None, "test",
                ))
                .load()
                .await;
            let aws = Aws {
                sdk,
                region: automl_testkit::REGION.into(),
                stack_name: "automl".into(),
            };
            use aws_sdk_sagemaker::types::{
                AlgorithmSpecification, OutputDataConfig, ResourceConfig, StoppingCondition,
                TrainingInputMode, TrainingInstanceType,
            };
            aws.sagemaker()
                .create_training_job()
                .training_job_name("automl-t-train")
                .role_arn("arn:aws:iam::123456789012:role/automl-SageMakerExecutionRole-A")
                .algorithm_specification(
                    AlgorithmSpecification::builder()
                        .training_image("763104351884.dkr.ecr.eu-west-1.amazonaws.com/autogluon-training:1.4.0-cpu-py311")
                        .training_input_mode(TrainingInputMode::File)
                        .build(),
                )
                .output_data_config(
                    OutputDataConfig::builder().s3_output_path("s3://automl-data/output").build(),
                )
                .resource_config(
                    ResourceConfig::builder()
                        .instance_type(TrainingInstanceType::MlM5Xlarge)
                        .instance_count(1)
                        .volume_size_in_gb(30)
                        .build(),
                )
                .stopping_condition(StoppingCondition::builder().max_runtime_in_seconds(3600).build())
                .send()
                .await
                .unwrap();
            let source = AwsHistory { aws: &aws };
            let transitions = source.training_transitions("automl-t-train").await.unwrap();
            assert_eq!(
                transitions,
                [Transition {
                    status: "Starting".into(),
                    message: Some("Preparing the instances for training".into()),
                }]
            );
            let error = source
                .training_transitions("no-such-job")
                .await
                .unwrap_err();
            assert!(
                format!("{error:#}").contains("sagemaker:DescribeTrainingJob"),
                "{error:#}"
            );
        });
    }
}
