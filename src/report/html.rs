//! The self-contained HTML report of one execution: verdict, leaderboard, feature
//! importance, confusion matrix or predicted-against-actual and residuals, the data
//! summary, the timeline and what AWS bills. A `minijinja` template (report.html.j2,
//! compiled into the binary) around inline SVG charts (charts.rs): no script, no font,
//! nothing fetched, so the file opens anywhere.

use super::artifacts::TrainingOutput;
use super::charts;
use super::numbers::{duration, sig4};
use super::timeline::{StepOutcome, Timeline};
use anyhow::{Context, Result};
use serde::Serialize;
use std::fmt;

const TEMPLATE: &str = include_str!("report.html.j2");
/// [`ReportInput::place`] of a local run.
pub(crate) const LOCAL: &str = "locally";
/// The chart shows this many features; the table shows them all.
const CHART_FEATURES: usize = 20;

/// The evaluation Lambda's verdict.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct Evaluation {
    pub(crate) metric: String,
    pub(crate) value: f64,
    pub(crate) threshold: Option<f64>,
    pub(crate) is_valid: Option<bool>,
}

/// Where one artifact is: a path or an S3 URI.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct Artifact {
    pub(crate) what: String,
    pub(crate) location: String,
}

/// A report written.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ReportWritten {
    pub(crate) execution: String,
    pub(crate) path: String,
    pub(crate) bytes: usize,
}

impl fmt::Display for ReportWritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "report of {}: {} (open it in a browser; it needs no network)",
            self.execution, self.path
        )
    }
}

/// Everything one report shows, gathered by the caller (local state or AWS).
#[derive(Debug, Clone, Default)]
pub(crate) struct ReportInput {
    pub(crate) execution: String,
    /// `locally` or `on AWS (eu-west-1)`.
    pub(crate) place: String,
    /// `Succeeded`, `Failed`, ...
    pub(crate) status: String,
    pub(crate) error: Option<String>,
    pub(crate) evaluation: Option<Evaluation>,
    pub(crate) scores: Vec<(String, f64)>,
    pub(crate) output: Option<TrainingOutput>,
    pub(crate) timeline: Timeline,
    pub(crate) artifacts: Vec<Artifact>,
    /// Seconds since the epoch (running states and endpoint hours are counted to it).
    pub(crate) now: f64,
}

#[derive(Serialize)]
struct Row {
    model: String,
    score_test: String,
    score_val: String,
    fit_time: String,
    pred_time_test: String,
    stack_level: String,
    model_type: String,
    best: bool,
}

#[derive(Serialize)]
struct Feature {
    feature: String,
    importance: String,
    stddev: String,
    p_value: String,
}

#[derive(Serialize)]
struct Column {
    name: String,
    role: String,
    kind: String,
    missing: String,
    missing_test: String,
    distinct: String,
    min: String,
    mean: String,
    max: String,
}

fn opt(value: Option<f64>) -> String {
    value.map(sig4).unwrap_or_else(|| "–".into())
}

fn seconds(value: Option<f64>) -> String {
    value
        .map(|v| format!("{} s", sig4(v)))
        .unwrap_or_else(|| "–".into())
}

fn clock(epoch: f64) -> String {
    let nanos = (epoch * 1e9) as i128;
    let text = crate::sfn::time::Timestamp(nanos).to_rfc3339();
    // 2024-05-01T10:00:01.000Z -> 2024-05-01 10:00:01 UTC
    format!("{} {} UTC", &text[..10], &text[11..19])
}

/// The verdict's word and its CSS class.
fn verdict(input: &ReportInput) -> (String, String) {
    match input.evaluation.as_ref().and_then(|e| e.is_valid) {
        Some(true) => ("accepted".into(), "accepted".into()),
        Some(false) => ("rejected".into(), "rejected".into()),
        None => {
            let status = input.status.to_lowercase();
            (input.status.clone(), status.replace(' ', "-"))
        }
    }
}

