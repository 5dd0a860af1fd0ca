//! `automl models`: the versions registered in the stack's model package groups (one
//! group per model, `<stack>-<model>`), with their approval status and the score the
//! evaluation gave them; the same report from AWS (ListModelPackages and
//! DescribeModelPackage) and from the local registry.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Every registered version, grouped by model, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ModelVersions {
    pub(crate) stack_name: String,
    pub(crate) versions: Vec<ModelVersion>,
}

/// One version of a model package group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ModelVersion {
    /// `<model>/<version>`: what `PretrainedModel.ModelPackage` and `models approve` take.
    pub(crate) reference: String,
    pub(crate) model_package_group_name: String,
    pub(crate) model_package_version: u32,
    pub(crate) model_package_arn: String,
    /// `Approved`, `PendingManualApproval` or `Rejected`.
    pub(crate) model_approval_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) creation_time: Option<String>,
    /// The version's `CustomerMetadataProperties`: Metric, Score, Threshold,
    /// TrainingJobName, Execution.
    pub(crate) metadata: BTreeMap<String, String>,
}

impl ModelVersion {
    /// `<model>/<version>` of a version of group `<stack>-<model>`.
    pub(crate) fn reference_of(stack_name: &str, group: &str, version: u32) -> String {
        let model = group
            .strip_prefix(stack_name)
            .and_then(|rest| rest.strip_prefix('-'))
            .unwrap_or(group);
        format!("{model}/{version}")
    }

    /// `accuracy 0.9712 (threshold 0.8)`, or `-` when the version carries no score.
    fn score(&self) -> String {
        match (self.metadata.get("Metric"), self.metadata.get("Score")) {
            (Some(metric), Some(score)) => {
                let score = score
                    .parse::<f64>()
                    .map(|v| format!("{v:.4}"))
                    .unwrap_or_else(|_| score.clone());
                match self.metadata.get("Threshold") {
                    Some(threshold) => format!("{metric} {score} (threshold {threshold})"),
                    None => format!("{metric} {score}"),
                }
            }
            _ => "-".to_string(),
        }
    }
}

impl fmt::Display for ModelVersions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.versions.is_empty() {
            return write!(
                f,
                "no registered models in stack {}: a run with Parameters.Registry registers one",
                self.stack_name
            );
        }
        let width = self
            .versions
            .iter()
            .map(|v| v.reference.len())
            .max()
            .unwrap_or(0)
            .max("VERSION".len());
        let status_width = "PendingManualApproval".len();
        writeln!(
            f,
            "{:<width$}  {:<status_width$}  {:<24}  SCORE",
            "VERSION", "STATUS", "CREATED"
        )?;
        for (i, v) in self.versions.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{:<width$}  {:<status_width$}  {:<24}  {}",
                v.reference,
                v.model_approval_status,
                v.creation_time.as_deref().unwrap_or("-"),
                v.score()
            )?;
        }
        Ok(())
    }
}

/// `models approve`: the version and its status after the update.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ApprovalChange {
    pub(crate) reference: String,
    pub(crate) model_package_arn: String,
    pub(crate) previous_status: String,
    pub(crate) model_approval_status: String,
}

impl fmt::Display for ApprovalChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.previous_status == self.model_approval_status {
            write!(
                f,
                "{} was already {}",
                self.reference, self.model_approval_status
            )
        } else {
            write!(
                f,
                "{}: {} -> {} ({})",
                self.reference,
                self.previous_status,
                self.model_approval_status,
                self.model_package_arn
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_show_their_reference_status_and_score() {
        let mut metadata = BTreeMap::new();
        metadata.insert("Metric".to_string(), "accuracy".to_string());
        metadata.insert("Score".to_string(), "0.971014".to_string());
        metadata.insert("Threshold".to_string(), "0.8".to_string());
        let report = ModelVersions {
            stack_name: "automl".into(),
            versions: vec![ModelVersion {
                reference: ModelVersion::reference_of("automl", "automl-penguins", 2),
                model_package_group_name: "automl-penguins".into(),
                model_package_version: 2,
                model_package_arn:
                    "arn:aws:sagemaker:local:000000000000:model-package/automl-penguins/2".into(),
                model_approval_status: "Approved".into(),
                creation_time: None,
                metadata,
            }],
        };
        let text = report.to_string();
        assert!(text.starts_with("VERSION "), "{text}");
        assert!(text.contains("penguins/2"), "{text}");
        assert!(text.contains("accuracy 0.9710 (threshold 0.8)"), "{text}");
        assert!(ModelVersions::default()
            .to_string()
            .starts_with("no registered models"));
    }
}
