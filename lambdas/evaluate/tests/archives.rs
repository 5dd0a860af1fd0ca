//! The evaluation logic on real `output.tar.gz` archives built here: the score sets
//! AutoGluon writes for binary, multiclass and regression problems, and archives that are
//! broken or built to mislead.

use automl_evaluate::{evaluate_archive, EvaluateError, Verdict, MAX_SCORES_BYTES};
use flate2::{write::GzEncoder, Compression};
use serde_json::json;
use tar::{EntryType, Header};

/// `predictor.evaluate(test)` of AutoGluon on a binary problem (full float precision).
fn binary() -> serde_json::Value {
    json!({"accuracy": 0.8695652173913043, "balanced_accuracy": 0.8547008547008547,
           "mcc": 0.7180436592126036, "roc_auc": 0.9241452991452992,
           "f1": 0.8275862068965517, "precision": 0.8571428571428571, "recall": 0.8})
}

fn multiclass() -> serde_json::Value {
    json!({"accuracy": 0.9710144927536232, "balanced_accuracy": 0.9682539682539683,
           "mcc": 0.9547738693467337})
}

/// Losses are negated so that higher is better.
fn regression() -> serde_json::Value {
    json!({"root_mean_squared_error": -56.80431843736271, "mean_squared_error": -3226.730595,
           "mean_absolute_error": -46.10284, "r2": 0.4011394, "pearsonr": 0.6417,
           "median_absolute_error": -40.2})
}

/// One tar member: a header whose name bytes are written as given (no normalisation, so
/// hostile names survive), followed by its data.
fn member(name: &[u8], kind: EntryType, data: &[u8]) -> (Header, Vec<u8>) {
    let mut header = Header::new_gnu();
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.set_entry_type(kind);
    header.set_mode(0o644);
    header.set_size(data.len() as u64);
    header.set_cksum();
    (header, data.to_vec())
}

fn file(name: &str, data: &[u8]) -> (Header, Vec<u8>) {
    member(name.as_bytes(), EntryType::Regular, data)
}

