//! The data behind an input, checked before anything starts (`validate --local` and the
//! pre-flight of `run --local`): each data set exists, is a CSV file with a header row,
//! has the label column, the test set has every training column, and the evaluation
//! metric fits the problem the label makes (given as `InitArgs.problem_type`, or inferred
//! from the label's values as AutoGluon does). Only the head of each file is read
//! ([`HEAD_BYTES`]), so a huge file costs no more than a small one.
//!
//! Where the bytes come from is for the caller to say (`sample`): the local runner reads
//! the file its object root maps an `s3://` URI to ([`local_sample`]); `run` and
//! `validate --aws` read the first object under an S3 prefix with a ranged GetObject
//! (`crate::aws::data`). The checks are the same pure functions over those bytes; a
//! location the caller cannot see is skipped.

use super::metrics::{self, Predictor, ProblemType};
use super::problem::quote;
use super::{suggest, Normalized, Problem};
use std::io::Read;
use std::path::{Path, PathBuf};

/// How much of each data file is read: the header and enough rows to tell the label's kind.
pub(crate) const HEAD_BYTES: u64 = 1 << 20;

/// Distinct label values up to which a label of whole numbers is taken as classes
/// (AutoGluon's `infer_problem_type` threshold for small data).
const MAX_CLASSES: usize = 20;

/// The first bytes of one data file, wherever they were read.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    /// The file as the user knows it: a local path, or `s3://bucket/key`.
    pub(crate) file: String,
    pub(crate) bytes: Vec<u8>,
    /// True when `bytes` is the whole file (its last line is not cut).
    pub(crate) complete: bool,
}

/// Answers, for a data location, the sample to check (`None`: not checked here).
pub(crate) type Sampler<'a> = &'a dyn Fn(&str) -> Option<Result<Sample, String>>;

