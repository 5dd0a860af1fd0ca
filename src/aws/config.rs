//! The AWS configuration every command shares: region, profile, credentials and
//! endpoint from the standard chain (`--profile`, `--region`, `AWS_ENDPOINT_URL`, ...),
//! checked up front so a missing region or credentials is one sentence before any call,
//! and the clients built from it.

use super::error::{chain, AwsError, Explain};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::ProvideCredentials;
use std::future::Future;

/// What the command line says about AWS: the stack, and where the standard chain's
/// defaults are overridden.
#[derive(Debug, Clone)]
pub struct AwsConfig {
    pub stack_name: String,
    pub profile: Option<String>,
    pub region: Option<String>,
}

/// A loaded, checked AWS configuration for one stack.
#[derive(Clone)]
pub(crate) struct Aws {
    pub(crate) sdk: SdkConfig,
    pub(crate) region: String,
    pub(crate) stack_name: String,
}

/// What a command needs of the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegionCheck {
    /// The stack can only live where AutoGluon images are published: refuse other regions
    /// by name before calling anything.
    Stack,
    /// Only a well-formed region name (e.g. `invoke` of an endpoint).
    Any,
}

impl Aws {
    /// Loads the standard configuration, then checks the region and resolves credentials.
    pub(crate) async fn connect(config: &AwsConfig, check: RegionCheck) -> anyhow::Result<Aws> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &config.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &config.region {
            loader = loader.region(Region::new(region.clone()));
        }
        let sdk = loader.load().await;
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .ok_or(AwsError::NoRegion)?;
        if !looks_like_region(&region) {
            return Err(AwsError::BadRegion(region).into());
        }
        if check == RegionCheck::Stack {
            crate::stack::images::registry_account(&region).map_err(anyhow::Error::msg)?;
        }
        let profile = config
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok())
            .map(|p| format!(" for profile `{p}`"))
            .unwrap_or_default();
        let provider = sdk.credentials_provider().ok_or(AwsError::NoCredentials)?;
        if let Err(error) = provider.provide_credentials().await {
            let detail = chain(&error);
            // The default chain says "not enabled" when no provider had anything to offer;
            // off EC2 its last resort, the instance metadata service, fails with "failed to
            // load IMDS session token" (or a timeout): that too means "no credentials
            // configured", not an IMDS problem the user should debug.
            if detail.contains("was not enabled")
                || detail.contains("no providers in chain")
                || (profile.is_empty() && mentions_imds(&detail))
            {
                if profile.is_empty() {
                    return Err(AwsError::NoCredentials.into());
                }
                return Err(AwsError::CredentialsUnusable {
                    profile,
                    detail: "the profile has no credentials, or is not in ~/.aws/config or ~/.aws/credentials \
                             (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE)"
                        .into(),
                }
                .into());
            }
            return Err(AwsError::CredentialsUnusable { profile, detail }.into());
        }
        Ok(Aws {
            sdk,
            region,
            stack_name: config.stack_name.clone(),
        })
    }

    /// The endpoint override (`AWS_ENDPOINT_URL` or the profile's `endpoint_url`), if any.
    pub(crate) fn endpoint_url(&self) -> Option<&str> {
        self.sdk.endpoint_url()
    }

    /// True when requests go over plain HTTP (an emulator on loopback): a bucket policy
    /// that denies `aws:SecureTransport = false` would then deny every request we make.
    pub(crate) fn plain_http(&self) -> bool {
        self.endpoint_url()
            .is_some_and(|u| u.starts_with("http://"))
    }

    pub(crate) fn cloudformation(&self) -> aws_sdk_cloudformation::Client {
        aws_sdk_cloudformation::Client::new(&self.sdk)
    }

    pub(crate) fn sfn(&self) -> aws_sdk_sfn::Client {
        aws_sdk_sfn::Client::new(&self.sdk)
    }

    pub(crate) fn sagemaker(&self) -> aws_sdk_sagemaker::Client {
        aws_sdk_sagemaker::Client::new(&self.sdk)
    }

    pub(crate) fn autoscaling(&self) -> aws_sdk_applicationautoscaling::Client {
        aws_sdk_applicationautoscaling::Client::new(&self.sdk)
    }

    pub(crate) fn scheduler(&self) -> aws_sdk_scheduler::Client {
        aws_sdk_scheduler::Client::new(&self.sdk)
    }

    pub(crate) fn sagemaker_runtime(&self) -> aws_sdk_sagemakerruntime::Client {
        aws_sdk_sagemakerruntime::Client::new(&self.sdk)
    }

    /// S3, path-style when an endpoint is overridden (an emulator on an IP address has no
    /// virtual-host names for buckets).
    pub(crate) fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.sdk)
            .force_path_style(self.endpoint_url().is_some())
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// The account the credentials belong to.
    pub(crate) async fn account(&self) -> anyhow::Result<String> {
        let identity = aws_sdk_sts::Client::new(&self.sdk)
            .get_caller_identity()
            .send()
            .await
            .explain("sts:GetCallerIdentity")?;
        identity
            .account
            .ok_or_else(|| anyhow::anyhow!("sts:GetCallerIdentity returned no account"))
    }

    /// The ARN partition of the region.
    pub(crate) fn partition(&self) -> &'static str {
        partition(&self.region)
    }

    /// The console's host for this region.
    pub(crate) fn console_host(&self) -> String {
        match self.partition() {
            "aws-cn" => "console.amazonaws.cn".to_string(),
            "aws-us-gov" => "console.amazonaws-us-gov.com".to_string(),
            _ => format!("{}.console.aws.amazon.com", self.region),
        }
    }
}

pub(crate) fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// `eu-west-1`, `us-gov-west-1`, `ap-southeast-4`: letters, dashes, a final number.
fn looks_like_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// Runs an async AWS command to completion on a runtime of its own.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
        .block_on(future)
}

/// True when a credentials failure comes from the instance metadata service (IMDS), the
/// default chain's last provider, which off EC2 has nothing to say but its own jargon.
fn mentions_imds(detail: &str) -> bool {
    let lower = detail.to_ascii_lowercase();
    lower.contains("imds")
        || lower.contains("instance metadata")
        || lower.contains("169.254.169.254")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_are_checked_by_shape() {
        for good in [
            "eu-west-1",
            "us-gov-west-1",
            "ap-southeast-4",
            "il-central-1",
        ] {
            assert!(looks_like_region(good), "{good}");
        }
        for bad in ["eu-west", "euwest1", "EU-WEST-1", "eu--1", "eu-west-x"] {
            assert!(!looks_like_region(bad), "{bad}");
        }
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-east-1"), "aws-us-gov");
        assert_eq!(partition("eu-west-1"), "aws");
    }
}
