//! What a training job kept in its output directory (`SM_OUTPUT_DATA_DIR`, which SageMaker
//! tars into `output.tar.gz`), read back into typed tables: the test-set leaderboard, the
//! feature importance, the test predictions, the training summary and the data summary.
//! `scripts/autogluon/tabular_train.py` documents the files; this is their one reader.
//! Missing files are `None`/empty (feature importance may be off, old jobs lack them);
//! a file that is there but malformed is an error naming it.

use anyhow::{anyhow, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The files of one output directory, as read.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct TrainingOutput {
    /// Where they were read from (a directory or an `output.tar.gz`).
    pub(crate) source: String,
    pub(crate) summary: Option<TrainingSummary>,
    pub(crate) leaderboard: Vec<LeaderboardRow>,
    pub(crate) importance: Vec<Importance>,
    #[serde(skip)]
    pub(crate) predictions: Option<Predictions>,
    pub(crate) data: Option<DataSummary>,
}

/// `training_summary.json` (the fields the reports use).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct TrainingSummary {
    pub(crate) problem_type: String,
    pub(crate) label: String,
    pub(crate) eval_metric: String,
    pub(crate) best_model: String,
    #[serde(default)]
    pub(crate) autogluon_version: Option<String>,
    #[serde(default)]
    pub(crate) train_rows: Option<u64>,
    #[serde(default)]
    pub(crate) test_rows: Option<u64>,
    #[serde(default)]
    pub(crate) class_labels: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub(crate) fit_seconds: Option<f64>,
    /// A multi-host fit (`InstanceCount` > 1): the Ray cluster and what each host fitted.
    #[serde(default)]
    pub(crate) hosts: Option<Cluster>,
}

/// `training_summary.json`'s `hosts`: the Ray cluster of a multi-host training job, from
/// Ray's own task records (`scripts/autogluon/ray_cluster.py`, `Cluster.summary`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct Cluster {
    /// The host that ran the Ray head and wrote the outputs.
    pub(crate) head: String,
    /// Seconds from the first host's start until every host had joined.
    #[serde(default)]
    pub(crate) formed_seconds: Option<f64>,
    /// How the hosts shared fitted models: `s3` or `shared_dir`.
    #[serde(default)]
    pub(crate) sync: Option<String>,
    /// Host name -> what it fitted.
    pub(crate) per_host: BTreeMap<String, HostWork>,
}

/// What one host of the cluster fitted.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct HostWork {
    /// Bagged folds it fitted.
    #[serde(default)]
    pub(crate) folds: u64,
    /// Seconds those folds took, summed.
    #[serde(default)]
    pub(crate) fold_seconds: f64,
    /// The bagged models those folds belong to (`LightGBM_BAG_L1`, ...).
    #[serde(default)]
    pub(crate) models: Vec<String>,
    /// Whole models it fitted when AutoGluon spread models rather than folds.
    #[serde(default)]
    pub(crate) parallel_model_fits: u64,
}

/// One model of `leaderboard.csv`. Scores are higher-is-better (AutoGluon negates losses).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct LeaderboardRow {
    pub(crate) model: String,
    pub(crate) score_test: Option<f64>,
    pub(crate) score_val: Option<f64>,
    pub(crate) eval_metric: Option<String>,
    pub(crate) fit_time: Option<f64>,
    pub(crate) pred_time_test: Option<f64>,
    pub(crate) stack_level: Option<u32>,
    pub(crate) model_type: Option<String>,
}

/// One feature of `feature_importance.csv` (permutation importance on the test set).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct Importance {
    pub(crate) feature: String,
    pub(crate) importance: f64,
    pub(crate) stddev: Option<f64>,
    pub(crate) p_value: Option<f64>,
}

/// `predictions.csv`: the true value and the prediction of every test row.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Predictions {
    pub(crate) actual: Vec<String>,
    pub(crate) predicted: Vec<String>,
}

