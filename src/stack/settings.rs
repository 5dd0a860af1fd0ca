//! The knobs of the stack: the AutoGluon version, time limits, the data locations the
//! workflow may touch. Flags with defaults, shared by `synth`, `deploy` and `diff`, so the
//! same flags always render the same template.

use super::images;
use crate::s3uri::S3Uri;
use serde::Serialize;

/// The default of each setting: the one definition that `synth`, `deploy`, `diff` and
/// the local runner share (the command line shows and applies these same values).
pub(crate) mod defaults {
    pub(crate) const TRAINING_MAX_RUNTIME: u32 = 86_400;
    pub(crate) const TRAINING_VOLUME_SIZE: u32 = 30;
    pub(crate) const DEPLOY_TIMEOUT: u32 = 21_600;
    pub(crate) const ENDPOINT_POLL: u32 = 30;
    /// Parameters.Train.FeatureImportance when the input leaves it (or a key of it) out:
    /// on, within a minute, on up to 5000 test rows. tabular_train.py has the same
    /// defaults for a job started without it (a test keeps them equal).
    pub(crate) const FEATURE_IMPORTANCE_TIME_LIMIT: f64 = 60.0;
    pub(crate) const FEATURE_IMPORTANCE_SUBSAMPLE_SIZE: u64 = 5000;
    /// Model-server workers per serving instance. The inference toolkit's own default is
    /// one per vCPU, each loading its own copy of the predictor: on an ml.m5.4xlarge that
    /// is 16 copies of a multi-GB ensemble. One worker cannot exhaust memory on any
    /// instance a model fits on; raise it for small models and many concurrent requests.
    pub(crate) const MODEL_SERVER_WORKERS: u32 = 1;
    /// Seconds the model server gives one request (the toolkit's default: 60). Batch
    /// transforms send up to 6 MB per request, which a large ensemble may not score in a
    /// minute; real-time endpoints stay capped at 60 s by InvokeEndpoint itself.
    pub(crate) const MODEL_SERVER_TIMEOUT: u32 = 300;
}

/// The ranges the settings must fall in. SageMaker: MaxRuntimeInSeconds 1..=2419200 and
/// VolumeSizeInGB 1..=16384 (botocore sagemaker/2017-07-24 service-2.json,
/// `MaxRuntimeInSeconds`, `VolumeSizeInGB`); we ask at least a minute of training.
pub(crate) mod ranges {
    use std::ops::RangeInclusive;
    pub(crate) const TRAINING_MAX_RUNTIME: RangeInclusive<i64> = 60..=2_419_200;
    pub(crate) const TRAINING_VOLUME_SIZE: RangeInclusive<i64> = 1..=16_384;
    pub(crate) const ENDPOINT_POLL: RangeInclusive<i64> = 1..=3600;
    pub(crate) const MODEL_SERVER_WORKERS: RangeInclusive<i64> = 1..=64;
    pub(crate) const MODEL_SERVER_TIMEOUT: RangeInclusive<i64> = 1..=3600;
}

/// Stack settings. Defaults render the committed `templates/`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Settings {
    /// AutoGluon container version for training and inference (see images.rs).
    pub(crate) autogluon_version: String,
    /// Longest a training job may run, in seconds (SageMaker MaxRuntimeInSeconds).
    pub(crate) training_max_runtime: u32,
    /// Training instance storage, in GB.
    pub(crate) training_volume_size: u32,
    /// Timeout of the Train machine, in seconds [default: training max runtime + 2 h].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) train_timeout: Option<u32>,
    /// Timeout of the Deploy machine, in seconds.
    pub(crate) deploy_timeout: u32,
    /// Timeout of the Main machine, in seconds [default: train + deploy timeouts + 1 h].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) main_timeout: Option<u32>,
    /// Seconds between endpoint status checks while an endpoint is being created.
    pub(crate) endpoint_poll: u32,
    /// S3 locations training data, outputs and batch files may live under.
    pub(crate) data_uris: Vec<S3Uri>,
    /// A training image to use instead of the AutoGluon DLC (any ECR URI, e.g. a private
    /// repository); it serves CPU and GPU instances alike.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) training_image: Option<String>,
    /// An inference image to use instead of the AutoGluon DLC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) inference_image: Option<String>,
    /// `SAGEMAKER_MODEL_SERVER_WORKERS` of the models the Train machine creates.
    pub(crate) model_server_workers: u32,
    /// `SAGEMAKER_MODEL_SERVER_TIMEOUT` of the models the Train machine creates, in seconds.
    pub(crate) model_server_timeout: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            autogluon_version: images::DEFAULT_VERSION.to_string(),
            training_max_runtime: defaults::TRAINING_MAX_RUNTIME,
            training_volume_size: defaults::TRAINING_VOLUME_SIZE,
            train_timeout: None,
            deploy_timeout: defaults::DEPLOY_TIMEOUT,
            main_timeout: None,
            endpoint_poll: defaults::ENDPOINT_POLL,
            data_uris: Vec::new(),
            training_image: None,
            inference_image: None,
            model_server_workers: defaults::MODEL_SERVER_WORKERS,
            model_server_timeout: defaults::MODEL_SERVER_TIMEOUT,
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
    #[error("--{flag}: {why}")]
    Image { flag: &'static str, why: String },
}

impl Settings {
    pub(crate) fn train_timeout(&self) -> u32 {
        self.train_timeout
            .unwrap_or(self.training_max_runtime + 7_200)
    }

    pub(crate) fn main_timeout(&self) -> u32 {
        self.main_timeout
            .unwrap_or(self.train_timeout() + self.deploy_timeout + 3_600)
    }

    pub(crate) fn check(&self) -> Result<(), SettingsError> {
        for (flag, image) in [
            ("training-image", &self.training_image),
            ("inference-image", &self.inference_image),
        ] {
            if let Some(uri) = image {
                images::parse_image_uri(uri).map_err(|why| SettingsError::Image { flag, why })?;
            }
        }
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