fn tar_gz(members: Vec<(Header, Vec<u8>)>) -> Vec<u8> {
    let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for (header, data) in members {
        tar.append(&header, data.as_slice()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

fn scores_archive(scores: &serde_json::Value) -> Vec<u8> {
    tar_gz(vec![file("scores.json", scores.to_string().as_bytes())])
}

fn evaluate(archive: &[u8], metric: &str, threshold: f64) -> Result<Verdict, EvaluateError> {
    evaluate_archive(archive, metric, threshold)
}

fn error_name(archive: &[u8]) -> &'static str {
    evaluate(archive, "accuracy", 0.5).unwrap_err().name()
}

#[test]
fn binary_verdict_at_above_and_below_the_threshold() {
    let archive = scores_archive(&binary());
    // The threshold as the state machine passes it: the same digits as in scores.json.
    let at: f64 = "0.8695652173913043".parse().unwrap();
    assert!(
        evaluate(&archive, "accuracy", at).unwrap().is_valid,
        "at the threshold passes"
    );
    assert!(evaluate(&archive, "accuracy", 0.86).unwrap().is_valid);
    assert!(!evaluate(&archive, "accuracy", 0.87).unwrap().is_valid);

    let verdict = evaluate(&archive, "roc_auc", 0.9).unwrap();
    assert_eq!(verdict.value, 0.9241452991452992);
    assert_eq!(verdict.scores.len(), 7);
    let json = serde_json::to_value(&verdict).unwrap();
    assert_eq!(json["IsValid"], true);
    assert_eq!(json["Metric"], "roc_auc");
    assert_eq!(json["Threshold"], 0.9);
    assert_eq!(json["Scores"], binary());
}

#[test]
fn multiclass_verdict() {
    let archive = scores_archive(&multiclass());
    assert!(
        evaluate(&archive, "balanced_accuracy", 0.95)
            .unwrap()
            .is_valid
    );
    assert!(!evaluate(&archive, "mcc", 0.96).unwrap().is_valid);
}

#[test]
fn regression_losses_are_negative_and_higher_is_better() {
    let archive = scores_archive(&regression());
    // "RMSE at most 60" is a threshold of -60.
    assert!(
        evaluate(&archive, "root_mean_squared_error", -60.0)
            .unwrap()
            .is_valid
    );
    assert!(
        !evaluate(&archive, "root_mean_squared_error", -50.0)
            .unwrap()
            .is_valid
    );
    assert!(
        evaluate(&archive, "mean_absolute_error", -46.10284)
            .unwrap()
            .is_valid
    );
}

#[test]
fn missing_metric_lists_the_available_ones() {
    let error = evaluate(&scores_archive(&multiclass()), "roc_auc", 0.5).unwrap_err();
    assert_eq!(error.name(), "MetricNotFound");
    let message = error.to_string();
    assert!(message.contains("\"roc_auc\""), "{message}");
    assert!(
        message.contains("accuracy, balanced_accuracy, mcc"),
        "{message}"
    );
}

#[test]
fn scores_json_is_found_among_other_members_with_or_without_dot_slash() {
    let scores = binary().to_string();
    let archive = tar_gz(vec![
        member(b"./", EntryType::Directory, b""),
        file(
            "./leaderboard.csv",
            b"model,score_test\nWeightedEnsemble_L2,0.87\n",
        ),
        file("./scores.json", scores.as_bytes()),
    ]);
    assert!(evaluate(&archive, "f1", 0.8).unwrap().is_valid);
}

#[test]
fn corrupt_archives() {
    assert_eq!(error_name(b""), "ArchiveCorrupt");
    assert_eq!(
        error_name(b"scores.json is not an archive"),
        "ArchiveCorrupt"
    );
    let archive = scores_archive(&binary());
    assert_eq!(error_name(&archive[..archive.len() / 2]), "ArchiveCorrupt");
    // Valid gzip, but not a tar inside.
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    std::io::Write::write_all(&mut gz, &[0x5a; 2048]).unwrap();
    assert_eq!(error_name(&gz.finish().unwrap()), "ArchiveCorrupt");
}

#[test]
fn archive_without_scores_names_what_it_holds() {
    let archive = tar_gz(vec![
        file("leaderboard.csv", b"model\n"),
        file("model.pkl", b"x"),
    ]);
    let error = evaluate(&archive, "accuracy", 0.5).unwrap_err();
    assert_eq!(error.name(), "ScoresNotFound");
    assert!(
        error.to_string().contains("leaderboard.csv, model.pkl"),
        "{error}"
    );
    assert_eq!(error_name(&tar_gz(vec![])), "ScoresNotFound");
}

#[test]
fn malformed_scores() {
    for content in [
        &b"{\"accuracy\": 0.9"[..],
        b"[0.9]",
        b"{\"accuracy\": \"0.9\"}",
        b"{\"accuracy\": {\"value\": 0.9}}",
        b"{\"accuracy\": NaN}",
    ] {
        let archive = tar_gz(vec![file("scores.json", content)]);
        let error = evaluate(&archive, "accuracy", 0.5).unwrap_err();
        assert_eq!(
            error.name(),
            "ScoresMalformed",
            "{}",
            String::from_utf8_lossy(content)
        );
    }
}

#[test]
fn members_that_only_look_like_scores_json_are_ignored() {
    let scores = binary().to_string();
    for name in [
        "../scores.json",
        "/scores.json",
        "output/scores.json",
        "x/../scores.json",
        "scores.json/",
        "scores.json.bak",
        ".//scores.json",
    ] {
        let archive = tar_gz(vec![file(name, scores.as_bytes())]);
        assert_eq!(error_name(&archive), "ScoresNotFound", "{name}");
    }
}

#[test]
fn pax_and_gnu_long_names_decide_the_real_path() {
    let scores = binary().to_string();
    let pax = |path: &str, (header, data): (Header, Vec<u8>)| {
        let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        tar.append_pax_extensions([("path", path.as_bytes())])
            .unwrap();
        tar.append(&header, data.as_slice()).unwrap();
        tar.into_inner().unwrap().finish().unwrap()
    };
    // The header says scores.json but the pax record moves it out of the archive root.
    let archive = pax("../scores.json", file("scores.json", scores.as_bytes()));
    assert_eq!(error_name(&archive), "ScoresNotFound");
    // And the other way round: a pax path makes a decoy name the real scores.json.
    let archive = pax("scores.json", file("decoy", scores.as_bytes()));
    assert!(evaluate(&archive, "accuracy", 0.5).unwrap().is_valid);

    let long = member(
        b"././@LongLink",
        EntryType::GNULongName,
        b"../../scores.json\0",
    );
    let archive = tar_gz(vec![long, file("scores.json", scores.as_bytes())]);
    assert_eq!(error_name(&archive), "ScoresNotFound");
}

#[test]
fn scores_json_must_be_a_regular_file() {
    let mut link = member(b"scores.json", EntryType::Symlink, b"");
    link.0.set_link_name("/etc/passwd").unwrap();
    link.0.set_cksum();
    assert_eq!(error_name(&tar_gz(vec![link])), "ScoresMalformed");
}

#[test]
fn huge_members_are_refused_without_reading_them() {
    // Declared larger than the bound (5 GiB, written raw since the content is not there):
    // refused from the header alone.
    let mut huge = file("scores.json", b"{}");
    huge.0.set_size(5 << 30);
    huge.0.set_cksum();
    let mut bytes = huge.0.as_bytes().to_vec();
    bytes.extend_from_slice(&[b' '; 512]);
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    std::io::Write::write_all(&mut gz, &bytes).unwrap();
    let error = evaluate(&gz.finish().unwrap(), "accuracy", 0.5).unwrap_err();
    assert_eq!(error.name(), "ScoresMalformed");
    assert!(error.to_string().contains("limit"), "{error}");

    // Really larger than the bound (valid JSON padded with spaces).
    let mut padded = br#"{"accuracy": 0.9}"#.to_vec();
    padded.resize(MAX_SCORES_BYTES as usize + 10, b' ');
    assert_eq!(
        error_name(&tar_gz(vec![file("scores.json", &padded)])),
        "ScoresMalformed"
    );

    // An extension header that would have to be held in memory whole.
    let long = member(
        b"././@LongLink",
        EntryType::GNULongName,
        &vec![b'a'; 8 << 20],
    );
    let archive = tar_gz(vec![long, file("scores.json", b"{}")]);
    assert_eq!(error_name(&archive), "ArchiveCorrupt");
}

#[test]
fn a_failing_source_is_unreadable_not_corrupt() {
    struct Broken;
    impl std::io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "connection reset",
            ))
        }
    }
    let error = evaluate_archive(Broken, "accuracy", 0.5).unwrap_err();
    assert_eq!(error.name(), "ArchiveUnreadable");
    assert!(error.to_string().contains("connection reset"), "{error}");
}