/// `data_summary.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct DataSummary {
    pub(crate) label: String,
    pub(crate) train: DataSet,
    pub(crate) test: Option<DataSet>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct DataSet {
    pub(crate) rows: u64,
    pub(crate) columns: u64,
    #[serde(default)]
    pub(crate) files: Vec<String>,
    pub(crate) column_summaries: Vec<ColumnSummary>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct ColumnSummary {
    pub(crate) name: String,
    pub(crate) role: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) missing: u64,
    pub(crate) distinct: u64,
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
    pub(crate) mean: Option<f64>,
}

/// The file names inside the output directory.
pub(crate) const LEADERBOARD: &str = "leaderboard.csv";
pub(crate) const FEATURE_IMPORTANCE: &str = "feature_importance.csv";
pub(crate) const PREDICTIONS: &str = "predictions.csv";
pub(crate) const TRAINING_SUMMARY: &str = "training_summary.json";
pub(crate) const DATA_SUMMARY: &str = "data_summary.json";
const FILES: [&str; 5] = [
    LEADERBOARD,
    FEATURE_IMPORTANCE,
    PREDICTIONS,
    TRAINING_SUMMARY,
    DATA_SUMMARY,
];

impl TrainingOutput {
    /// Reads an output directory (locally: `<job>/output/data`).
    pub(crate) fn from_dir(dir: &Path) -> Result<TrainingOutput> {
        if !dir.is_dir() {
            return Err(anyhow!(
                "{} is not a directory: the training job's output is missing",
                dir.display()
            ));
        }
        let mut files = BTreeMap::new();
        for name in FILES {
            let path = dir.join(name);
            if path.is_file() {
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                files.insert(name.to_string(), bytes);
            }
        }
        Self::parse(dir.display().to_string(), &files)
    }

    /// Reads an `output.tar.gz` file as SageMaker writes it (the files at its top level).
    #[cfg(test)] // the AWS report reads the S3 object's bytes
    pub(crate) fn from_archive(path: &Path) -> Result<TrainingOutput> {
        let file =
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        Self::from_archive_reader(&path.display().to_string(), file)
    }

    /// Reads an `output.tar.gz` from bytes (an S3 object); `source` names it in errors.
    #[cfg_attr(not(feature = "aws"), allow(dead_code))] // the AWS commands read S3 objects
    pub(crate) fn from_archive_reader(source: &str, reader: impl Read) -> Result<TrainingOutput> {
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(reader));
        let mut files = BTreeMap::new();
        let entries = archive
            .entries()
            .with_context(|| format!("{source} is not a .tar.gz archive"))?;
        for entry in entries {
            let mut entry = entry.with_context(|| format!("{source} is not a .tar.gz archive"))?;
            let name = entry
                .path()?
                .to_string_lossy()
                .trim_start_matches("./")
                .to_string();
            if FILES.contains(&name.as_str()) {
                let mut bytes = Vec::new();
                entry
                    .read_to_end(&mut bytes)
                    .with_context(|| format!("reading {name} in {source}"))?;
                files.insert(name, bytes);
            }
        }
        Self::parse(source.to_string(), &files)
    }

    fn parse(source: String, files: &BTreeMap<String, Vec<u8>>) -> Result<TrainingOutput> {
        let named = |name: &str| format!("{source}/{name}");
        let json = |name: &str| -> Result<Option<serde_json::Value>> {
            files
                .get(name)
                .map(|bytes| {
                    serde_json::from_slice(bytes)
                        .with_context(|| format!("{} is not valid JSON", named(name)))
                })
                .transpose()
        };
        let summary = json(TRAINING_SUMMARY)?
            .map(|v| {
                serde_json::from_value(v)
                    .with_context(|| format!("{} lacks a field", named(TRAINING_SUMMARY)))
            })
            .transpose()?;
        let data = json(DATA_SUMMARY)?
            .map(|v| {
                serde_json::from_value(v)
                    .with_context(|| format!("{} lacks a field", named(DATA_SUMMARY)))
            })
            .transpose()?;
        let leaderboard = match files.get(LEADERBOARD) {
            Some(bytes) => leaderboard(bytes).with_context(|| named(LEADERBOARD))?,
            None => Vec::new(),
        };
        let importance = match files.get(FEATURE_IMPORTANCE) {
            Some(bytes) => importance(bytes).with_context(|| named(FEATURE_IMPORTANCE))?,
            None => Vec::new(),
        };
        let predictions = files
            .get(PREDICTIONS)
            .map(|bytes| predictions(bytes).with_context(|| named(PREDICTIONS)))
            .transpose()?;
        Ok(TrainingOutput {
            source,
            summary,
            leaderboard,
            importance,
            predictions,
            data,
        })
    }

    /// The paths of the files that exist, for the summary's artifact list.
    pub(crate) fn existing_files(dir: &Path) -> Vec<(&'static str, PathBuf)> {
        FILES
            .iter()
            .map(|name| (*name, dir.join(name)))
            .filter(|(_, path)| path.is_file())
            .collect()
    }
}

