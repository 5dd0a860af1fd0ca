//! The assets bucket and what goes in it. `automl deploy` needs no bootstrap step: on
//! first use it creates `automl-assets-<account>-<region>` and hardens it (default
//! encryption, public access block, bucket-owner-enforced ownership, versioning, a
//! TLS-only policy); then it uploads each asset under its content-addressed key unless
//! that key is already there (HeadObject first), and the template itself.

use super::config::Aws;
use super::error::{self, Explain};
use crate::report::Progress;
use crate::stack::assets::{Asset, Build};
use anyhow::Context;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, ObjectOwnership,
    OwnershipControls, OwnershipControlsRule, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// CloudFormation's limit for an inline `TemplateBody`.
pub(crate) const TEMPLATE_BODY_LIMIT: usize = 51_200;

/// The assets bucket of an account and region.
pub(crate) fn bucket_name(account: &str, region: &str) -> String {
    format!("automl-assets-{account}-{region}")
}

/// Makes sure the assets bucket exists and is hardened; returns its name.
pub(crate) async fn ensure_bucket(aws: &Aws, lines: &mut dyn Progress) -> anyhow::Result<String> {
    let account = aws.account().await?;
    let bucket = bucket_name(&account, &aws.region);
    let s3 = aws.s3();
    match s3.head_bucket().bucket(&bucket).expected_bucket_owner(&account).send().await {
        Ok(_) => {
            // Versioning is the last step of hardening (and, unlike encryption, the public
            // access block and owner-enforced ownership, not a default of new buckets): if
            // it is on, so is the rest. moto answers GetBucketVersioning with a root element
            // the SDK refuses to parse; an unreadable answer means: harden again (every
            // step is idempotent).
            match s3.get_bucket_versioning().bucket(&bucket).send().await {
                Ok(v) if v.status == Some(BucketVersioningStatus::Enabled) => return Ok(bucket),
                Ok(_) => lines.line(&format!("hardening assets bucket s3://{bucket}")),
                Err(e) if error::http_status(&e) == Some(403) => {
                    return Err(error::translate(&e, "s3:GetBucketVersioning").into())
                }
                Err(_) => {}
            }
        }
        Err(e) => match error::http_status(&e) {
            Some(404) => {
                lines.line(&format!("creating assets bucket s3://{bucket}"));
                let mut create = s3.create_bucket().bucket(&bucket);
                // us-east-1 is the one region that takes no location constraint.
                if aws.region != "us-east-1" {
                    create = create.create_bucket_configuration(
                        CreateBucketConfiguration::builder()
                            .location_constraint(BucketLocationConstraint::from(aws.region.as_str()))
                            .build(),
                    );
                }
                if let Err(e) = create.send().await {
                    // Someone else (another deploy) may have just created it.
                    if error::code(&e) != Some("BucketAlreadyOwnedByYou") {
                        return Err(error::translate(&e, "s3:CreateBucket").into());
                    }
                }
            }
            Some(403) => anyhow::bail!(
                "the assets bucket name s3://{bucket} is taken by another account, or your identity may not \
                 call s3:ListBucket on it (HTTP 403)"
            ),
            _ => return Err(error::translate(&e, "s3:HeadBucket").into()),
        },
    }
    harden(aws, &bucket).await?;
    Ok(bucket)
}

async fn harden(aws: &Aws, bucket: &str) -> anyhow::Result<()> {
    let s3 = aws.s3();
    s3.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(ServerSideEncryption::Aes256)
                                .build()?,
                        )
                        .build(),
                )
                .build()?,
        )
        .send()
        .await
        .explain("s3:PutEncryptionConfiguration")?;
    s3.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .explain("s3:PutBucketPublicAccessBlock")?;
    s3.put_bucket_ownership_controls()
        .bucket(bucket)
        .ownership_controls(
            OwnershipControls::builder()
                .rules(
                    OwnershipControlsRule::builder()
                        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                        .build()?,
                )
                .build()?,
        )
        .send()
        .await
        .explain("s3:PutBucketOwnershipControls")?;
    // Through a plain-HTTP endpoint (an emulator), a TLS-only policy would deny every
    // request this tool makes (moto also ignores the policy's Condition and denies all
    // object requests), so it is applied only when requests go over TLS.
    if !aws.plain_http() {
        s3.put_bucket_policy()
            .bucket(bucket)
            .policy(tls_only_policy(aws.partition(), bucket).to_string())
            .send()
            .await
            .explain("s3:PutBucketPolicy")?;
    }
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .explain("s3:PutBucketVersioning")?;
    Ok(())
}

fn tls_only_policy(partition: &str, bucket: &str) -> serde_json::Value {
    crate::iam::deny_insecure_transport(
        format!("arn:{partition}:s3:::{bucket}").into(),
        format!("arn:{partition}:s3:::{bucket}/*").into(),
    )
}

/// True when the object exists.
pub(crate) async fn exists(aws: &Aws, bucket: &str, key: &str) -> anyhow::Result<bool> {
    match aws.s3().head_object().bucket(bucket).key(key).send().await {
        Ok(_) => Ok(true),
        Err(e) if error::http_status(&e) == Some(404) => Ok(false),
        Err(e) => Err(error::translate(&e, "s3:HeadObject").into()),
    }
}