#[test]
fn a_non_finite_threshold_is_refused() {
    let error = evaluate(&scores_archive(&binary()), "accuracy", f64::NAN).unwrap_err();
    assert_eq!(error.name(), "InvalidThreshold");
}

/// Archives as real packers write them: GNU tar (`./` prefixes, pax headers) and Python's
/// `tarfile` (a pax header with a fractional mtime before every member).
#[test]
fn archives_made_by_gnu_tar_and_python_tarfile() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("scores.json"), binary().to_string()).unwrap();
    std::fs::write(data.join("leaderboard.csv"), "model,score_test\n").unwrap();

    let run = |program: &str, args: &[&str]| {
        let status = std::process::Command::new(program)
            .args(args)
            .current_dir(dir.path())
            .status()
            .unwrap_or_else(|e| panic!("run {program}: {e}"));
        assert!(status.success(), "{program} {args:?}");
    };
    run("tar", &["-C", "data", "-czf", "gnu.tar.gz", "."]);
    run(
        "tar",
        &[
            "-C",
            "data",
            "--format=pax",
            "-czf",
            "pax.tar.gz",
            "leaderboard.csv",
            "scores.json",
        ],
    );
    run("python3", &["-c", "import tarfile\n\
        with tarfile.open('python.tar.gz', 'w:gz') as t:\n\
        \x20   t.add('data/leaderboard.csv', 'leaderboard.csv'); t.add('data/scores.json', 'scores.json')"]);

    for name in ["gnu.tar.gz", "pax.tar.gz", "python.tar.gz"] {
        let archive = std::fs::File::open(dir.path().join(name)).unwrap();
        let verdict = evaluate_archive(archive, "accuracy", 0.8695652173913043).unwrap();
        assert!(verdict.is_valid, "{name}");
        assert_eq!(verdict.scores.len(), 7, "{name}");
    }
}

proptest::proptest! {
    /// Whatever the bytes, inside or outside gzip, the answer is a verdict or a named error.
    #[test]
    fn never_panics_on_any_input(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..4096)) {
        let _ = evaluate(&bytes, "accuracy", 0.5);
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        std::io::Write::write_all(&mut gz, &bytes).unwrap();
        let _ = evaluate(&gz.finish().unwrap(), "accuracy", 0.5);
    }

    /// A real archive with one byte of its tar stream changed.
    #[test]
    fn never_panics_on_a_damaged_tar(at in 0usize..3072, byte in proptest::num::u8::ANY) {
        let mut tar = tar::Builder::new(Vec::new());
        let (header, data) = file("scores.json", binary().to_string().as_bytes());
        tar.append(&header, data.as_slice()).unwrap();
        let mut raw = tar.into_inner().unwrap();
        let at = at % raw.len();
        raw[at] = byte;
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        std::io::Write::write_all(&mut gz, &raw).unwrap();
        let _ = evaluate(&gz.finish().unwrap(), "accuracy", 0.5);
    }
}
