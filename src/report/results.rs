//! What the end-of-run summary shows beside the verdict: the top of the test-set
//! leaderboard, the most important features, and one aligned list of where each artifact
//! is. `Serialize` for `--json` (all of it), `Display` for people (the top of it).

use super::artifacts::{Cluster, Importance, LeaderboardRow, TrainingOutput};
use super::html::Artifact;
use super::numbers::sig4;
use serde::Serialize;
use std::fmt;

/// Rows of the leaderboard and features the text shows (JSON has them all).
const TOP_MODELS: usize = 5;
const TOP_FEATURES: usize = 5;

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub(crate) struct Results {
    pub(crate) problem_type: Option<String>,
    pub(crate) eval_metric: Option<String>,
    pub(crate) best_model: Option<String>,
    /// Every model, best first (by test score when there is one).
    pub(crate) leaderboard: Vec<LeaderboardRow>,
    /// Every feature, most important first.
    pub(crate) feature_importance: Vec<Importance>,
    pub(crate) artifacts: Vec<Artifact>,
    /// A multi-host fit: what each host of the Ray cluster fitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) hosts: Option<Cluster>,
}

impl Results {
    pub(crate) fn new(output: Option<&TrainingOutput>, artifacts: Vec<Artifact>) -> Results {
        let summary = output.and_then(|o| o.summary.as_ref());
        Results {
            problem_type: summary.map(|s| s.problem_type.clone()),
            eval_metric: summary.map(|s| s.eval_metric.clone()),
            best_model: summary.map(|s| s.best_model.clone()),
            leaderboard: output.map(|o| o.leaderboard.clone()).unwrap_or_default(),
            feature_importance: output.map(|o| o.importance.clone()).unwrap_or_default(),
            artifacts,
            hosts: summary.and_then(|s| s.hosts.clone()),
        }
    }

    /// An AWS execution's results: the leaderboard and importance from its outputs
    /// archive (`output`, when it was read), and where its artifacts are, from its summary:
    /// the S3 archives, the CloudWatch logs, the endpoint or batch output.
    #[cfg_attr(not(feature = "aws"), allow(dead_code))]
    pub(crate) fn on_aws(summary: &super::Summary, output: Option<&TrainingOutput>) -> Results {
        let mut artifacts = Vec::new();
        let mut put = |what: &str, location: String| {
            artifacts.push(Artifact {
                what: what.into(),
                location,
            })
        };
        if let Some(model) = &summary.model_path {
            put("model", model.clone());
            if let Some(archive) = super::artifacts::outputs_archive(model) {
                put(
                    "outputs archive",
                    format!(
                        "{archive} (leaderboard.csv, feature_importance.csv, predictions.csv, ...)"
                    ),
                );
            }
        }
        if let Some(job) = &summary.training_job {
            // One stream per training instance, named after the job: the log groups and
            // streams SageMaker sends to CloudWatch Logs (SageMaker Developer Guide,
            // logging-cloudwatch.html: /aws/sagemaker/TrainingJobs, [training-job-name]/algo-[n]-[epoch]).
            put(
                "training log",
                format!("CloudWatch Logs /aws/sagemaker/TrainingJobs, streams {job}/algo-*"),
            );
        }
        if let Some(endpoint) = &summary.endpoint_name {
            put("endpoint", endpoint.clone());
        }
        if let Some(output) = &summary.batch_output {
            put("batch predictions", output.clone());
        }
        Results::new(output, artifacts)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.leaderboard.is_empty()
            && self.feature_importance.is_empty()
            && self.artifacts.is_empty()
    }
}