/// Uploads `body` to `key` unless it is already there. True when it uploaded.
pub(crate) async fn upload_missing(
    aws: &Aws,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
    content_type: &str,
) -> anyhow::Result<bool> {
    if exists(aws, bucket, key).await? {
        return Ok(false);
    }
    aws.s3()
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .body(ByteStream::from(body))
        .send()
        .await
        .explain("s3:PutObject")?;
    Ok(true)
}

/// Uploads every asset that is missing. The scripts tarball is built in memory; the
/// Lambda zip comes from `lambda_zip`, else is skipped when already uploaded, else is
/// built with the repository's build script.
pub(crate) async fn upload_all(
    aws: &Aws,
    bucket: &str,
    assets: &[Asset],
    lambda_zip: Option<&Path>,
    lines: &mut dyn Progress,
) -> anyhow::Result<()> {
    for asset in assets {
        let uri = format!("s3://{bucket}/{}", asset.key);
        match &asset.build {
            Build::Tarball { .. } => {
                let uploaded = upload_missing(
                    aws,
                    bucket,
                    &asset.key,
                    crate::stack::assets::scripts_tarball(),
                    "application/gzip",
                )
                .await?;
                lines.line(&asset_line(asset.name, &uri, uploaded));
            }
            Build::CargoLambda { script, output, .. } => {
                let zip = match lambda_zip {
                    Some(path) => Some(path.to_path_buf()),
                    None if exists(aws, bucket, &asset.key).await? => None,
                    None => Some(build_lambda(asset, script, output, lines)?),
                };
                let uploaded = match zip {
                    Some(path) => {
                        let body = read_zip(&path)?;
                        upload_missing(aws, bucket, &asset.key, body, "application/zip").await?
                    }
                    None => false,
                };
                lines.line(&asset_line(asset.name, &uri, uploaded));
            }
        }
    }
    Ok(())
}

fn asset_line(name: &str, uri: &str, uploaded: bool) -> String {
    if uploaded {
        format!("uploaded {name}: {uri}")
    } else {
        format!("{name} already uploaded: {uri}")
    }
}

fn read_zip(path: &Path) -> anyhow::Result<Vec<u8>> {
    let body = std::fs::read(path)
        .with_context(|| format!("cannot read the Lambda zip {}", path.display()))?;
    if !body.starts_with(b"PK\x03\x04") {
        anyhow::bail!(
            "{} is not a zip file; pass the zip `bash lambdas/evaluate/build.sh` prints (target/lambda/bootstrap/bootstrap.zip)",
            path.display()
        );
    }
    Ok(body)
}

/// The automl repository this command runs in (a directory with the build script), if any.
fn repository(script: &str) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .find(|dir| dir.join(script).is_file() && dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

/// Runs the Lambda's build script (cargo-lambda) and returns the zip it made.
fn build_lambda(
    asset: &Asset,
    script: &str,
    output: &str,
    lines: &mut dyn Progress,
) -> anyhow::Result<PathBuf> {
    let Some(root) = repository(script) else {
        anyhow::bail!(
            "the evaluation Lambda ({}) is not in the assets bucket yet, and this is not the automl repository, \
             so it cannot be built here: build it in the repository with `bash {script}` (needs cargo-lambda) \
             and pass the zip with --lambda-zip PATH",
            asset.key
        );
    };
    lines.line(&format!("building the evaluation Lambda: bash {script}"));
    let result = std::process::Command::new("bash")
        .arg(script)
        .current_dir(&root)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run `bash {script}`"))?;
    if !result.status.success() {
        anyhow::bail!(
            "`bash {script}` failed ({}); fix the build, or build the zip elsewhere and pass --lambda-zip PATH",
            result.status
        );
    }
    // The script's last line says where the zip is: "evaluation Lambda: /path/x.zip (N bytes)".
    let stdout = String::from_utf8_lossy(&result.stdout);
    let printed = stdout
        .lines()
        .rev()
        .find_map(|line| line.split(": ").nth(1))
        .and_then(|rest| rest.split(" (").next())
        .map(PathBuf::from)
        .filter(|p| p.is_file());
    Ok(printed.unwrap_or_else(|| root.join(output)))
}

/// Uploads the template (content-addressed) and returns its TemplateURL. A URL rather
/// than an inline TemplateBody: the template may outgrow the 51,200-byte inline limit
/// (the URL limit is 1 MB), and moto accepts URLs into its own S3 just as AWS does.
pub(crate) async fn upload_template(
    aws: &Aws,
    bucket: &str,
    stack_name: &str,
    template: &str,
) -> anyhow::Result<String> {
    let hash = crate::stack::assets::hex(&Sha256::digest(template.as_bytes()));
    let key = format!(
        "automl/templates/{stack_name}-{}.template.json",
        &hash[..16]
    );
    upload_missing(
        aws,
        bucket,
        &key,
        template.as_bytes().to_vec(),
        "application/json",
    )
    .await?;
    Ok(template_url(bucket, &aws.region, &key))
}

pub(crate) fn template_url(bucket: &str, region: &str, key: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://{bucket}.s3.{region}.{suffix}/{key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_urls() {
        assert_eq!(
            bucket_name("123456789012", "eu-west-1"),
            "automl-assets-123456789012-eu-west-1"
        );
        assert_eq!(
            template_url("b", "eu-west-1", "automl/templates/x.json"),
            "https://b.s3.eu-west-1.amazonaws.com/automl/templates/x.json"
        );
        let policy = tls_only_policy("aws", "b");
        assert_eq!(policy["Statement"][0]["Resource"][1], "arn:aws:s3:::b/*");
    }
}
