//! `automl models` on AWS: the versions of the stack's model package groups
//! (ListModelPackageGroups narrowed by the `<stack>-` prefix, ListModelPackages per group,
//! DescribeModelPackage for each version's metadata), and `models approve|reject`
//! (UpdateModelPackage's ModelApprovalStatus).

use super::config::{block_on, Aws, AwsConfig, RegionCheck};
use super::error::Explain;
use crate::report::models::{ApprovalChange, ModelVersion, ModelVersions};
use aws_sdk_sagemaker::types::{ModelApprovalStatus, ModelPackageType};

/// Every version of the stack's groups, oldest first within a group.
pub(crate) fn list(config: &AwsConfig) -> anyhow::Result<ModelVersions> {
    block_on(async {
        let aws = Aws::connect(config, RegionCheck::Stack).await?;
        let sm = aws.sagemaker();
        let prefix = format!("{}-", aws.stack_name);
        let mut groups = Vec::new();
        let mut pages = sm
            .list_model_package_groups()
            .name_contains(&prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for group in page
                .explain("sagemaker:ListModelPackageGroups")?
                .model_package_group_summary_list
                .unwrap_or_default()
            {
                // NameContains matches anywhere: keep the groups this stack named.
                if let Some(name) = group.model_package_group_name {
                    if name.starts_with(&prefix) {
                        groups.push(name);
                    }
                }
            }
        }
        groups.sort();
        let mut versions = Vec::new();
        for group in groups {
            let mut arns = Vec::new();
            let mut pages = sm
                .list_model_packages()
                .model_package_group_name(&group)
                .model_package_type(ModelPackageType::Versioned)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                for summary in page
                    .explain("sagemaker:ListModelPackages")?
                    .model_package_summary_list
                    .unwrap_or_default()
                {
                    arns.push((
                        summary.model_package_version.unwrap_or(0),
                        summary.model_package_arn,
                    ));
                }
            }
            arns.sort_by_key(|(version, _)| *version);
            for (version, arn) in arns {
                let Some(arn) = arn else { continue };
                let described = sm
                    .describe_model_package()
                    .model_package_name(&arn)
                    .send()
                    .await
                    .explain("sagemaker:DescribeModelPackage")?;
                let version = u32::try_from(version).unwrap_or(0);
                versions.push(ModelVersion {
                    reference: ModelVersion::reference_of(&aws.stack_name, &group, version),
                    model_package_group_name: group.clone(),
                    model_package_version: version,
                    model_package_arn: arn,
                    model_approval_status: described
                        .model_approval_status
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    creation_time: described.creation_time.map(|t| t.to_string()),
                    metadata: described
                        .customer_metadata_properties
                        .unwrap_or_default()
                        .into_iter()
                        .collect(),
                });
            }
        }
        Ok(ModelVersions {
            stack_name: aws.stack_name.clone(),
            versions,
        })
    })
}

/// Sets the approval status of `reference` (`<model>/<version>` of this stack, or an ARN).
pub(crate) fn set_status(
    config: &AwsConfig,
    reference: &str,
    status: &str,
) -> anyhow::Result<ApprovalChange> {
    block_on(async {
        let aws = Aws::connect(config, RegionCheck::Stack).await?;
        let sm = aws.sagemaker();
        let arn = if reference.starts_with("arn:") {
            reference.to_string()
        } else {
            format!(
                "arn:{}:sagemaker:{}:{}:model-package/{}-{reference}",
                aws.partition(),
                aws.region,
                aws.account().await?,
                aws.stack_name
            )
        };
        let described = sm
            .describe_model_package()
            .model_package_name(&arn)
            .send()
            .await
            .explain("sagemaker:DescribeModelPackage")?;
        let previous = described
            .model_approval_status
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        if previous != status {
            sm.update_model_package()
                .model_package_arn(&arn)
                .model_approval_status(ModelApprovalStatus::from(status))
                .send()
                .await
                .explain("sagemaker:UpdateModelPackage")?;
        }
        let group = described.model_package_group_name.unwrap_or_default();
        let version = described
            .model_package_version
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0);
        Ok(ApprovalChange {
            reference: ModelVersion::reference_of(&aws.stack_name, &group, version),
            model_package_arn: arn,
            previous_status: previous,
            model_approval_status: status.to_string(),
        })
    })
}
