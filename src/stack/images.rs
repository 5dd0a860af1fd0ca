//! The AutoGluon deep learning containers the stack runs: one table of versions with
//! their full tags, and one table of the ECR registry account per region. The template
//! carries the region table as a `Mappings` entry, so one template serves every region.

/// One AutoGluon container release. Training and inference images share their tags.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Release {
    pub(crate) version: &'static str,
    /// The CPU image tag as the Deep Learning Containers publish it:
    /// `{version}-cpu-{py}-{os}`. (The SageMaker Python SDK's image config builds the short
    /// `{version}-cpu-{py}`, which is not published: copying it fails every first training.)
    pub(crate) cpu_tag: &'static str,
    /// The GPU image tag: `{version}-gpu-{py}-{cuda}-{os}`.
    pub(crate) gpu_tag: &'static str,
    /// The image's Python (scripts/autogluon/requirements.txt pins the default's packages).
    pub(crate) python: &'static str,
}

/// Releases the scripts are tested against, with their tags as published: for 1.4.0,
/// aws/deep-learning-containers `autogluon/training/buildspec-1-4-0.yml` (tag = version,
/// device, `py311`, `cu124` for GPU, `ubuntu22.04`), the 1.4 `autogluon/inference/
/// buildspec.yml` (the same tags), and `available_images.md` ("AutoGluon Containers":
/// `autogluon-training:1.4.0-cpu-py311-ubuntu22.04`, `...:1.4.0-gpu-py311-cu124-ubuntu22.04`,
/// and the same two for `autogluon-inference`). All are x86 only (`arch_type: x86`).
/// 1.5.0 is left out on purpose: the SageMaker SDK's config lists it as py311 and the
/// container release notes as py312; add a row once the tag is confirmed.
pub(crate) const RELEASES: &[Release] = &[Release {
    version: "1.4.0",
    cpu_tag: "1.4.0-cpu-py311-ubuntu22.04",
    gpu_tag: "1.4.0-gpu-py311-cu124-ubuntu22.04",
    python: "3.11",
}];

pub(crate) const DEFAULT_VERSION: &str = "1.4.0";

/// The instance families with NVIDIA GPUs (`StringMatches` patterns on the instance type):
/// SageMaker's `ml.g4dn`, `ml.g5`, `ml.g6`, `ml.g6e`, `ml.p3`, `ml.p4d`, `ml.p5`... all
/// begin `ml.g` or `ml.p`; no CPU or Graviton family does (botocore sagemaker
/// `TrainingInstanceType` / `ProductionVariantInstanceType` enums).
pub(crate) const GPU_INSTANCE_PATTERNS: &[&str] = &["ml.g*", "ml.p*"];

/// Graviton (arm64) families end in `g`, `gd` or `gn` (`ml.c6g`, `ml.c7g`, `ml.m6g`,
/// `ml.m7g`, `ml.r6g`, `ml.r7g`, `ml.t4g`, `ml.c6gd`, `ml.c6gn`); no x86 family does, and
/// no size (`large`, `xlarge`, `metal`...) ends so. `StringMatches` has only `*`, so the
/// patterns read "`g.` (or `gd.`, `gn.`) somewhere after `ml.`".
pub(crate) const GRAVITON_INSTANCE_PATTERNS: &[&str] = &["ml.*g.*", "ml.*gd.*", "ml.*gn.*"];

/// True for a Graviton instance type (`ml.<letter><digit>g[d|n].<size>`).
pub(crate) fn is_graviton(instance_type: &str) -> bool {
    let Some(family) = instance_type
        .strip_prefix("ml.")
        .and_then(|rest| rest.split('.').next())
    else {
        return false;
    };
    let chars: Vec<char> = family.chars().collect();
    chars.len() >= 3
        && chars[0].is_ascii_lowercase()
        && chars[1].is_ascii_digit()
        && chars[2] == 'g'
        && matches!(&family[3..], "" | "d" | "n")
}

#[cfg(test)] // the machines choose by pattern; the test checks the patterns with it
/// True for an instance type with an NVIDIA GPU (it gets the GPU image).
pub(crate) fn is_gpu(instance_type: &str) -> bool {
    instance_type.starts_with("ml.g") || instance_type.starts_with("ml.p")
}

/// `validate`'s check of an instance type against the images: Graviton is refused.
pub(crate) fn check_device(instance_type: &str) -> Result<(), String> {
    if is_graviton(instance_type) {
        return Err(format!(
            "{instance_type:?} is a Graviton (arm64) instance type, and the AutoGluon images are x86 only: \
             choose an x86 type such as \"ml.m5.xlarge\" or \"ml.c5.2xlarge\" (or a GPU type such as \"ml.g5.xlarge\")"
        ));
    }
    Ok(())
}

