//! The evaluation step of the AutoML workflow, without any AWS in it: decide whether a
//! trained model is good enough from the scores its training job left behind.
//!
//! The AutoGluon training script writes `predictor.evaluate(test)` as `scores.json` (a
//! flat JSON object, metric name -> number, higher is better, losses negated) into
//! `SM_OUTPUT_DATA_DIR`; SageMaker packs that directory as `output.tar.gz` beside
//! `model.tar.gz`. [`evaluate_archive`] streams that archive, reads only the
//! `scores.json` member (bounded in size, by exact name, never touching the file
//! system) and compares one metric to a threshold: the model is valid when
//! **value >= threshold**, so a model exactly at the threshold passes. For a loss such as
//! `root_mean_squared_error` the value is negative, so the threshold is too (`-60` means
//! "RMSE at most 60").
//!
//! The Lambda (`main.rs`) and the local runner both call this library; every failure is
//! an [`EvaluateError`] whose [`name`](EvaluateError::name) is what a state machine's
//! `Catch`/`Retry` matches on.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};

use serde::{Deserialize, Serialize};

/// The member of `output.tar.gz` that holds the scores. `./scores.json` is accepted too
/// (tar run as `tar -C dir -czf out.tar.gz .` writes that); no other spelling is.
pub const SCORES_MEMBER: &str = "scores.json";

/// Upper bound on the size of `scores.json`. Real files are a few hundred bytes; the
/// bound keeps a hostile archive from making the Lambda allocate what it declares.
pub const MAX_SCORES_BYTES: u64 = 1024 * 1024;

/// Upper bound on a tar extension header (pax record list or GNU long name) read to
/// learn a member's real path; the tar crate's own handling of these is unbounded.
pub const MAX_EXTENSION_HEADER_BYTES: u64 = 64 * 1024;

/// The most bytes the gzip stream may expand to before `scores.json` is found. A real
/// output.tar.gz holds a few KiB; a gzip bomb would otherwise run until the Lambda's
/// timeout (locally: without end).
pub const MAX_DECOMPRESSED_BYTES: u64 = 256 * 1024 * 1024;

/// How many member names a [`EvaluateError::ScoresNotFound`] message lists.
const LISTED_MEMBERS: usize = 20;

/// Metric name -> value, exactly as in `scores.json`, in a stable (sorted) order.
pub type Scores = BTreeMap<String, f64>;

/// The answer the state machine branches on (`$.IsValid`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// `Value >= Threshold`.
    #[serde(rename = "IsValid")]
    pub is_valid: bool,
    #[serde(rename = "Metric")]
    pub metric: String,
    #[serde(rename = "Value")]
    pub value: f64,
    #[serde(rename = "Threshold")]
    pub threshold: f64,
    /// Every score of the run, so an execution's history shows what else was measured.
    #[serde(rename = "Scores")]
    pub scores: Scores,
}

/// The Lambda's event: `{"ModelPath": "s3://b/p/<job>/output/model.tar.gz",
/// "EvalThreshold": 0.6 | "0.6", "EvalMetric": "accuracy"}`. Other fields are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationRequest {
    #[serde(rename = "ModelPath")]
    pub model_path: String,
    /// Kept as raw JSON: the seed's inputs carry the threshold as a string (`"0.6"`), and
    /// a non-number must surface as `InvalidThreshold`, not as a generic decoding error.
    #[serde(rename = "EvalThreshold")]
    pub eval_threshold: serde_json::Value,
    #[serde(rename = "EvalMetric")]
    pub eval_metric: String,
}

impl EvaluationRequest {
    /// Decodes an event, reporting a missing or mistyped field as `InvalidRequest`.
    pub fn from_value(event: serde_json::Value) -> Result<Self, EvaluateError> {
        serde_json::from_value(event).map_err(|e| EvaluateError::InvalidRequest {
            reason: e.to_string(),
        })
    }

    /// The threshold as a finite number, from a JSON number or a numeric string.
    pub fn threshold(&self) -> Result<f64, EvaluateError> {
        let parsed = match &self.eval_threshold {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        parsed
            .filter(|t| t.is_finite())
            .ok_or_else(|| EvaluateError::InvalidThreshold {
                value: self.eval_threshold.to_string(),
            })
    }

    /// Where the scores archive of this model is (see [`output_archive_location`]).
    pub fn archive_location(&self) -> Result<S3Location, EvaluateError> {
        output_archive_location(&self.model_path)
    }
}

/// An object in S3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
}