struct Head {
    file: String,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// The data locations [`check_data`] reads, with their JSON paths: the training and test
/// sets when the flow trains, the batch input when it runs a batch transform.
pub(crate) fn data_sources(normalized: &Normalized) -> Vec<(&'static str, String)> {
    let mut sources = Vec::new();
    if let Some(train) = normalized.train().filter(|_| normalized.flow().train) {
        sources.push((
            "Parameters.Train.TrainDataPath",
            train.train_data_path.clone(),
        ));
        sources.push((
            "Parameters.Train.TestDataPath",
            train.test_data_path.clone(),
        ));
    }
    if let Some(uri) = batch_input(normalized) {
        sources.push(("Parameters.Deploy.BatchInputDataPath", uri.to_string()));
    }
    sources
}

fn batch_input(normalized: &Normalized) -> Option<&str> {
    let deploy = normalized.deploy().filter(|_| normalized.flow().deploy)?;
    if deploy.mode != super::DeployMode::Batch {
        return None;
    }
    deploy.batch_input_data_path.as_deref()
}

/// Every problem with the data of `normalized` that `sample` lets us see.
pub(crate) fn check_data(normalized: &Normalized, sample: Sampler) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Some(uri) = batch_input(normalized) {
        // A transform reads rows, header or not: that the data is there is what can be said.
        if let Some(Err(why)) = sample(uri) {
            problems.push(Problem::new(
                "Parameters.Deploy.BatchInputDataPath",
                format!("{}: {why}", quote(uri)),
            ));
        }
    }
    let Some(train) = normalized.train().filter(|_| normalized.flow().train) else {
        return problems;
    };
    let field = |name: &str| format!("Parameters.Train.{name}");
    let mut head = |name: &str, location: &str| -> Option<Head> {
        match sample(location)?.and_then(parse_head) {
            Ok(head) => Some(head),
            Err(why) => {
                problems.push(Problem::new(
                    field(name),
                    format!("{}: {why}", quote(location)),
                ));
                None
            }
        }
    };
    let train_head = head("TrainDataPath", &train.train_data_path);
    let test_head = head("TestDataPath", &train.test_data_path);
    let label = train.init_args.get("label").and_then(|v| v.as_str());
    let Some(label) = label else {
        return problems;
    };
    let mut label_at = None;
    for (name, head) in [("TrainDataPath", &train_head), ("TestDataPath", &test_head)] {
        let Some(head) = head else { continue };
        match head.columns.iter().position(|c| c == label) {
            Some(at) => {
                if name == "TrainDataPath" {
                    label_at = Some(at);
                }
            }
            None => {
                let hint = suggest::did_you_mean(label, head.columns.iter().map(String::as_str));
                problems.push(Problem::new(
                    "Parameters.Train.InitArgs.label",
                    format!(
                        "the label column {} is not in the header of {} ({}){hint}; its columns are: {}",
                        quote(label),
                        head.file,
                        field(name),
                        shown_columns(&head.columns)
                    ),
                ));
            }
        }
    }
    if let (Some(train_head), Some(test_head)) = (&train_head, &test_head) {
        let missing: Vec<&str> = train_head
            .columns
            .iter()
            .filter(|c| !test_head.columns.contains(c))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() && label_at.is_some() {
            problems.push(Problem::new(
                field("TestDataPath"),
                format!(
                    "{} lacks {} of the training columns ({}): the model cannot score it",
                    test_head.file,
                    missing.len(),
                    shown_columns(&missing.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                ),
            ));
        }
    }
    let (Some(train_head), Some(at)) = (&train_head, label_at) else {
        return problems;
    };
    let given = train
        .init_args
        .get("problem_type")
        .and_then(|v| v.as_str())
        .and_then(ProblemType::parse);
    let (problem_type, why) = match given {
        Some(t) => (
            t,
            "Parameters.Train.InitArgs.problem_type says so".to_string(),
        ),
        None => match infer(train_head, at) {
            Some(inferred) => inferred,
            None => return problems,
        },
    };
    let eval_metric = train
        .init_args
        .get("eval_metric")
        .and_then(|v| v.as_str())
        .and_then(metrics::lookup);
    if let Some(metric) = eval_metric {
        if !metric.applies_to(problem_type) {
            problems.push(Problem::new(
                "Parameters.Train.InitArgs.eval_metric",
                format!(
                    "{} does not apply to a {problem_type} problem ({why})",
                    quote(metric.name)
                ),
            ));
        }
    }
    if let Some(evaluation) = normalized
        .evaluation()
        .filter(|_| normalized.flow().evaluate)
    {
        let predictor = Predictor {
            problem_type: Some(problem_type),
            eval_metric: eval_metric.filter(|m| m.applies_to(problem_type)),
            unknown: false,
        };
        let reported = predictor.reported();
        let name = evaluation.metric.as_str();
        let known = metrics::lookup(name).map_or(name, |m| m.name);
        if !reported.contains(&known) {
            problems.push(Problem::new(
                "Parameters.Evaluation.Metric",
                format!(
                    "{} is not reported for a {problem_type} problem ({why}); its scores are: {}",
                    quote(name),
                    reported.join(", ")
                ),
            ));
        }
    }
    problems
}

/// The problem type AutoGluon would infer from the label's values in the head, and why.
fn infer(head: &Head, at: usize) -> Option<(ProblemType, String)> {
    let mut values: Vec<&str> = head
        .rows
        .iter()
        .filter_map(|row| row.get(at).map(String::as_str))
        .filter(|v| !v.is_empty() && *v != "NA" && *v != "nan")
        .collect();
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    values.dedup();
    let numbers: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
    let label = &head.columns[at];
    let shown = |values: &[&str]| {
        let mut text: Vec<String> = values.iter().take(5).map(|v| quote(v)).collect();
        if values.len() > 5 {
            text.push("...".into());
        }
        text.join(", ")
    };
    let distinct = values.len();
    let problem_type = match numbers {
        _ if distinct == 2 => ProblemType::Binary,
        Some(numbers) if numbers.iter().any(|x| x.fract() != 0.0) || distinct > MAX_CLASSES => {
            ProblemType::Regression
        }
        _ if distinct > MAX_CLASSES => return None,
        _ => ProblemType::Multiclass,
    };
    let why = if problem_type == ProblemType::Regression {
        format!("the label column {} holds numbers ({} distinct values in the first rows), so AutoGluon infers regression", quote(label), distinct)
    } else {
        format!(
            "the label column {} has {distinct} distinct values ({}), so AutoGluon infers {problem_type}",
            quote(label),
            shown(&values)
        )
    };
    Some((problem_type, why))
}

fn shown_columns(columns: &[String]) -> String {
    let mut shown: Vec<String> = columns.iter().take(20).map(|c| quote(c)).collect();
    if columns.len() > 20 {
        shown.push(format!("... ({} in all)", columns.len()));
    }
    shown.join(", ")
}

/// The first [`HEAD_BYTES`] of the CSV at `path` (a file, or the first file of a
/// directory, as a SageMaker channel takes every file of a prefix).
pub(crate) fn local_sample(path: &Path) -> Result<Sample, String> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{} does not exist", path.display()),
        _ => format!("cannot read {}: {}", path.display(), e.kind()),
    })?;
    let file = if meta.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("cannot list {}: {}", path.display(), e.kind()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        files
            .into_iter()
            .next()
            .ok_or_else(|| format!("{} is an empty directory: no data", path.display()))?
    } else if meta.is_file() {
        path.to_path_buf()
    } else {
        return Err(format!("{} is not a regular file", path.display()));
    };
    let mut bytes = Vec::new();
    std::fs::File::open(&file)
        .and_then(|f| f.take(HEAD_BYTES).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read {}: {}", file.display(), e.kind()))?;
    Ok(Sample {
        file: file.display().to_string(),
        complete: (bytes.len() as u64) < HEAD_BYTES,
        bytes,
    })
}

