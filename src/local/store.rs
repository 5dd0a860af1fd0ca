//! The local runner's state directory (default `.automl/`): what AWS would keep for us.
//!
//! ```text
//! .automl/
//!   venv/                          the Python environment `automl local setup` creates
//!   objects/                       the default object root (s3://bucket/key -> objects/bucket/key)
//!   assets/                        the AutoGluon scripts tarball the machines point at
//!   executions/<name>/             execution.json (status, input, output) and history.json
//!   sagemaker/<kind>/<name>/       record.json per SageMaker resource, plus its work files:
//!       training-jobs/<job>/       the /opt/ml layout the training script ran in, train.log
//!       models/<model>/            record.json
//!       endpoint-configs/<config>/ record.json
//!       endpoints/<endpoint>/      record.json, the unpacked model, serve.log
//!       transform-jobs/<job>/      record.json, the unpacked model, transform.log
//!       model-package-groups/<group>/ record.json, versions/<n>/record.json (the registry)
//! ```
//!
//! Names are claimed by creating their directory, which is atomic: two runs never take
//! the same name.

use anyhow::Context as _;
use serde_json::Value;
use std::fs;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub(crate) struct Store {
    pub(crate) dir: PathBuf,
}

/// The SageMaker resource kinds the store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResourceKind {
    TrainingJob,
    Model,
    EndpointConfig,
    Endpoint,
    TransformJob,
    ModelPackageGroup,
}

impl ResourceKind {
    pub(crate) fn dir_name(self) -> &'static str {
        match self {
            ResourceKind::TrainingJob => "training-jobs",
            ResourceKind::Model => "models",
            ResourceKind::EndpointConfig => "endpoint-configs",
            ResourceKind::Endpoint => "endpoints",
            ResourceKind::TransformJob => "transform-jobs",
            ResourceKind::ModelPackageGroup => "model-package-groups",
        }
    }

    /// The ARN resource type (`training-job`, `model`, ...).
    pub(crate) fn arn_type(self) -> &'static str {
        match self {
            ResourceKind::TrainingJob => "training-job",
            ResourceKind::Model => "model",
            ResourceKind::EndpointConfig => "endpoint-config",
            ResourceKind::Endpoint => "endpoint",
            ResourceKind::TransformJob => "transform-job",
            ResourceKind::ModelPackageGroup => "model-package-group",
        }
    }
}

/// The account id in local ARNs.
pub(crate) const LOCAL_ACCOUNT: &str = "000000000000";

impl Store {
    /// A store at `dir`, made absolute: child processes run in other directories.
    pub(crate) fn new(dir: PathBuf) -> Store {
        Store {
            dir: super::objects::absolute(&dir),
        }
    }

    pub(crate) fn assets_dir(&self) -> PathBuf {
        self.dir.join("assets")
    }

    pub(crate) fn venv_dir(&self) -> PathBuf {
        self.dir.join("venv")
    }

    pub(crate) fn executions_dir(&self) -> PathBuf {
        self.dir.join("executions")
    }

    pub(crate) fn execution_dir(&self, name: &str) -> PathBuf {
        self.executions_dir().join(name)
    }

    pub(crate) fn resource_dir(&self, kind: ResourceKind, name: &str) -> PathBuf {
        self.dir.join("sagemaker").join(kind.dir_name()).join(name)
    }

    /// `arn:aws:sagemaker:local:000000000000:model/<name>` (SageMaker lowercases names in ARNs).
    pub(crate) fn arn(kind: ResourceKind, name: &str) -> String {
        format!(
            "arn:aws:sagemaker:{}:{LOCAL_ACCOUNT}:{}/{}",
            super::LOCAL_REGION,
            kind.arn_type(),
            name.to_ascii_lowercase()
        )
    }

    /// Claims `dir` (which must not exist yet); `Ok(false)` when it is taken.
    pub(crate) fn claim(dir: &Path) -> anyhow::Result<bool> {
        if let Some(parent) = dir.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        match fs::create_dir(dir) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e).with_context(|| format!("cannot create {}", dir.display())),
        }
    }

    /// Claims a resource name; `Ok(None)` when a resource of that kind and name exists.
    pub(crate) fn claim_resource(
        &self,
        kind: ResourceKind,
        name: &str,
    ) -> anyhow::Result<Option<PathBuf>> {
        let dir = self.resource_dir(kind, name);
        Ok(Store::claim(&dir)?.then_some(dir))
    }

    pub(crate) fn write_record(
        &self,
        kind: ResourceKind,
        name: &str,
        record: &Value,
    ) -> anyhow::Result<()> {
        write_json(&self.resource_dir(kind, name).join("record.json"), record)
    }

    pub(crate) fn record(&self, kind: ResourceKind, name: &str) -> Option<Value> {
        let text = fs::read_to_string(self.resource_dir(kind, name).join("record.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Names of the resources of one kind, sorted.
    pub(crate) fn names(&self, kind: ResourceKind) -> Vec<String> {
        let dir = self.dir.join("sagemaker").join(kind.dir_name());
        let mut names: Vec<String> = fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.path().join("record.json").is_file())
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// Writes pretty JSON atomically (a new temporary file renamed into place).
pub(crate) fn write_json(path: &Path, value: &Value) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialise");
    text.push('\n');
    let atomic = (|| {
        let mut tmp = super::objects::temporary_beside(path)?;
        std::io::Write::write_all(&mut tmp, text.as_bytes())
            .with_context(|| format!("cannot write {}", tmp.path().display()))?;
        super::objects::persist(tmp, path)
    })();
    let Err(error) = atomic else { return Ok(()) };
    // The temporary file is gone (removed on drop). On a full disk a record must still say
    // how things ended (a job left `InProgress` forever is worse than a torn write): rewrite
    // the existing file in place, which reuses the blocks it frees. Never through a link.
    let Some(full) = super::disk::explain(path, &error) else {
        return Err(error);
    };
    let in_place = fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
        && fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
            .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
            .is_ok();
    if in_place {
        return Ok(());
    }
    Err(anyhow::anyhow!("cannot write {}: {full}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        assert!(store
            .claim_resource(ResourceKind::Model, "m")
            .unwrap()
            .is_some());
        assert!(store
            .claim_resource(ResourceKind::Model, "m")
            .unwrap()
            .is_none());
        store
            .write_record(ResourceKind::Model, "m", &serde_json::json!({"a": 1}))
            .unwrap();
        assert_eq!(store.record(ResourceKind::Model, "m").unwrap()["a"], 1);
        assert_eq!(store.names(ResourceKind::Model), ["m"]);
        assert_eq!(
            Store::arn(ResourceKind::Model, "My-M"),
            "arn:aws:sagemaker:local:000000000000:model/my-m"
        );
    }
}