/// The outputs archive beside a model archive: SageMaker writes both under
/// `<S3OutputPath>/<job>/output/` (`model.tar.gz` from `/opt/ml/model`, `output.tar.gz`
/// from `/opt/ml/output/data`; SageMaker Developer Guide, "How Amazon SageMaker Processes
/// Training Output", your-algorithms-training-algo-output.html).
pub(crate) fn outputs_archive(model_archive: &str) -> Option<String> {
    model_archive
        .strip_suffix("model.tar.gz")
        .map(|dir| format!("{dir}output.tar.gz"))
}

/// A CSV table by column name.
struct Table {
    headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn read(bytes: &[u8]) -> Result<Table> {
        let mut reader = csv::Reader::from_reader(bytes);
        let headers = reader.headers()?.iter().map(str::to_string).collect();
        let rows = reader.records().collect::<Result<Vec<_>, _>>()?;
        Ok(Table { headers, rows })
    }

    fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    fn require(&self, name: &str) -> Result<usize> {
        self.column(name)
            .ok_or_else(|| anyhow!("no column {name:?} (columns: {})", self.headers.join(", ")))
    }
}

fn cell(row: &csv::StringRecord, column: Option<usize>) -> Option<&str> {
    column.and_then(|c| row.get(c)).filter(|v| !v.is_empty())
}