impl fmt::Display for S3Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// `s3://bucket/prefix/<job>/output/model.tar.gz` -> `{bucket, "prefix/<job>/output/output.tar.gz"}`:
/// SageMaker writes the output data archive beside the model archive.
pub fn output_archive_location(model_path: &str) -> Result<S3Location, EvaluateError> {
    let invalid = |reason: &'static str| EvaluateError::InvalidModelPath {
        path: model_path.to_owned(),
        reason,
    };
    let rest = model_path
        .strip_prefix("s3://")
        .ok_or_else(|| invalid("it does not start with s3://"))?;
    let (bucket, key) = rest
        .split_once('/')
        .ok_or_else(|| invalid("it names a bucket but no object"))?;
    if bucket.is_empty() {
        return Err(invalid("the bucket name is empty"));
    }
    let dir = match key.rsplit_once('/') {
        Some((dir, "model.tar.gz")) => format!("{dir}/"),
        None if key == "model.tar.gz" => String::new(),
        _ => return Err(invalid("the object is not a model.tar.gz")),
    };
    Ok(S3Location {
        bucket: bucket.to_owned(),
        key: format!("{dir}output.tar.gz"),
    })
}

/// Everything that can go wrong, each with the context needed to act on it. `archive`
/// names the training output archive in messages: `output.tar.gz` until the caller, who
/// knows where it came from, sets it with [`EvaluateError::with_archive`].
#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    #[error("invalid evaluation event: {reason}")]
    InvalidRequest { reason: String },

    #[error("ModelPath {path:?} cannot locate the training output: {reason}")]
    InvalidModelPath { path: String, reason: &'static str },

    #[error("EvalThreshold {value} is not a finite number (give a number or a numeric string such as \"0.6\")")]
    InvalidThreshold { value: String },

    #[error("the training output archive {archive} does not exist: {detail}")]
    ArchiveNotFound { archive: String, detail: String },

    /// Reading failed for a reason outside the archive (S3 refused, the connection
    /// broke): worth a retry, unlike `ArchiveCorrupt`.
    #[error("the training output archive {archive} could not be read: {detail}")]
    ArchiveUnreadable { archive: String, detail: String },

    #[error("the training output archive {archive} is not a valid .tar.gz: {detail}")]
    ArchiveCorrupt { archive: String, detail: String },

    #[error("the training output archive {archive} has no {SCORES_MEMBER} (the training script writes it to SM_OUTPUT_DATA_DIR); its members: {members}")]
    ScoresNotFound { archive: String, members: String },

    #[error(
        "{SCORES_MEMBER} in {archive} is not a flat JSON object of metric name to number: {detail}"
    )]
    ScoresMalformed { archive: String, detail: String },

    #[error("metric {metric:?} is not in {SCORES_MEMBER}; available metrics: {}", available.join(", "))]
    MetricNotFound {
        metric: String,
        available: Vec<String>,
    },
}

/// How messages name the archive until [`EvaluateError::with_archive`] says better.
pub const DEFAULT_ARCHIVE_NAME: &str = "output.tar.gz";

impl EvaluateError {
    /// The error name a state machine sees (the Lambda error's `errorType`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::InvalidRequest { .. } => "InvalidRequest",
            Self::InvalidModelPath { .. } => "InvalidModelPath",
            Self::InvalidThreshold { .. } => "InvalidThreshold",
            Self::ArchiveNotFound { .. } => "ArchiveNotFound",
            Self::ArchiveUnreadable { .. } => "ArchiveUnreadable",
            Self::ArchiveCorrupt { .. } => "ArchiveCorrupt",
            Self::ScoresNotFound { .. } => "ScoresNotFound",
            Self::ScoresMalformed { .. } => "ScoresMalformed",
            Self::MetricNotFound { .. } => "MetricNotFound",
        }
    }

    /// Every name [`name`](Self::name) can return, for state machines that catch them.
    pub const NAMES: [&'static str; 9] = [
        "InvalidRequest",
        "InvalidModelPath",
        "InvalidThreshold",
        "ArchiveNotFound",
        "ArchiveUnreadable",
        "ArchiveCorrupt",
        "ScoresNotFound",
        "ScoresMalformed",
        "MetricNotFound",
    ];

    /// Names the archive (e.g. its `s3://` URI) in the message of an archive error.
    pub fn with_archive(mut self, name: impl fmt::Display) -> Self {
        match &mut self {
            Self::ArchiveNotFound { archive, .. }
            | Self::ArchiveUnreadable { archive, .. }
            | Self::ArchiveCorrupt { archive, .. }
            | Self::ScoresNotFound { archive, .. }
            | Self::ScoresMalformed { archive, .. } => *archive = name.to_string(),
            _ => {}
        }
        self
    }
}

