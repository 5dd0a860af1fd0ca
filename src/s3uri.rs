//! `s3://bucket/key` URIs: parsing with the bucket naming rules, so a typo in a data
//! location is caught before anything is started.

use std::fmt;
use std::str::FromStr;

/// A parsed `s3://bucket[/key]` URI. The key may be empty (the whole bucket).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct S3Uri {
    pub(crate) bucket: String,
    pub(crate) key: String,
}

/// Why a string is not an S3 URI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum S3UriError {
    #[error("`{0}` does not start with s3:// (write s3://bucket/prefix)")]
    Scheme(String),
    #[error("`{uri}` has an invalid bucket name `{bucket}`: {why}")]
    Bucket {
        uri: String,
        bucket: String,
        why: &'static str,
    },
}

impl FromStr for S3Uri {
    type Err = S3UriError;

    fn from_str(uri: &str) -> Result<S3Uri, S3UriError> {
        let rest = uri
            .strip_prefix("s3://")
            .ok_or_else(|| S3UriError::Scheme(uri.to_string()))?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if let Some(why) = bucket_problem(bucket) {
            return Err(S3UriError::Bucket {
                uri: uri.to_string(),
                bucket: bucket.to_string(),
                why,
            });
        }
        Ok(S3Uri {
            bucket: bucket.to_string(),
            key: key.to_string(),
        })
    }
}

impl fmt::Display for S3Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// Serialised as the URI text.
impl serde::Serialize for S3Uri {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl S3Uri {
    /// True when `other` lies under this URI (same bucket, key prefix).
    pub(crate) fn contains(&self, other: &S3Uri) -> bool {
        self.bucket == other.bucket && other.key.starts_with(&self.key)
    }
}

/// The S3 bucket naming rules, as one sentence each.
fn bucket_problem(bucket: &str) -> Option<&'static str> {
    if bucket.len() < 3 || bucket.len() > 63 {
        return Some("bucket names are 3 to 63 characters long");
    }
    if !bucket
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        return Some("bucket names use only lowercase letters, digits, '-' and '.'");
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge_ok(bucket.chars().next()) || !edge_ok(bucket.chars().last()) {
        return Some("bucket names begin and end with a letter or digit");
    }
    if bucket.contains("..") {
        return Some("bucket names have no two adjacent periods");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_buckets() {
        let uri: S3Uri = "s3://my-data/train/a.csv".parse().unwrap();
        assert_eq!(
            (uri.bucket.as_str(), uri.key.as_str()),
            ("my-data", "train/a.csv")
        );
        assert_eq!("s3://my-data".parse::<S3Uri>().unwrap().key, "");
        for bad in [
            "my-data/x",
            "s3://",
            "s3://My_Data/x",
            "s3://-abc/x",
            "s3://a..b/x",
            "http://b/x",
        ] {
            assert!(bad.parse::<S3Uri>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn containment_is_by_bucket_and_prefix() {
        let root: S3Uri = "s3://data/projects/".parse().unwrap();
        assert!(root.contains(&"s3://data/projects/a.csv".parse().unwrap()));
        assert!(!root.contains(&"s3://data/other/a.csv".parse().unwrap()));
        assert!(!root.contains(&"s3://datum/projects/a.csv".parse().unwrap()));
    }
}
