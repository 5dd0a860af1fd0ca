//! The summary and the HTML report of an execution on AWS, built from what AWS keeps of
//! it: the GetExecutionHistory of the Main execution and of the Train and Deploy
//! executions it started (the API's JSON shape), and the training job's outputs archive
//! (`output.tar.gz`, beside the model in S3). Pure: `aws::report` fetches these and this
//! builds from them the same [`Summary`] and report a local run has, so recorded
//! histories test it.

// Without the AWS SDK nothing fetches an AWS execution; the tests still build from it.
#![cfg_attr(not(feature = "aws"), allow(dead_code))]

use super::artifacts::TrainingOutput;
use super::execution::ExecutionRecord;
use super::html::{Artifact, ReportInput};
use super::results::Results;
use super::Summary;

/// What AWS keeps of one Main execution, as fetched.
#[derive(Debug, Clone)]
pub(crate) struct AwsExecution {
    pub(crate) record: ExecutionRecord,
    /// The training job's outputs archive, when there is one and it was read.
    pub(crate) output: Option<TrainingOutput>,
    pub(crate) region: String,
    /// The console page of the execution.
    pub(crate) console_url: Option<String>,
}

impl AwsExecution {
    /// `on AWS (eu-west-1)`: the report's [`ReportInput::place`].
    pub(crate) fn place(&self) -> String {
        format!("on AWS ({})", self.region)
    }

    /// The end-of-run summary: verdict, the leaderboard and features of the outputs
    /// archive, and where every artifact is.
    pub(crate) fn summary(&self) -> Summary {
        let summary = self.record.summary();
        let mut results = Results::on_aws(&summary, self.output.as_ref());
        if let Some(console) = &self.console_url {
            results.artifacts.push(Artifact {
                what: "console".into(),
                location: console.clone(),
            });
        }
        summary.with_results(results)
    }

    /// What the HTML report shows; `report` is where it is written (listed with the
    /// artifacts), `now` closes running states and counts endpoint hours.
    pub(crate) fn report_input(&self, report: Option<&str>, now: f64) -> ReportInput {
        let mut artifacts = self
            .summary()
            .results
            .map(|r| r.artifacts)
            .unwrap_or_default();
        if let Some(report) = report {
            artifacts.push(Artifact {
                what: "report".into(),
                location: report.to_string(),
            });
        }
        self.record
            .report_input(&self.place(), self.output.clone(), artifacts, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::recorded;

    /// The rejected Main execution and its Train execution, with the outputs archive of a
    /// real AutoGluon fit (`output.tar.gz` there: what `tabular_train.py` wrote for the
    /// breast-cancer set, packed as SageMaker packs `/opt/ml/output/data`).
    fn rejected(output: Option<TrainingOutput>) -> AwsExecution {
        AwsExecution {
            record: ExecutionRecord::from_history(
                "run-1",
                recorded::json("main-rejected.json"),
                vec![("Train".into(), recorded::json("train-succeeded.json"))],
            ),
            output,
            region: "eu-west-1".into(),
            console_url: Some("https://console.aws.amazon.com/states/run-1".into()),
        }
    }

    fn archive() -> TrainingOutput {
        TrainingOutput::from_archive(&recorded::path("output.tar.gz")).unwrap()
    }

    #[test]
    fn the_summary_has_the_verdict_the_leaderboard_and_the_s3_artifacts() {
        let execution = rejected(Some(archive()));
        let summary = execution.summary();
        assert_eq!(summary.error.as_deref(), Some("ModelRejected"));
        let text = summary.render();
        for needle in [
            "evaluation: accuracy = 0.9021 (threshold 0.9500): rejected",
            "leaderboard (accuracy, higher is better; 3 of 3 models):",
            "  WeightedEnsemble_L2  0.9580      0.9889",
            "most important features",
            "  worst_concave_points   0.04790",
            "  model            s3://automl-data/output/automl-run-1-train/output/model.tar.gz",
            "  outputs archive  s3://automl-data/output/automl-run-1-train/output/output.tar.gz",
            "streams automl-run-1-train/algo-*",
            "  console          https://console.aws.amazon.com/states/run-1",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
        }
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(json["results"]["leaderboard"].as_array().unwrap().len(), 3);
        assert_eq!(json["results"]["problem_type"], "binary");
        assert_eq!(json["value"], 0.9021);
    }

    #[test]
    fn without_its_archive_the_summary_still_has_the_verdict_and_artifacts() {
        let summary = rejected(None).summary();
        let text = summary.render();
        assert!(text.contains("rejected"), "{text}");
        assert!(!text.contains("leaderboard ("), "{text}");
        assert!(text.contains("outputs archive"), "{text}");
    }

    #[test]
    fn the_report_draws_the_archive_and_bills_the_histories() {
        let execution = rejected(Some(archive()));
        let html = super::super::html::render(
            &execution.report_input(Some("run-1.report.html"), 1714559000.0),
        )
        .unwrap();
        for needle in [
            "on AWS (eu-west-1)",
            "rejected",
            "WeightedEnsemble_L2",
            "worst_concave_points",
            "mean_radius",
            "2 × ml.m5.2xlarge",
            "1624 instance-seconds",
            "Train › TrainModel",
            "run-1.report.html",
            "<svg",
        ] {
            assert!(html.contains(needle), "{needle} missing");
        }
        assert!(!html.contains("<script"), "the report runs no script");
    }
}