/// Reads `scores.json` from a gzip-compressed tar stream and judges `metric` against
/// `threshold` (valid when value >= threshold).
pub fn evaluate_archive<R: Read>(
    archive: R,
    metric: &str,
    threshold: f64,
) -> Result<Verdict, EvaluateError> {
    if !threshold.is_finite() {
        return Err(EvaluateError::InvalidThreshold {
            value: threshold.to_string(),
        });
    }
    judge(read_scores(archive)?, metric, threshold)
}

/// Compares one score to a threshold: valid when value >= threshold.
pub fn judge(scores: Scores, metric: &str, threshold: f64) -> Result<Verdict, EvaluateError> {
    let value = *scores
        .get(metric)
        .ok_or_else(|| EvaluateError::MetricNotFound {
            metric: metric.to_owned(),
            available: scores.keys().cloned().collect(),
        })?;
    if let Some((low, high)) = bounds(metric) {
        if !(low..=high).contains(&value) {
            return Err(malformed(format!(
                "{metric} is {value}, outside the range a {metric} can take ([{low}, {high}]): the scores are not trustworthy"
            )));
        }
    }
    Ok(Verdict {
        is_valid: value >= threshold,
        metric: metric.to_owned(),
        value,
        threshold,
        scores,
    })
}

/// The range of a bounded metric, as AutoGluon reports it (higher is better; error
/// metrics are reported negated, so they lie in [-1, 0] or below 0). Unbounded metrics
/// (log loss, RMSE, r2's lower side, ...) are not range-checked beyond what is listed.
/// Source: the definitions of these scorers in scikit-learn and
/// `autogluon.core.metrics` (accuracy-like scores in [0, 1], MCC in [-1, 1], r2 <= 1).
fn bounds(metric: &str) -> Option<(f64, f64)> {
    Some(match metric {
        "accuracy"
        | "balanced_accuracy"
        | "roc_auc"
        | "roc_auc_ovo"
        | "roc_auc_ovo_macro"
        | "roc_auc_ovr"
        | "roc_auc_ovr_macro"
        | "roc_auc_ovr_micro"
        | "roc_auc_ovr_weighted"
        | "average_precision"
        | "precision"
        | "precision_macro"
        | "precision_micro"
        | "precision_weighted"
        | "recall"
        | "recall_macro"
        | "recall_micro"
        | "recall_weighted"
        | "f1"
        | "f1_macro"
        | "f1_micro"
        | "f1_weighted"
        | "pac_score" => (0.0, 1.0),
        "mcc" | "quadratic_kappa" => (-1.0, 1.0),
        "r2" => (f64::NEG_INFINITY, 1.0),
        "log_loss"
        | "root_mean_squared_error"
        | "mean_squared_error"
        | "mean_absolute_error"
        | "median_absolute_error"
        | "mean_absolute_percentage_error"
        | "symmetric_mean_absolute_percentage_error"
        | "pinball_loss" => (f64::NEG_INFINITY, 0.0),
        _ => return None,
    })
}