fn number(row: &csv::StringRecord, column: Option<usize>) -> Option<f64> {
    cell(row, column)
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

fn leaderboard(bytes: &[u8]) -> Result<Vec<LeaderboardRow>> {
    let table = Table::read(bytes)?;
    let model = table.require("model")?;
    let [test, val, metric, fit, pred, level, kind] = [
        "score_test",
        "score_val",
        "eval_metric",
        "fit_time",
        "pred_time_test",
        "stack_level",
        "model_type",
    ]
    .map(|name| table.column(name));
    Ok(table
        .rows
        .iter()
        .map(|row| LeaderboardRow {
            model: row.get(model).unwrap_or_default().to_string(),
            score_test: number(row, test),
            score_val: number(row, val),
            eval_metric: cell(row, metric).map(str::to_string),
            fit_time: number(row, fit),
            pred_time_test: number(row, pred),
            stack_level: cell(row, level).and_then(|v| v.parse().ok()),
            model_type: cell(row, kind).map(str::to_string),
        })
        .collect())
}

fn importance(bytes: &[u8]) -> Result<Vec<Importance>> {
    let table = Table::read(bytes)?;
    let feature = table.require("feature")?;
    let value = table.require("importance")?;
    let [stddev, p_value] = ["stddev", "p_value"].map(|name| table.column(name));
    let mut rows = table
        .rows
        .iter()
        .map(|row| {
            Ok(Importance {
                feature: row.get(feature).unwrap_or_default().to_string(),
                importance: number(row, Some(value)).ok_or_else(|| {
                    anyhow!(
                        "feature {:?} has no numeric importance",
                        row.get(feature).unwrap_or_default()
                    )
                })?,
                stddev: number(row, stddev),
                p_value: number(row, p_value),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    rows.sort_by(|a, b| b.importance.total_cmp(&a.importance));
    Ok(rows)
}

fn predictions(bytes: &[u8]) -> Result<Predictions> {
    let table = Table::read(bytes)?;
    let actual = table.require("actual")?;
    let predicted = table.require("prediction")?;
    let mut out = Predictions::default();
    for row in &table.rows {
        out.actual
            .push(row.get(actual).unwrap_or_default().to_string());
        out.predicted
            .push(row.get(predicted).unwrap_or_default().to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaderboard_reads_columns_by_name_and_tolerates_missing_ones() {
        let csv = b"model,score_val,score_test,stack_level\nLightGBM,0.9,0.8,1\nWeightedEnsemble_L2,0.95,,2\n";
        let rows = leaderboard(csv).unwrap();
        assert_eq!(rows[0].model, "LightGBM");
        assert_eq!(rows[0].score_test, Some(0.8));
        assert_eq!(rows[1].score_test, None);
        assert_eq!(rows[1].stack_level, Some(2));
        assert_eq!(rows[0].fit_time, None);
    }

    #[test]
    fn importance_is_sorted_and_needs_its_columns() {
        let rows = importance(b"feature,importance\na,0.1\nb,0.3\n").unwrap();
        assert_eq!(rows[0].feature, "b");
        let err = importance(b"name,importance\na,0.1\n").unwrap_err();
        assert!(err.to_string().contains("no column \"feature\""), "{err}");
        let err = importance(b"feature,importance\na,x\n").unwrap_err();
        assert!(err.to_string().contains("\"a\""), "{err}");
    }

    #[test]
    fn an_archive_reads_like_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(LEADERBOARD),
            "model,score_test\nLightGBM,0.5\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join(FEATURE_IMPORTANCE),
            "feature,importance\nx,0.25\n",
        )
        .unwrap();
        let archive = dir.path().join("output.tar.gz");
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            std::fs::File::create(&archive).unwrap(),
            flate2::Compression::fast(),
        ));
        builder
            .append_path_with_name(dir.path().join(LEADERBOARD), LEADERBOARD)
            .unwrap();
        builder
            .append_path_with_name(
                dir.path().join(FEATURE_IMPORTANCE),
                format!("./{FEATURE_IMPORTANCE}"),
            )
            .unwrap();
        builder.into_inner().unwrap().finish().unwrap();
        let from_archive = TrainingOutput::from_archive(&archive).unwrap();
        let from_dir = TrainingOutput::from_dir(dir.path()).unwrap();
        assert_eq!(from_archive.leaderboard, from_dir.leaderboard);
        assert_eq!(from_archive.importance[0].feature, "x");
        let err = TrainingOutput::from_archive_reader("s3://b/output.tar.gz", &b"not gzip"[..])
            .unwrap_err();
        assert!(
            format!("{err:#}").contains("s3://b/output.tar.gz is not a .tar.gz archive"),
            "{err:#}"
        );
    }

    #[test]
    fn a_malformed_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(TRAINING_SUMMARY), "{").unwrap();
        let err = TrainingOutput::from_dir(dir.path()).unwrap_err();
        assert!(
            format!("{err:#}").contains("training_summary.json is not valid JSON"),
            "{err:#}"
        );
        std::fs::remove_file(dir.path().join(TRAINING_SUMMARY)).unwrap();
        let empty = TrainingOutput::from_dir(dir.path()).unwrap();
        assert!(empty.summary.is_none() && empty.leaderboard.is_empty());
    }
}