/// Checks a user-pinned image URI (`--training-image`, `--inference-image`):
/// `ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPO:TAG` or `...@sha256:<64 hex>`.
/// Returns the repository name (its ARN scopes the SageMaker role's ECR permissions).
pub(crate) fn parse_image_uri(uri: &str) -> Result<ImageUri, String> {
    let shape = "use ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG or ...@sha256:DIGEST, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-autogluon:1.4.0";
    let bad = |why: &str| Err(format!("{uri:?} is not an ECR image URI ({why}): {shape}"));
    let Some((host, rest)) = uri.split_once('/') else {
        return bad("no repository after the registry");
    };
    let parts: Vec<&str> = host.split('.').collect();
    let (account, region, china) = match parts.as_slice() {
        [account, "dkr", "ecr", region, "amazonaws", "com"] => (*account, *region, false),
        [account, "dkr", "ecr", region, "amazonaws", "com", "cn"] => (*account, *region, true),
        _ => return bad("the registry is not ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]"),
    };
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return bad("the account is not 12 digits");
    }
    let region_ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && region.contains('-');
    if !region_ok || china != region.starts_with("cn-") {
        return bad("the region does not read like eu-west-1 (.cn for cn-* regions)");
    }
    let (repository, reference_ok) = if let Some((repo, digest)) = rest.split_once("@sha256:") {
        (
            repo,
            digest.len() == 64 && digest.chars().all(|c| c.is_ascii_hexdigit()),
        )
    } else if let Some((repo, tag)) = rest.rsplit_once(':') {
        // ECR tags: up to 128 of [A-Za-z0-9_.-], not starting with '.' or '-'
        // (ECR API reference, ImageIdentifier.imageTag; Docker's tag grammar).
        (
            repo,
            !tag.is_empty()
                && tag.len() <= 128
                && !tag.starts_with(['.', '-'])
                && tag
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')),
        )
    } else {
        return bad("no :TAG or @sha256:DIGEST");
    };
    if !reference_ok {
        return bad("the tag or digest is malformed");
    }
    // ECR repository names: (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*,
    // 2-256 characters (ECR API reference, CreateRepository repositoryName).
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            })
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    if repository.len() < 2 || repository.len() > 256 || !repository.split('/').all(segment_ok) {
        return bad("the repository name is not lowercase letters, digits and . _ - / ");
    }
    Ok(ImageUri {
        uri: uri.to_string(),
        account: account.to_string(),
        region: region.to_string(),
        repository: repository.to_string(),
    })
}

/// A user-pinned image, parsed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct ImageUri {
    pub(crate) uri: String,
    pub(crate) account: String,
    pub(crate) region: String,
    pub(crate) repository: String,
}

/// clap value parser for `--training-image` / `--inference-image`.
pub(crate) fn parse_image(uri: &str) -> Result<String, String> {
    parse_image_uri(uri).map(|image| image.uri)
}

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

    #[test]
    fn tags_have_the_published_form() {
        for release in RELEASES {
            let py = format!("py{}", release.python.replace('.', ""));
            assert_eq!(
                release.cpu_tag,
                format!("{}-cpu-{py}-ubuntu22.04", release.version)
            );
            assert!(release
                .gpu_tag
                .starts_with(&format!("{}-gpu-{py}-cu", release.version)));
            assert!(release.gpu_tag.ends_with("-ubuntu22.04"));
        }
    }

    /// The machines' `StringMatches` patterns agree with the Rust checks.
    fn matches_any(patterns: &[&str], value: &str) -> bool {
        patterns
            .iter()
            .any(|p| crate::sfn::choice::wildcard_match(p, value))
    }

    #[test]
    fn devices_are_told_apart() {
        for graviton in [
            "ml.c7g.xlarge",
            "ml.m7g.large",
            "ml.r7g.2xlarge",
            "ml.c6g.large",
            "ml.c6gn.xlarge",
            "ml.m6gd.large",
            "ml.t4g.medium",
        ] {
            assert!(is_graviton(graviton), "{graviton}");
            assert!(!is_gpu(graviton), "{graviton}");
            assert!(check_device(graviton).unwrap_err().contains("x86"));
            assert!(
                matches_any(GRAVITON_INSTANCE_PATTERNS, graviton),
                "{graviton}"
            );
        }
        for gpu in [
            "ml.g4dn.xlarge",
            "ml.g5.2xlarge",
            "ml.g6.xlarge",
            "ml.g6e.xlarge",
            "ml.p3.2xlarge",
            "ml.p4d.24xlarge",
            "ml.p5.48xlarge",
        ] {
            assert!(is_gpu(gpu), "{gpu}");
            assert!(!is_graviton(gpu), "{gpu}");
            assert!(
                matches_any(GPU_INSTANCE_PATTERNS, gpu)
                    && !matches_any(GRAVITON_INSTANCE_PATTERNS, gpu),
                "{gpu}"
            );
        }
        for cpu in [
            "ml.m5.xlarge",
            "ml.c5.2xlarge",
            "ml.m6i.large",
            "ml.c7i.large",
            "ml.r5d.large",
            "ml.t3.medium",
        ] {
            assert!(!is_gpu(cpu) && !is_graviton(cpu), "{cpu}");
            assert!(check_device(cpu).is_ok());
            assert!(
                !matches_any(GPU_INSTANCE_PATTERNS, cpu)
                    && !matches_any(GRAVITON_INSTANCE_PATTERNS, cpu),
                "{cpu}"
            );
        }
    }

    #[test]
    fn pinned_images_must_be_ecr_uris() {
        let ok = parse_image_uri(
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/autogluon:1.4.0-custom",
        )
        .unwrap();
        assert_eq!(ok.repository, "team/autogluon");
        assert_eq!(ok.account, "123456789012");
        let digest = format!(
            "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/ag@sha256:{}",
            "a".repeat(64)
        );
        assert_eq!(parse_image_uri(&digest).unwrap().region, "cn-north-1");
        for bad in [
            "autogluon:1.4.0",
            "docker.io/library/python:3.11",
            "12345.dkr.ecr.eu-west-1.amazonaws.com/ag:1",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ag",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/AG:1",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ag@sha256:abc",
            "123456789012.dkr.ecr.cn-north-1.amazonaws.com/ag:1",
        ] {
            assert!(
                parse_image_uri(bad)
                    .unwrap_err()
                    .contains("not an ECR image URI"),
                "{bad}"
            );
        }
    }
}