/// Streams a `.tar.gz` up to its `scores.json` member and parses it; nothing after that
/// member is read.
pub fn read_scores<R: Read>(archive: R) -> Result<Scores, EvaluateError> {
    let gz = flate2::read::MultiGzDecoder::new(Source(archive));
    let mut tar = tar::Archive::new(Bounded {
        inner: gz,
        left: MAX_DECOMPRESSED_BYTES,
    });
    // Raw mode: pax and GNU long-name headers come to us as entries, so we resolve a
    // member's real path ourselves, with a bound on how much of them we read (the tar
    // crate reads them whole, whatever size they declare).
    let entries = tar.entries().map_err(archive_error)?.raw(true);

    let mut pax_path: Option<Vec<u8>> = None;
    let mut long_name: Option<Vec<u8>> = None;
    let mut others: Vec<String> = Vec::new();
    let mut other_count = 0usize;
    for entry in entries {
        let mut entry = entry.map_err(archive_error)?;
        let kind = entry.header().entry_type();
        if kind.is_pax_local_extensions() {
            let records = read_bounded(&mut entry, MAX_EXTENSION_HEADER_BYTES)?
                .ok_or_else(|| corrupt("a pax extended header is larger than 64 KiB"))?;
            pax_path = pax_path_record(&records)?.or(pax_path);
            continue;
        }
        if kind.is_gnu_longname() {
            let mut name = read_bounded(&mut entry, MAX_EXTENSION_HEADER_BYTES)?
                .ok_or_else(|| corrupt("a GNU long name is larger than 64 KiB"))?;
            while name.last() == Some(&0) {
                name.pop();
            }
            long_name = Some(name);
            continue;
        }
        if kind.is_pax_global_extensions() || kind.is_gnu_longlink() {
            continue;
        }

        // A pax `path` wins over a GNU long name, which wins over the header's own name:
        // the order GNU tar applies them in. Exact comparison of the resolved bytes is
        // what makes `../scores.json`, `/scores.json` or `x/../scores.json` not count.
        let path = pax_path
            .take()
            .or(long_name.take())
            .unwrap_or_else(|| entry.path_bytes().into_owned());
        if path != SCORES_MEMBER.as_bytes() && path != format!("./{SCORES_MEMBER}").as_bytes() {
            other_count += 1;
            if others.len() < LISTED_MEMBERS {
                others.push(String::from_utf8_lossy(&path).into_owned());
            }
            continue;
        }
        if !kind.is_file() {
            return Err(malformed(format!(
                "the member is a {kind:?} entry, not a regular file"
            )));
        }
        if entry.size() > MAX_SCORES_BYTES {
            return Err(too_large(entry.size()));
        }
        let json = read_bounded(&mut entry, MAX_SCORES_BYTES)?
            .ok_or_else(|| too_large(MAX_SCORES_BYTES + 1))?;
        return parse_scores(&json);
    }

    let members = match other_count {
        0 => "none".to_owned(),
        n if n > others.len() => format!("{}, ... ({n} in all)", others.join(", ")),
        _ => others.join(", "),
    };
    Err(EvaluateError::ScoresNotFound {
        archive: DEFAULT_ARCHIVE_NAME.to_owned(),
        members,
    })
}

/// A decompressed stream that fails once it has yielded `left` bytes.
struct Bounded<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "it expands to more than {} MiB before {SCORES_MEMBER} (a gzip bomb?)",
                    MAX_DECOMPRESSED_BYTES >> 20
                ),
            ));
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// The top level of `scores.json` as written, keys in order and duplicates kept, so a
/// duplicate is refused rather than resolved silently to its last value.
struct Entries(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

/// Parses the content of `scores.json`.
pub fn parse_scores(json: &[u8]) -> Result<Scores, EvaluateError> {
    let value: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| malformed(format!("invalid JSON: {e}")))?;
    if value.is_object() {
        let Entries(entries) =
            serde_json::from_slice(json).map_err(|e| malformed(format!("invalid JSON: {e}")))?;
        let mut seen = std::collections::BTreeSet::new();
        for (name, _) in &entries {
            if !seen.insert(name.as_str()) {
                return Err(malformed(format!(
                    "the metric {name:?} appears more than once"
                )));
            }
        }
    }
    let serde_json::Value::Object(object) = value else {
        return Err(malformed(format!(
            "expected an object, found {}",
            json_kind(&value)
        )));
    };
    object
        .into_iter()
        .map(|(name, value)| match value.as_f64() {
            Some(number) => Ok((name, number)),
            None => Err(malformed(format!(
                "the value of {name:?} is {}, not a number",
                json_kind(&value)
            ))),
        })
        .collect()
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The last `path` record of a pax header, if any.
fn pax_path_record(records: &[u8]) -> Result<Option<Vec<u8>>, EvaluateError> {
    let mut path = None;
    for record in tar::PaxExtensions::new(records) {
        let record = record.map_err(archive_error)?;
        if record.key_bytes() == b"path" {
            path = Some(record.value_bytes().to_vec());
        }
    }
    Ok(path)
}

/// Reads a whole tar member, or `None` (having read at most `limit + 1` bytes) when it is
/// longer than `limit`, whatever its header declares.
fn read_bounded<R: Read>(member: R, limit: u64) -> Result<Option<Vec<u8>>, EvaluateError> {
    let mut bytes = Vec::new();
    member
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(archive_error)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

fn corrupt(detail: impl Into<String>) -> EvaluateError {
    EvaluateError::ArchiveCorrupt {
        archive: DEFAULT_ARCHIVE_NAME.to_owned(),
        detail: detail.into(),
    }
}

fn malformed(detail: String) -> EvaluateError {
    EvaluateError::ScoresMalformed {
        archive: DEFAULT_ARCHIVE_NAME.to_owned(),
        detail,
    }
}

fn too_large(size: u64) -> EvaluateError {
    malformed(format!(
        "it is {size} bytes or more, above the {MAX_SCORES_BYTES}-byte limit"
    ))
}

/// Wraps the caller's reader so its failures can be told apart from decoding failures.
struct Source<R>(R);

/// An I/O error raised by the archive's source (S3, a file), not by gzip or tar.
#[derive(Debug)]
struct SourceFailure(io::Error);

impl fmt::Display for SourceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SourceFailure {}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), SourceFailure(e)))
    }
}

