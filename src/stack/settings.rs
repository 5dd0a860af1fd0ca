//! The knobs of the stack: the AutoGluon version, time limits, the data locations the
//! workflow may touch. Flags with defaults, shared by `synth`, `deploy` and `diff`, so the
//! same flags always render the same template.

use super::images;
use crate::s3uri::S3Uri;
use serde::Serialize;

/// Stack settings. Defaults render the committed `templates/`.
#[derive(Debug, Clone, clap::Args, Serialize, PartialEq)]
pub struct Settings {
    /// AutoGluon container version for training and inference (see images.rs for the table).
    #[arg(long, default_value = images::DEFAULT_VERSION, value_parser = images::parse_version)]
    pub autogluon_version: String,
    /// Longest a training job may run, in seconds (SageMaker MaxRuntimeInSeconds).
    #[arg(long, default_value_t = 86_400, value_parser = clap::value_parser!(u32).range(60..=2_419_200))]
    pub training_max_runtime: u32,
    /// Training instance storage, in GB.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=16_384))]
    pub training_volume_size: u32,
    /// Timeout of the Train machine, in seconds [default: training max runtime + 2 h].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train_timeout: Option<u32>,
    /// Timeout of the Deploy machine, in seconds.
    #[arg(long, default_value_t = 21_600)]
    pub deploy_timeout: u32,
    /// Timeout of the Main machine, in seconds [default: train + deploy timeouts + 1 h].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_timeout: Option<u32>,
    /// Seconds between endpoint status checks while an endpoint is being created.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub endpoint_poll: u32,
    /// An S3 location (s3://bucket or s3://bucket/prefix) that training data, outputs and
    /// batch files may live under. Repeatable. The stack's own data bucket is always allowed.
    #[arg(long = "data-uri", value_name = "S3_URI")]
    pub data_uris: Vec<S3Uri>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            autogluon_version: images::DEFAULT_VERSION.to_string(),
            training_max_runtime: 86_400,
            training_volume_size: 30,
            train_timeout: None,
            deploy_timeout: 21_600,
            main_timeout: None,
            endpoint_poll: 30,
            data_uris: Vec::new(),
        }
    }
}

/// Settings that contradict each other.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SettingsError {
    #[error("--train-timeout ({train}s) must be longer than --training-max-runtime ({runtime}s), or the machine gives up while the job still runs")]
    TrainTimeoutTooShort { train: u32, runtime: u32 },
    #[error(
        "--main-timeout ({main}s) must be at least --train-timeout + --deploy-timeout ({needed}s)"
    )]
    MainTimeoutTooShort { main: u32, needed: u32 },
}

impl Settings {
    pub fn train_timeout(&self) -> u32 {
        self.train_timeout
            .unwrap_or(self.training_max_runtime + 7_200)
    }

    pub fn main_timeout(&self) -> u32 {
        self.main_timeout
            .unwrap_or(self.train_timeout() + self.deploy_timeout + 3_600)
    }

    pub fn check(&self) -> Result<(), SettingsError> {
        if self.train_timeout() <= self.training_max_runtime {
            return Err(SettingsError::TrainTimeoutTooShort {
                train: self.train_timeout(),
                runtime: self.training_max_runtime,
            });
        }
        let needed = self.train_timeout() + self.deploy_timeout;
        if self.main_timeout() < needed {
            return Err(SettingsError::MainTimeoutTooShort {
                main: self.main_timeout(),
                needed,
            });
        }
        Ok(())
    }
}
