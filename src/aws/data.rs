//! The S3 half of the data check before a run on AWS (and `validate --aws`): for each data
//! location, the first object under its prefix (SageMaker's `S3Prefix` channels read every
//! object whose key starts so) and a ranged GetObject of its first [`SAMPLE_BYTES`]. The
//! checks themselves are the input room's (`crate::input::check_data`), the same pure
//! functions the local pre-flight applies to local files; this module only fetches bytes.
//!
//! Only a location that certainly holds no usable data is a problem (no such bucket, no
//! object under the prefix, not a CSV with the label); a location these credentials may
//! not read is a note: the stack's roles may well read it.

use super::config::{block_on, Aws, AwsConfig, RegionCheck};
use crate::input::{Normalized, Problem, Sample};
use crate::s3uri::S3Uri;
use std::collections::HashMap;
use std::time::Duration;

/// How much of the first object is read: the header and enough rows to tell the label's
/// kind, at the price of one small ranged GET.
pub(crate) const SAMPLE_BYTES: u64 = 64 * 1024;

/// How long one location may take (list + get) before it is left unchecked.
const PER_LOCATION: Duration = Duration::from_secs(20);

/// What the S3 data check found: problems refuse the run; notes say what was not checked
/// and why.
#[derive(Debug, Default)]
pub(crate) struct DataCheck {
    pub(crate) problems: Vec<Problem>,
    pub(crate) notes: Vec<String>,
}

/// Why `run` started nothing: the data problems, one per line.
#[derive(Debug, thiserror::Error)]
#[error("{} problem{} with the data in S3: nothing was started (see `automl validate --aws`){}",
    problems.len(), if problems.len() == 1 { "" } else { "s" },
    problems.iter().map(|p| format!("\n  {p}")).collect::<String>())]
pub(crate) struct DataRefused {
    pub(crate) problems: Vec<Problem>,
}

/// Connects, then reads and checks the head of every S3 data location of `normalized`
/// (`validate --aws`); without usable credentials, a note says nothing was checked.
pub(crate) fn check(config: &AwsConfig, normalized: &Normalized) -> DataCheck {
    if s3_sources(normalized).is_empty() {
        return DataCheck::default();
    }
    block_on(async {
        match Aws::connect(config, RegionCheck::Any).await {
            Ok(aws) => check_with(&aws, normalized).await,
            Err(error) => DataCheck {
                problems: Vec::new(),
                notes: vec![format!(
                    "the data in S3 was not checked (header, label column, test columns): {error:#}"
                )],
            },
        }
    })
}

fn s3_sources(normalized: &Normalized) -> Vec<(String, S3Uri)> {
    crate::input::data_sources(normalized)
        .into_iter()
        .filter_map(|(_, uri)| Some((uri.clone(), uri.parse().ok()?)))
        .collect()
}

/// Reads the head of every S3 data location of `normalized` and checks it.
pub(crate) async fn check_with(aws: &Aws, normalized: &Normalized) -> DataCheck {
    let s3 = aws.s3();
    let mut notes = Vec::new();
    let mut samples: HashMap<String, Option<Result<Sample, String>>> = HashMap::new();
    for (text, uri) in s3_sources(normalized) {
        if samples.contains_key(&text) {
            continue;
        }
        let fetched = tokio::time::timeout(PER_LOCATION, sample(&s3, &uri)).await;
        let sample = match fetched {
            Ok(Fetched::Sample(sample)) => Some(Ok(sample)),
            Ok(Fetched::Missing(why)) => Some(Err(why)),
            Ok(Fetched::Unchecked(why)) => {
                notes.push(format!("{text} was not checked: {why}"));
                None
            }
            Err(_) => {
                notes.push(format!(
                    "{text} was not checked: S3 did not answer within {} s",
                    PER_LOCATION.as_secs()
                ));
                None
            }
        };
        samples.insert(text, sample);
    }
    let problems =
        crate::input::check_data(normalized, &|uri: &str| samples.get(uri).cloned().flatten());
    DataCheck { problems, notes }
}

enum Fetched {
    Sample(Sample),
    /// Certainly no data there: a problem.
    Missing(String),
    /// Could not be seen with these credentials: a note.
    Unchecked(String),
}

/// The first [`SAMPLE_BYTES`] of the first object under `uri`.
async fn sample(s3: &aws_sdk_s3::Client, uri: &S3Uri) -> Fetched {
    // Folder markers (`data/`) are objects SageMaker copies as empty files; skip them to
    // reach the first object with data, as a user means it.
    let listed = s3
        .list_objects_v2()
        .bucket(&uri.bucket)
        .prefix(&uri.key)
        .max_keys(20)
        .send()
        .await;
    let listed = match listed {
        Ok(listed) => listed,
        Err(error) => return unreadable(&error, "s3:ListBucket", uri),
    };
    let Some(key) = listed
        .contents()
        .iter()
        .filter_map(|o| o.key())
        .find(|k| !k.ends_with('/'))
        .map(str::to_string)
    else {
        return Fetched::Missing(format!(
            "no object under s3://{}/{}: SageMaker would fail with \"No S3 objects found\"; upload the data there or fix the path",
            uri.bucket, uri.key
        ));
    };
    let file = format!("s3://{}/{key}", uri.bucket);
    let got = s3
        .get_object()
        .bucket(&uri.bucket)
        .key(&key)
        .range(format!("bytes=0-{}", SAMPLE_BYTES - 1))
        .send()
        .await;
    let got = match got {
        Ok(got) => got,
        // An empty object has no byte 0: S3 answers 416 to the range.
        Err(error) if super::error::code(&error) == Some("InvalidRange") => {
            return Fetched::Sample(Sample {
                file,
                bytes: Vec::new(),
                complete: true,
            })
        }
        Err(error) => return unreadable(&error, "s3:GetObject", uri),
    };
    // `Content-Range: bytes 0-65535/123456`: the total says whether this is all of it.
    let total = got
        .content_range()
        .and_then(|r| r.rsplit('/').next())
        .and_then(|t| t.parse::<u64>().ok());
    let bytes = match got.body.collect().await {
        Ok(body) => body.into_bytes().to_vec(),
        Err(error) => {
            return Fetched::Unchecked(format!(
                "reading {file} was cut off: {}",
                super::error::chain(&error)
            ))
        }
    };
    // S3 ignores a range it cannot honour and sends the whole object: keep the head only.
    let mut bytes = bytes;
    bytes.truncate(SAMPLE_BYTES as usize);
    let complete = match total {
        Some(total) => total <= bytes.len() as u64,
        None => (bytes.len() as u64) < SAMPLE_BYTES,
    };
    Fetched::Sample(Sample {
        file,
        bytes,
        complete,
    })
}

fn unreadable<E>(
    error: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    action: &str,
    uri: &S3Uri,
) -> Fetched
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if super::error::code(error) == Some("NoSuchBucket") {
        return Fetched::Missing(format!(
            "the bucket `{}` does not exist (in this account's view); create it or fix the path",
            uri.bucket
        ));
    }
    Fetched::Unchecked(super::error::translate(error, action).to_string())
}