/// Renders the report as one HTML document.
pub(crate) fn render(input: &ReportInput) -> Result<String> {
    let output = input.output.as_ref();
    let summary = output.and_then(|o| o.summary.as_ref());
    let metric = summary
        .map(|s| s.eval_metric.clone())
        .or_else(|| input.evaluation.as_ref().map(|e| e.metric.clone()))
        .unwrap_or_else(|| "score".into());
    let best_model = summary.map(|s| s.best_model.clone());

    let board = output.map(|o| o.leaderboard.as_slice()).unwrap_or_default();
    let leaderboard: Vec<Row> = board
        .iter()
        .map(|r| Row {
            model: r.model.clone(),
            score_test: opt(r.score_test),
            score_val: opt(r.score_val),
            fit_time: seconds(r.fit_time),
            pred_time_test: seconds(r.pred_time_test),
            stack_level: r.stack_level.map(|l| l.to_string()).unwrap_or_default(),
            model_type: r.model_type.clone().unwrap_or_default(),
            best: Some(&r.model) == best_model.as_ref(),
        })
        .collect();
    let leaderboard_chart = if board.is_empty() {
        String::new()
    } else {
        charts::leaderboard(board, &metric)?
    };

    let ranked = output.map(|o| o.importance.as_slice()).unwrap_or_default();
    let importance: Vec<Feature> = ranked
        .iter()
        .map(|r| Feature {
            feature: r.feature.clone(),
            importance: sig4(r.importance),
            stddev: opt(r.stddev),
            p_value: opt(r.p_value),
        })
        .collect();
    let importance_chart = if ranked.is_empty() {
        String::new()
    } else {
        charts::importance(&ranked[..ranked.len().min(CHART_FEATURES)])?
    };

    let (mut confusion_chart, mut scatter_chart, mut residuals_chart) =
        (String::new(), String::new(), String::new());
    if let (Some(predictions), Some(summary)) =
        (output.and_then(|o| o.predictions.as_ref()), summary)
    {
        match &summary.class_labels {
            Some(classes) if !classes.is_empty() => {
                let classes: Vec<String> = classes
                    .iter()
                    .map(|c| {
                        c.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| c.to_string())
                    })
                    .collect();
                confusion_chart = charts::confusion(predictions, &classes)?;
            }
            _ if summary.problem_type == "regression" => {
                (scatter_chart, residuals_chart) = charts::regression(predictions)?;
            }
            _ => {}
        }
    }

    let data = output.and_then(|o| o.data.as_ref()).map(|d| {
        let test = d.test.as_ref();
        let columns: Vec<Column> = d
            .train
            .column_summaries
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                role: c.role.clone(),
                kind: c.kind.clone(),
                missing: c.missing.to_string(),
                missing_test: test
                    .and_then(|t| t.column_summaries.iter().find(|t| t.name == c.name))
                    .map(|t| t.missing.to_string())
                    .unwrap_or_else(|| "–".into()),
                distinct: c.distinct.to_string(),
                min: opt(c.min),
                mean: opt(c.mean),
                max: opt(c.max),
            })
            .collect();
        minijinja::context! {
            label => d.label,
            train_rows => d.train.rows,
            train_columns => d.train.columns,
            train_files => d.train.files.join(", "),
            test_rows => test.map(|t| t.rows),
            test_files => test.map(|t| t.files.join(", ")),
            columns => columns,
        }
    });

    let hosts = summary.and_then(|s| s.hosts.as_ref()).map(|cluster| {
        let rows: Vec<minijinja::Value> = cluster
            .per_host
            .iter()
            .map(|(host, work)| {
                minijinja::context! {
                    host => host, head => *host == cluster.head, folds => work.folds,
                    fold_seconds => sig4(work.fold_seconds), models => work.models.join(", "),
                    parallel_model_fits => work.parallel_model_fits,
                    importance_features => work.importance_features,
                    importance_seconds => sig4(work.importance_seconds),
                }
            })
            .collect();
        minijinja::context! {
            count => cluster.per_host.len(),
            formed => cluster.formed_seconds.map(duration),
            sync => match cluster.sync.as_deref() {
                Some("shared_dir") => "a shared directory",
                Some("s3") => "an S3 prefix of the job",
                _ => "",
            },
            rows => rows,
        }
    });

    let timeline = &input.timeline;
    let origin = timeline
        .started
        .or_else(|| timeline.steps.first().map(|s| s.started))
        .unwrap_or(input.now);
    let steps: Vec<minijinja::Value> = timeline
        .steps
        .iter()
        .map(|s| {
            minijinja::context! {
                label => format!("{}{} › {}", "\u{a0}\u{a0}\u{a0}\u{a0}".repeat(s.depth), s.machine, s.state),
                kind => s.kind,
                offset => duration((s.started - origin).max(0.0)),
                duration => s.seconds.map(duration).unwrap_or_else(|| "running".into()),
                outcome => match s.outcome { StepOutcome::Succeeded => "succeeded", StepOutcome::Failed => "failed", StepOutcome::Running => "running" },
            }
        })
        .collect();
    let timeline_chart = if timeline.steps.is_empty() {
        String::new()
    } else {
        charts::timeline(&timeline.steps, origin, input.now)?
    };
    let total = timeline
        .ended
        .or(Some(input.now))
        .map(|end| duration((end - origin).max(0.0)));
    let training_bills: Vec<minijinja::Value> = timeline
        .training
        .iter()
        .map(|t| {
            minijinja::context! {
                job => t.job, instance_count => t.instance_count,
                instance_type => t.instance_type.clone().unwrap_or_else(|| "?".into()),
                billable => t.billable_seconds, instance_seconds => t.instance_seconds,
            }
        })
        .collect();
    let endpoints: Vec<minijinja::Value> = timeline
        .endpoints
        .iter()
        .map(|e| {
            minijinja::context! {
                endpoint => e.endpoint, instance_count => e.instance_count,
                created => clock(e.created), hours => sig4(e.instance_hours),
            }
        })
        .collect();

    let (verdict, verdict_class) = verdict(input);
    let evaluation = input.evaluation.as_ref().map(|e| {
        minijinja::context! { metric => e.metric, value => sig4(e.value), threshold => e.threshold.map(sig4) }
    });
    let scores: Vec<minijinja::Value> = input
        .scores
        .iter()
        .map(|(name, value)| minijinja::context! { name => name, value => sig4(*value) })
        .collect();
    let problem = summary.map(|s| {
        let classes = s
            .class_labels
            .as_ref()
            .map(|c| format!(" ({} classes)", c.len()))
            .unwrap_or_default();
        format!("{} of {}{classes}", s.problem_type, s.label)
    });

    let mut env = minijinja::Environment::new();
    env.add_template("report.html", TEMPLATE)
        .context("the report template")?;
    let template = env
        .get_template("report.html")
        .context("the report template")?;
    template
        .render(minijinja::context! {
            version => env!("CARGO_PKG_VERSION"),
            execution => input.execution,
            place => input.place,
            status => input.status,
            error => input.error,
            started => timeline.started.map(clock),
            total => total,
            problem => problem,
            verdict => verdict,
            verdict_class => verdict_class,
            evaluation => evaluation,
            scores => scores,
            best_model => best_model,
            metric => metric,
            leaderboard => leaderboard,
            leaderboard_chart => leaderboard_chart,
            importance => importance,
            importance_hidden => ranked.len().saturating_sub(CHART_FEATURES),
            chart_features => CHART_FEATURES,
            has_test_scores => board.iter().any(|r| r.score_test.is_some()),
            importance_chart => importance_chart,
            confusion_chart => confusion_chart,
            scatter_chart => scatter_chart,
            residuals_chart => residuals_chart,
            data => data,
            hosts => hosts,
            steps => steps,
            timeline_chart => timeline_chart,
            training_bills => training_bills,
            endpoints => endpoints,
            artifacts => input.artifacts,
            generated => clock(input.now),
            billing_heading => if input.place == LOCAL {
                "Instance time (what the same jobs would bill on SageMaker)"
            } else {
                "What AWS bills"
            },
        })
        .context("rendering the report")
}