/// The header and first rows of a sample, or why it is not a CSV file with a header.
fn parse_head(sample: Sample) -> Result<Head, String> {
    let Sample {
        file,
        bytes,
        complete,
    } = sample;
    if bytes.is_empty() {
        return Err(format!(
            "{file} is empty: a CSV file with a header row is needed"
        ));
    }
    if bytes.contains(&0) {
        return Err(format!("{file} is not a CSV file (it holds binary data)"));
    }
    // The training script reads CSV with pandas as UTF-8: other bytes fail the job after it
    // started. A sample cut inside a character is not such a failure (no error length).
    if let Err(e) = std::str::from_utf8(&bytes) {
        if e.error_len().is_some() {
            return Err(format!(
                "{file} is not UTF-8 text (byte {} is not valid UTF-8; AutoGluon reads CSV as UTF-8): save it as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
                e.valid_up_to()
            ));
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    // A UTF-8 byte order mark (Excel's "CSV UTF-8") is not part of the first column's name:
    // pandas drops it too (pandas/io/parsers/python_parser.py `_check_for_bom`; the C
    // engine does the same), so the label is found where AutoGluon will find it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let columns = split(header);
    if columns.len() < 2 {
        return Err(format!(
            "{file} is not a CSV file with a header row: its first line has {} column (a label and at least one feature are needed)",
            columns.len()
        ));
    }
    if columns.iter().all(|c| c.parse::<f64>().is_ok()) {
        return Err(format!(
            "{file} has no header row: its first line ({}) holds only numbers; AutoGluon reads the first line as the column names",
            super::problem::quote(&header.chars().take(80).collect::<String>())
        ));
    }
    let mut rows: Vec<Vec<String>> = lines.map(split).collect();
    // The last line of a truncated sample may be cut: drop it.
    if !complete {
        rows.pop();
    }
    Ok(Head {
        file,
        columns,
        rows,
    })
}

/// One CSV line's fields (quoted fields with commas kept whole; quotes removed).
fn split(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields.into_iter().map(|f| f.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(label: &str, metric: &str, init: serde_json::Value) -> Normalized {
        let mut init_args = json!({"label": label});
        for (k, v) in init.as_object().unwrap() {
            init_args[k] = v.clone();
        }
        let raw = json!({"Parameters": {
            "Flow": {"Train": true, "Evaluate": true, "Deploy": false},
            "Train": {
                "TrainDataPath": "s3://bkt/train.csv", "TestDataPath": "s3://bkt/test.csv",
                "TrainingOutput": "s3://bkt/out/", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                "InitArgs": init_args,
            },
            "Evaluation": {"Threshold": 0.5, "Metric": metric},
        }});
        super::super::validate_for(&raw, super::super::Target::Local)
            .unwrap_or_else(|p| panic!("{p:?}"))
    }

    fn check(dir: &Path, normalized: &Normalized) -> Vec<String> {
        let dir = dir.to_path_buf();
        check_data(normalized, &move |uri: &str| {
            Some(local_sample(&dir.join(uri.trim_start_matches("s3://bkt/"))))
        })
        .iter()
        .map(|p| p.to_string())
        .collect()
    }

    const PENGUINS: &str = "species,island,bill_length_mm\nAdelie,Torgersen,39.1\nGentoo,Biscoe,46.1\nChinstrap,Dream,49.0\n";

    #[test]
    fn a_binary_metric_on_a_multiclass_label_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("train.csv"), PENGUINS).unwrap();
        std::fs::write(dir.path().join("test.csv"), PENGUINS).unwrap();
        let problems = check(dir.path(), &input("species", "roc_auc", json!({})));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("Parameters.Evaluation.Metric: \"roc_auc\" is not reported for a multiclass problem (the label column \"species\" has 3 distinct values"), "{problems:?}");
        let problems = check(dir.path(), &input("species", "r2", json!({})));
        assert!(
            problems[0].starts_with("Parameters.Evaluation.Metric: \"r2\""),
            "{problems:?}"
        );
        assert!(check(dir.path(), &input("species", "accuracy", json!({}))).is_empty());
    }

    #[test]
    fn missing_files_labels_headers_and_columns_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let problems = check(dir.path(), &input("species", "accuracy", json!({})));
        assert_eq!(problems.len(), 2);
        assert!(problems[0].starts_with("Parameters.Train.TrainDataPath: \"s3://bkt/train.csv\": "));
        assert!(
            problems[0].ends_with("train.csv does not exist"),
            "{problems:?}"
        );
        std::fs::write(dir.path().join("train.csv"), PENGUINS).unwrap();
        std::fs::write(
            dir.path().join("test.csv"),
            "species,island\nAdelie,Dream\n",
        )
        .unwrap();
        let problems = check(dir.path(), &input("specie", "accuracy", json!({})));
        assert!(
            problems[0].contains("the label column \"specie\" is not in the header"),
            "{problems:?}"
        );
        assert!(problems[0].contains("did you mean"), "{problems:?}");
        let problems = check(dir.path(), &input("species", "accuracy", json!({})));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("lacks 1 of the training columns (\"bill_length_mm\")"),
            "{problems:?}"
        );
        std::fs::write(dir.path().join("test.csv"), "1,2,3\n4,5,6\n").unwrap();
        let problems = check(dir.path(), &input("species", "accuracy", json!({})));
        assert!(problems[0].contains("has no header row"), "{problems:?}");
        std::fs::write(dir.path().join("test.csv"), "").unwrap();
        let problems = check(dir.path(), &input("species", "accuracy", json!({})));
        assert!(problems[0].contains("is empty"), "{problems:?}");
        std::fs::write(
            dir.path().join("test.csv"),
            b"species,island\nAdelie,R\xe9union\n",
        )
        .unwrap();
        let problems = check(dir.path(), &input("species", "accuracy", json!({})));
        assert!(
            problems[0].contains("test.csv is not UTF-8 text (byte 23 "),
            "{problems:?}"
        );
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_label() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("train.csv"), format!("\u{feff}{PENGUINS}")).unwrap();
        std::fs::write(dir.path().join("test.csv"), format!("\u{feff}{PENGUINS}")).unwrap();
        let problems = check(dir.path(), &input("species", "accuracy", json!({})));
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn the_given_problem_type_wins_and_regression_is_inferred() {
        let dir = tempfile::tempdir().unwrap();
        let rows: String = (0..50).map(|i| format!("{}.5,{i}\n", i * 3)).collect();
        let csv = format!("price,size\n{rows}");
        std::fs::write(dir.path().join("train.csv"), &csv).unwrap();
        std::fs::write(dir.path().join("test.csv"), &csv).unwrap();
        let problems = check(dir.path(), &input("price", "accuracy", json!({})));
        assert!(problems[0].contains("regression"), "{problems:?}");
        assert!(check(dir.path(), &input("price", "r2", json!({}))).is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        #[test]
        fn arbitrary_csv_never_panics(train in "(\\PC|\n|,|\"){0,200}", test in "(\\PC|\n|,|\"){0,200}",
                                      label in "[a-z]{1,3}", metric in "(accuracy|r2|roc_auc|mcc)") {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("train.csv"), &train).unwrap();
            std::fs::write(dir.path().join("test.csv"), &test).unwrap();
            for problem in check(dir.path(), &input(&label, &metric, json!({}))) {
                proptest::prop_assert!(problem.starts_with("Parameters."));
            }
        }
    }
}
