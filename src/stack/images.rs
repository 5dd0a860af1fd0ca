//! The AutoGluon deep learning containers the stack runs: one table of versions with
//! their full tags, and one table of the ECR registry account per region. The template
//! carries the region table as a `Mappings` entry, so one template serves every region.

/// One AutoGluon container release: the same tag names the training and inference images.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Release {
    pub(crate) version: &'static str,
    /// The CPU image tag, as the SageMaker Python SDK builds it: `{version}-cpu-{py}`.
    pub(crate) cpu_tag: &'static str,
    /// The `autogluon.tabular` release the scripts are tested with for this image
    /// (scripts/autogluon/requirements.txt pins the default's).
    pub(crate) python: &'static str,
}

/// Releases the scripts are tested against. 1.5.0 is left out on purpose: the SageMaker
/// SDK's config lists it as py311 and the container release notes as py312, and a wrong
/// tag fails only when a training job starts. Add a row once the tag is confirmed.
pub(crate) const RELEASES: &[Release] = &[Release {
    version: "1.4.0",
    cpu_tag: "1.4.0-cpu-py311",
    python: "3.11",
}];

pub(crate) const DEFAULT_VERSION: &str = "1.4.0";

/// ECR registry account hosting the AutoGluon images (versions >= 0.6.1), per region.
/// China regions host inference images only, and ap-south-2, eu-central-2, eu-south-2 and
/// me-central-1 host none: they are absent, and deploying there is refused by name.
pub(crate) const REGISTRY_ACCOUNTS: &[(&str, &str)] = &[
    ("af-south-1", "626614931356"),
    ("ap-east-1", "871362719292"),
    ("ap-northeast-1", "763104351884"),
    ("ap-northeast-2", "763104351884"),
    ("ap-northeast-3", "364406365360"),
    ("ap-south-1", "763104351884"),
    ("ap-southeast-1", "763104351884"),
    ("ap-southeast-2", "763104351884"),
    ("ap-southeast-3", "907027046896"),
    ("ap-southeast-4", "457447274322"),
    ("ca-central-1", "763104351884"),
    ("ca-west-1", "204538143572"),
    ("eu-central-1", "763104351884"),
    ("eu-north-1", "763104351884"),
    ("eu-south-1", "692866216735"),
    ("eu-west-1", "763104351884"),
    ("eu-west-2", "763104351884"),
    ("eu-west-3", "763104351884"),
    ("il-central-1", "780543022126"),
    ("me-south-1", "217643126080"),
    ("sa-east-1", "763104351884"),
    ("us-east-1", "763104351884"),
    ("us-east-2", "763104351884"),
    ("us-gov-east-1", "446045086412"),
    ("us-gov-west-1", "442386744353"),
    ("us-west-1", "763104351884"),
    ("us-west-2", "763104351884"),
];

/// The release for `version`.
pub(crate) fn release(version: &str) -> Result<&'static Release, String> {
    RELEASES
        .iter()
        .find(|r| r.version == version)
        .ok_or_else(|| {
            let known: Vec<&str> = RELEASES.iter().map(|r| r.version).collect();
            format!(
                "AutoGluon container version `{version}` is not in the image table; known: {}",
                known.join(", ")
            )
        })
}

/// clap value parser for `--autogluon-version`.
pub(crate) fn parse_version(version: &str) -> Result<String, String> {
    release(version).map(|r| r.version.to_string())
}

#[cfg_attr(not(feature = "aws"), allow(dead_code))] // used by the AWS commands only
/// The registry account for `region`, or why the stack cannot run there.
pub(crate) fn registry_account(region: &str) -> Result<&'static str, String> {
    REGISTRY_ACCOUNTS
        .iter()
        .find(|(name, _)| *name == region)
        .map(|(_, account)| *account)
        .ok_or_else(|| {
            format!(
                "AWS does not publish AutoGluon training images in region `{region}`; \
                 choose one of: {}",
                REGISTRY_ACCOUNTS
                    .iter()
                    .map(|(r, _)| *r)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_versions_and_regions_are_refused_by_name() {
        assert!(release(DEFAULT_VERSION).is_ok());
        assert!(release("0.3.1").unwrap_err().contains("known: 1.4.0"));
        assert_eq!(registry_account("eu-west-1"), Ok("763104351884"));
        assert!(registry_account("eu-central-2")
            .unwrap_err()
            .contains("eu-central-2"));
        assert!(registry_account("cn-north-1").is_err());
    }
}
