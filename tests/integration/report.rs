//! What a person sees of a real local run on a data set the examples never use
//! (scikit-learn's wine, written by the test): the end-of-run summary names the models
//! with test scores, ranks that data set's features and lists artifact paths that exist;
//! `automl report` writes one HTML file that headless Chromium (Debian's package,
//! tests/tools/install-chromium.sh) renders with its charts drawn, names the data set's
//! columns, loads nothing from the network, and screenshots to a picture that is not blank.

use crate::support::{python, root, Test};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The wine columns as scikit-learn names them (`od280/od315_of_diluted_wines` too).
const WINE_FEATURES: [&str; 13] = [
    "alcohol",
    "malic_acid",
    "ash",
    "alcalinity_of_ash",
    "magnesium",
    "total_phenols",
    "flavanoids",
    "nonflavanoid_phenols",
    "proanthocyanins",
    "color_intensity",
    "hue",
    "od280/od315_of_diluted_wines",
    "proline",
];

fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|path| path.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "chromium is not installed: run `bash tests/tools/install-chromium.sh` \
             (Debian: apt-get install chromium), or `bash tests/run-all.sh`"
        )
    })
}

/// Headless Chromium on a local file; `--no-sandbox` because CI runs as root.
fn browse(file: &Path, args: &[&str]) -> std::process::Output {
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(args)
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium starts");
    assert!(
        output.status.success(),
        "chromium {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The wine data set as train.csv and test.csv, its label the cultivar's name.
fn write_wine(dir: &Path) {
    let script = r#"
import sys
from sklearn.datasets import load_wine
frame = load_wine(as_frame=True).frame
frame["cultivar"] = frame.pop("target").map({0: "barolo", 1: "grignolino", 2: "barbera"})
frame = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
frame.iloc[:36].to_csv(sys.argv[1] + "/test.csv", index=False)
frame.iloc[36:].to_csv(sys.argv[1] + "/train.csv", index=False)
"#;
    let status = Command::new(python())
        .args(["-c", script])
        .arg(dir)
        .status()
        .expect("python starts");
    assert!(status.success(), "writing the wine CSVs failed");
}

/// Share of non-white pixels and number of distinct colours of a PNG.
fn picture(path: &Path) -> (f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buffer[..info.buffer_size()].chunks(channels).collect();
    let inked = pixels
        .iter()
        .filter(|p| p[..3].iter().any(|c| *c < 235))
        .count();
    let colours: std::collections::HashSet<&[u8]> = pixels.iter().map(|p| &p[..3]).collect();
    (inked as f64 / pixels.len() as f64, colours.len())
}

#[test]
fn a_local_run_shows_its_results_and_its_report_renders_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    write_wine(&data);
    let input = dir.path().join("wine.json");
    let fit = serde_json::json!({"hyperparameters": {"GBM": {}, "RF": {"n_estimators": 20}}, "time_limit": 60});
    std::fs::write(
        &input,
        serde_json::json!({"Parameters": {
            "Flow": {"Train": true, "Evaluate": true, "Deploy": false},
            "Train": {
                "TrainDataPath": data.join("train.csv"), "TestDataPath": data.join("test.csv"),
                "TrainingOutput": dir.path().join("output/"),
                "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                "FitArgs": fit, "InitArgs": {"label": "cultivar"},
                "FeatureImportance": {"TimeLimit": 30}},
            "Evaluation": {"Metric": "accuracy", "Threshold": 0.5}}})
        .to_string(),
    )
    .unwrap();
    let state = dir.path().join("state");
    let local = |test: Test| {
        test.arg("--state-dir")
            .arg(&state)
            .arg("--python")
            .arg(python())
    };

    // --json: the summary (last line) has all of it.
    let out = local(
        Test::new()
            .args(["run", "--local", "--json", "--name", "wine"])
            .arg(&input),
    )
    .run();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let results = &summary["results"];
    let board = results["leaderboard"].as_array().unwrap();
    assert!(board.len() >= 2, "{board:?}");
    assert!(
        board.iter().all(|m| m["score_test"].as_f64().is_some()),
        "{board:?}"
    );
    let features: Vec<&str> = results["feature_importance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["feature"].as_str().unwrap())
        .collect();
    let mut sorted = features.clone();
    sorted.sort_unstable();
    let mut expected = WINE_FEATURES.to_vec();
    expected.sort_unstable();
    assert_eq!(sorted, expected);
    let artifacts = results["artifacts"].as_array().unwrap();
    let whats: Vec<&str> = artifacts
        .iter()
        .map(|a| a["what"].as_str().unwrap())
        .collect();
    for what in [
        "model",
        "leaderboard",
        "feature importance",
        "test predictions",
        "training log",
        "report",
    ] {
        assert!(whats.contains(&what), "{what} missing from {whats:?}");
    }
    for artifact in artifacts {
        let path = PathBuf::from(artifact["location"].as_str().unwrap());
        let path = if path.is_relative() {
            root().join(path)
        } else {
            path
        };
        assert!(path.exists(), "{artifact} does not exist");
    }

    // Parameters.Train.FeatureImportance reached the training script, defaults filled in.
    let hyperparameters: Value =
        serde_json::from_str(
            &std::fs::read_to_string(state.join(
                "sagemaker/training-jobs/automl-wine-train/input/config/hyperparameters.json",
            ))
            .unwrap(),
        )
        .unwrap();
    assert_eq!(
        hyperparameters["feature_importance"],
        r#"{"Enabled":true,"SubsampleSize":5000,"TimeLimit":30.0}"#
    );

    // Text, as `status` prints it: the same results, aligned.
    let out = local(
        Test::new()
            .args(["status", "wine", "--local"])
            .stdout_lacks("Traceback"),
    )
    .run();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("leaderboard (accuracy, higher is better;"),
        "{text}"
    );
    assert!(text.contains(&format!("  {}", features[0])), "{text}");
    assert!(text.contains("artifacts:\n"), "{text}");

    // The report: one file, rendered by a real browser.
    let html = dir.path().join("wine.html");
    local(
        Test::new()
            .args(["report", "wine", "--local", "-o"])
            .arg(&html),
    )
    .run();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("<script") && !page.contains("src=\"http") && !page.contains("href=\"http")
    );
    let dom = String::from_utf8(browse(&html, &["--dump-dom"]).stdout).unwrap();
    // Leaderboard, importance, confusion matrix, timeline.
    assert!(dom.matches("<svg").count() >= 4, "charts missing");
    for id in [
        "leaderboard",
        "feature-importance",
        "predictions",
        "data",
        "timeline",
    ] {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "section {id} missing"
        );
    }
    for column in [
        "color_intensity",
        "proline",
        "flavanoids",
        "cultivar",
        "barbera",
    ] {
        assert!(
            dom.contains(column),
            "{column} missing from the rendered page"
        );
    }
    let shot = dir.path().join("wine.png");
    browse(
        &html,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400",
        ],
    );
    let (inked, colours) = picture(&shot);
    assert!(
        inked > 0.05,
        "the screenshot is nearly blank ({:.1}% inked)",
        inked * 100.0
    );
    assert!(colours > 50, "the screenshot has only {colours} colours");
}