/// A failure while decoding the stream: the source's own (retryable) or the content's.
fn archive_error(error: io::Error) -> EvaluateError {
    match error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<SourceFailure>())
    {
        Some(source) => EvaluateError::ArchiveUnreadable {
            archive: DEFAULT_ARCHIVE_NAME.to_owned(),
            detail: source.to_string(),
        },
        None if error.kind() == io::ErrorKind::UnexpectedEof => {
            corrupt(format!("it ends early ({error})"))
        }
        None => corrupt(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_archive_sits_beside_the_model() {
        let location =
            output_archive_location("s3://bucket/automl/job-1/output/model.tar.gz").unwrap();
        assert_eq!(location.bucket, "bucket");
        assert_eq!(location.key, "automl/job-1/output/output.tar.gz");
        assert_eq!(
            output_archive_location("s3://b/model.tar.gz").unwrap().key,
            "output.tar.gz"
        );
    }

    #[test]
    fn model_paths_that_locate_nothing_are_rejected() {
        for path in [
            "",
            "bucket/job/output/model.tar.gz",
            "s3://bucket",
            "s3:///job/output/model.tar.gz",
            "s3://bucket/job/output/",
            "s3://bucket/job/output/other.tar.gz",
            "s3://bucket/job/output/notmodel.tar.gz",
        ] {
            let error = output_archive_location(path).unwrap_err();
            assert_eq!(error.name(), "InvalidModelPath", "{path}");
        }
    }

    #[test]
    fn threshold_is_a_number_or_a_numeric_string() {
        let request = |t: serde_json::Value| EvaluationRequest {
            model_path: String::new(),
            eval_threshold: t,
            eval_metric: String::new(),
        };
        assert_eq!(request(serde_json::json!(0.6)).threshold().unwrap(), 0.6);
        assert_eq!(
            request(serde_json::json!(" -56.8 ")).threshold().unwrap(),
            -56.8
        );
        assert_eq!(request(serde_json::json!(1)).threshold().unwrap(), 1.0);
        for bad in [
            serde_json::json!("high"),
            serde_json::json!(""),
            serde_json::json!("NaN"),
            serde_json::json!("inf"),
            serde_json::json!(null),
            serde_json::json!(true),
            serde_json::json!([0.6]),
        ] {
            let error = request(bad.clone()).threshold().unwrap_err();
            assert_eq!(error.name(), "InvalidThreshold", "{bad}");
            assert!(error.to_string().contains(&bad.to_string()), "{error}");
        }
    }

    #[test]
    fn error_names_are_listed() {
        let error = corrupt("test");
        assert!(EvaluateError::NAMES.contains(&error.name()));
    }

    #[test]
    fn duplicate_keys_and_out_of_range_scores_are_refused() {
        let error = parse_scores(br#"{"accuracy": 0.5, "accuracy": 0.9}"#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("\"accuracy\" appears more than once"),
            "{error}"
        );
        let scores = parse_scores(br#"{"accuracy": 1e308, "log_loss": -0.2}"#).unwrap();
        let error = judge(scores.clone(), "accuracy", 0.5).unwrap_err();
        assert!(error.to_string().contains("outside the range"), "{error}");
        assert_eq!(error.name(), "ScoresMalformed");
        assert!(judge(scores, "log_loss", -1.0).is_ok());
        let scores = parse_scores(br#"{"r2": -3.5, "root_mean_squared_error": 2.0}"#).unwrap();
        assert!(judge(scores.clone(), "r2", -5.0).is_ok());
        assert!(judge(scores, "root_mean_squared_error", -5.0).is_err());
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_bound() {
        use std::io::Write;
        // 300 MiB of zeros in a tar member before scores.json: about 300 KiB gzipped.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let mut header = tar::Header::new_gnu();
        header.set_size(300 << 20);
        header.set_path("padding").unwrap();
        header.set_cksum();
        gz.write_all(header.as_bytes()).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..300 {
            gz.write_all(&zeros).unwrap();
        }
        let bytes = gz.finish().unwrap();
        let started = std::time::Instant::now();
        let error = read_scores(&bytes[..]).unwrap_err();
        assert!(error.to_string().contains("gzip bomb"), "{error}");
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }
}
