//! The files the stack needs in S3 before CloudFormation can create it: the AutoGluon
//! entry points (packed here, byte for byte reproducibly, from copies compiled into the
//! binary) and the evaluation Lambda's zip (built by `cargo lambda`). Each is named by a
//! hash of its content, so a deploy uploads only what changed and a template always
//! points at the code it was rendered with.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The AutoGluon entry points as (file name, contents), in tarball order.
pub(crate) const SCRIPTS: &[(&str, &[u8])] = &[
    // Imported by tabular_train.py: the permutation importance in its budget, spread.
    (
        "feature_importance.py",
        include_bytes!("../../scripts/autogluon/feature_importance.py"),
    ),
    // Imported by tabular_train.py: several hosts as one Ray cluster.
    (
        "ray_cluster.py",
        include_bytes!("../../scripts/autogluon/ray_cluster.py"),
    ),
    (
        "tabular_serve.py",
        include_bytes!("../../scripts/autogluon/tabular_serve.py"),
    ),
    (
        "tabular_train.py",
        include_bytes!("../../scripts/autogluon/tabular_train.py"),
    ),
];

/// The training entry point, as `sagemaker_program` names it.
pub(crate) const TRAIN_PROGRAM: &str = "tabular_train.py";
/// The serving entry point, as `SAGEMAKER_PROGRAM` names it.
pub(crate) const SERVE_PROGRAM: &str = "tabular_serve.py";

/// How an asset is produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub(crate) enum Build {
    /// `bash lambdas/evaluate/build.sh` -> the zip at `output` (relative to the workspace).
    CargoLambda {
        package: &'static str,
        script: &'static str,
        output: &'static str,
    },
    /// Packed by `automl` itself from the scripts compiled into it.
    Tarball { files: Vec<&'static str> },
}

/// One asset: what it is, how to build it, where it goes, which template parameter
/// carries its key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Asset {
    pub(crate) name: &'static str,
    pub(crate) parameter: &'static str,
    pub(crate) sha256: String,
    pub(crate) key: String,
    pub(crate) build: Build,
}

/// The evaluation Lambda's code.
pub(crate) fn evaluate_lambda() -> Asset {
    let sha256 = env!("AUTOML_EVALUATE_SOURCE_SHA256").to_string();
    Asset {
        name: "evaluate-lambda",
        parameter: "EvaluateCodeKey",
        key: format!("automl/lambda/evaluate-{}.zip", &sha256[..16]),
        sha256,
        build: Build::CargoLambda {
            package: "automl-evaluate",
            script: "lambdas/evaluate/build.sh",
            output: "target/lambda/bootstrap/bootstrap.zip",
        },
    }
}

/// The AutoGluon scripts tarball (`sagemaker_submit_directory`).
pub(crate) fn autogluon_scripts() -> Asset {
    let sha256 = hex(&Sha256::digest(scripts_tarball()));
    Asset {
        name: "autogluon-scripts",
        parameter: "ScriptsKey",
        key: format!("automl/scripts/autogluon-{}.tar.gz", &sha256[..16]),
        sha256,
        build: Build::Tarball {
            files: SCRIPTS.iter().map(|(name, _)| *name).collect(),
        },
    }
}

/// Every asset, in a stable order.
pub(crate) fn all() -> Vec<Asset> {
    vec![autogluon_scripts(), evaluate_lambda()]
}

/// The scripts as a gzipped tarball whose bytes depend only on the scripts: fixed
/// order, mtime, owner and mode, and a gzip header without time or name.
pub(crate) fn scripts_tarball() -> Vec<u8> {
    let encoder = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::best());
    let mut archive = tar::Builder::new(encoder);
    archive.mode(tar::HeaderMode::Deterministic);
    for (name, contents) in SCRIPTS {
        let mut header = tar::Header::new_gnu();
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_cksum();
        archive
            .append_data(&mut header, name, *contents)
            .expect("writing to memory cannot fail");
    }
    archive
        .into_inner()
        .and_then(|gz| gz.finish())
        .expect("writing to memory cannot fail")
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scripts_tarball_is_reproducible_and_holds_both_scripts() {
        let first = scripts_tarball();
        assert_eq!(first, scripts_tarball());
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(first.as_slice()));
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "feature_importance.py",
                "ray_cluster.py",
                "tabular_serve.py",
                "tabular_train.py"
            ]
        );
        assert!(autogluon_scripts()
            .key
            .starts_with("automl/scripts/autogluon-"));
    }
}