/// Left-aligned columns, two spaces apart, indented by two.
fn table(rows: &[Vec<String>], numeric: &[bool]) -> String {
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if numeric.get(c).copied().unwrap_or(false) {
                    format!("{cell:>w$}", w = widths[c])
                } else {
                    format!("{cell:<w$}", w = widths[c])
                }
            })
            .collect();
        out.push_str("  ");
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// What each host of a Ray cluster fitted, and what scales across hosts.
pub(crate) fn hosts(cluster: &Cluster) -> String {
    let formed = cluster
        .formed_seconds
        .map(|s| format!(", formed in {} s", sig4(s)))
        .unwrap_or_default();
    let mut text = format!(
        "hosts ({} as one Ray cluster{formed}; folds, models and the feature importance spread \
         across hosts, one model is never split and the data must fit in one host's memory):\n",
        cluster.per_host.len()
    );
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let rows: Vec<Vec<String>> = cluster
        .per_host
        .iter()
        .map(|(host, work)| {
            let mut fitted = plural(work.folds, "fold", "folds");
            if work.parallel_model_fits > 0 {
                fitted.push_str(&format!(
                    ", {}",
                    plural(work.parallel_model_fits, "model", "models")
                ));
            }
            vec![
                if *host == cluster.head {
                    format!("{host} (head)")
                } else {
                    host.clone()
                },
                fitted,
                format!("{} s", sig4(work.fold_seconds)),
                work.models.join(", "),
                if work.importance_features > 0 {
                    format!(
                        "importance of {} in {} s",
                        plural(work.importance_features, "feature", "features"),
                        sig4(work.importance_seconds)
                    )
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    text.push_str(&table(&rows, &[false, false, true, false, false]));
    text
}

impl fmt::Display for Results {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dash = || "–".to_string();
        if !self.leaderboard.is_empty() {
            let metric = self.eval_metric.as_deref().unwrap_or("score");
            let shown = self.leaderboard.len().min(TOP_MODELS);
            writeln!(
                f,
                "leaderboard ({metric}, higher is better; {shown} of {} models):",
                self.leaderboard.len()
            )?;
            let mut rows = vec![vec![
                "model".into(),
                "test".into(),
                "validation".into(),
                "fit time".into(),
                String::new(),
            ]];
            // The model the predictor uses (and an endpoint serves) is always shown, even
            // when others score better on the test set: it takes the last place shown.
            let best = self
                .leaderboard
                .iter()
                .position(|row| Some(&row.model) == self.best_model.as_ref());
            let mut shown_rows: Vec<_> = self.leaderboard.iter().take(TOP_MODELS).collect();
            if let Some(best) = best.filter(|&i| i >= TOP_MODELS) {
                shown_rows.pop();
                shown_rows.push(&self.leaderboard[best]);
            }
            for row in shown_rows {
                rows.push(vec![
                    row.model.clone(),
                    row.score_test.map(sig4).unwrap_or_else(dash),
                    row.score_val.map(sig4).unwrap_or_else(dash),
                    row.fit_time
                        .map(|t| format!("{} s", sig4(t)))
                        .unwrap_or_else(dash),
                    if Some(&row.model) == self.best_model.as_ref() {
                        "best".into()
                    } else {
                        String::new()
                    },
                ]);
            }
            f.write_str(&table(&rows, &[false, true, true, true, false]))?;
        }
        if !self.feature_importance.is_empty() {
            let shown = self.feature_importance.len().min(TOP_FEATURES);
            writeln!(
                f,
                "most important features (drop in the test score when shuffled; {shown} of {}):",
                self.feature_importance.len()
            )?;
            let rows: Vec<Vec<String>> = self
                .feature_importance
                .iter()
                .take(TOP_FEATURES)
                .map(|r| {
                    vec![
                        r.feature.clone(),
                        sig4(r.importance),
                        r.stddev
                            .map(|s| format!("± {}", sig4(s)))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            f.write_str(&table(&rows, &[false, true, false]))?;
        }
        if let Some(cluster) = &self.hosts {
            f.write_str(&hosts(cluster))?;
        }
        if !self.artifacts.is_empty() {
            writeln!(f, "artifacts:")?;
            let rows: Vec<Vec<String>> = self
                .artifacts
                .iter()
                .map(|a| vec![a.what.clone(), a.location.clone()])
                .collect();
            f.write_str(&table(&rows, &[false, false]))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_aligned_tables_and_four_digits() {
        let results = Results {
            problem_type: Some("binary".into()),
            eval_metric: Some("accuracy".into()),
            best_model: Some("WeightedEnsemble_L2".into()),
            leaderboard: vec![
                LeaderboardRow {
                    model: "WeightedEnsemble_L2".into(),
                    score_test: Some(0.957983193277311),
                    score_val: Some(0.98888),
                    eval_metric: None,
                    fit_time: Some(1.0788),
                    pred_time_test: None,
                    stack_level: Some(2),
                    model_type: None,
                },
                LeaderboardRow {
                    model: "LightGBM".into(),
                    score_test: None,
                    score_val: Some(0.9667),
                    eval_metric: None,
                    fit_time: Some(0.835),
                    pred_time_test: None,
                    stack_level: Some(1),
                    model_type: None,
                },
            ],
            feature_importance: vec![Importance {
                feature: "worst_concave_points".into(),
                importance: 0.04789915966386556,
                stddev: Some(0.0237),
                p_value: None,
            }],
            artifacts: vec![
                Artifact {
                    what: "model".into(),
                    location: "m/model.tar.gz".into(),
                },
                Artifact {
                    what: "training log".into(),
                    location: "j/train.log".into(),
                },
            ],
            hosts: None,
        };
        let text = results.to_string();
        assert!(
            text.contains("leaderboard (accuracy, higher is better; 2 of 2 models):"),
            "{text}"
        );
        assert!(
            text.contains("  model                  test  validation  fit time\n"),
            "{text}"
        );
        assert!(
            text.contains("  WeightedEnsemble_L2  0.9580      0.9889   1.079 s  best\n"),
            "{text}"
        );
        assert!(
            text.contains("  LightGBM                  –      0.9667  0.8350 s\n"),
            "{text}"
        );
        assert!(
            text.contains("  worst_concave_points  0.04790  ± 0.02370\n"),
            "{text}"
        );
        assert!(
            text.contains("  model         m/model.tar.gz\n  training log  j/train.log\n"),
            "{text}"
        );
        let json = serde_json::to_value(&results).unwrap();
        assert_eq!(
            json["feature_importance"][0]["feature"],
            "worst_concave_points"
        );
        assert_eq!(json["leaderboard"][0]["score_test"], 0.957983193277311);
        assert_eq!(json["artifacts"][1]["what"], "training log");

        // The best model ranks below the first five on the test set (iris, 112 rows: the
        // ensemble of LightGBMXT alone): it is shown in the fifth place, marked best.
        let mut many = results.clone();
        let row = |model: &str, score: f64| LeaderboardRow {
            model: model.into(),
            score_test: Some(score),
            ..results.leaderboard[1].clone()
        };
        many.leaderboard = ["A", "B", "C", "D", "E", "F"]
            .iter()
            .map(|m| row(m, 0.97))
            .chain([row("WeightedEnsemble_L2", 0.94)])
            .collect();
        let text = many.to_string();
        assert!(text.contains("5 of 7 models"), "{text}");
        assert!(text.contains("  D  "), "{text}");
        assert!(!text.contains("  E  "), "{text}");
        assert!(text.contains("  WeightedEnsemble_L2  0.9400"), "{text}");
        assert!(text.trim_end().contains("best"), "{text}");
    }

    #[test]
    fn an_aws_execution_lists_its_s3_archives_and_logs() {
        let data = serde_json::json!({
            "Training": {"ModelName": "automl-run-1-train", "TrainingJobName": "automl-run-1-train",
                         "ModelPath": "s3://automl-data/output/automl-run-1-train/output/model.tar.gz"},
            "Deployment": {"Output": {"Mode": "endpoint", "EndpointName": "automl-run-1-deploy"}}});
        let summary = super::super::Summary::from_data(
            "run-1",
            crate::sfn::ExecutionStatus::Succeeded,
            &data,
        );
        let text = Results::on_aws(&summary, None).to_string();
        assert!(text.contains("  model            s3://automl-data/output/automl-run-1-train/output/model.tar.gz\n"), "{text}");
        assert!(text.contains("  outputs archive  s3://automl-data/output/automl-run-1-train/output/output.tar.gz"), "{text}");
        assert!(text.contains("streams automl-run-1-train/algo-*"), "{text}");
        assert!(
            text.contains("  endpoint         automl-run-1-deploy\n"),
            "{text}"
        );
    }

    #[test]
    fn a_multi_host_fit_says_what_each_host_fitted() {
        use super::super::artifacts::HostWork;
        let work = |folds, seconds, models: &[&str]| HostWork {
            folds,
            fold_seconds: seconds,
            models: models.iter().map(|m| m.to_string()).collect(),
            parallel_model_fits: 0,
            importance_features: folds * 10,
            importance_seconds: seconds * 2.0,
        };
        let cluster = Cluster {
            head: "algo-1".into(),
            formed_seconds: Some(2.345),
            sync: Some("shared_dir".into()),
            per_host: [
                ("algo-1".to_string(), work(3, 1.5, &["LightGBM_BAG_L1"])),
                ("algo-2".to_string(), work(1, 0.25, &["LightGBM_BAG_L1"])),
            ]
            .into(),
        };
        let text = hosts(&cluster);
        assert!(
            text.starts_with(
                "hosts (2 as one Ray cluster, formed in 2.345 s; folds, models and the feature \
                 importance spread across hosts"
            ),
            "{text}"
        );
        assert!(text.contains("one model is never split"), "{text}");
        assert!(
            text.contains(
                "  algo-1 (head)  3 folds   1.500 s  LightGBM_BAG_L1  importance of 30 features in 3.000 s\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "  algo-2         1 fold   0.2500 s  LightGBM_BAG_L1  importance of 10 features in 0.5000 s\n"
            ),
            "{text}"
        );
    }
}
