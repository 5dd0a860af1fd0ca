//! The stack settings as flags (`synth`, `deploy`, `diff`): each default and range comes
//! from `stack::settings`, so the flags and `Settings::default()` cannot disagree.

use crate::s3uri::S3Uri;
use crate::stack::settings::{defaults, ranges};
use crate::stack::{images, Settings};

#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SettingsArgs {
    /// AutoGluon container version for training and inference (see images.rs for the table).
    #[arg(long, default_value = images::DEFAULT_VERSION, value_parser = images::parse_version)]
    autogluon_version: String,
    /// Longest a training job may run, in seconds (SageMaker MaxRuntimeInSeconds).
    #[arg(long, default_value_t = defaults::TRAINING_MAX_RUNTIME, value_parser = clap::value_parser!(u32).range(ranges::TRAINING_MAX_RUNTIME))]
    training_max_runtime: u32,
    /// Training instance storage, in GB.
    #[arg(long, default_value_t = defaults::TRAINING_VOLUME_SIZE, value_parser = clap::value_parser!(u32).range(ranges::TRAINING_VOLUME_SIZE))]
    training_volume_size: u32,
    /// Timeout of the Train machine, in seconds [default: training max runtime + 2 h].
    #[arg(long)]
    train_timeout: Option<u32>,
    /// Timeout of the Deploy machine, in seconds.
    #[arg(long, default_value_t = defaults::DEPLOY_TIMEOUT)]
    deploy_timeout: u32,
    /// Timeout of the Main machine, in seconds [default: train + deploy timeouts + 1 h].
    #[arg(long)]
    main_timeout: Option<u32>,
    /// Seconds between endpoint status checks while an endpoint is being created.
    #[arg(long, default_value_t = defaults::ENDPOINT_POLL, value_parser = clap::value_parser!(u32).range(ranges::ENDPOINT_POLL))]
    endpoint_poll: u32,
    /// An S3 location (s3://bucket or s3://bucket/prefix) that training data, outputs and
    /// batch files may live under. Repeatable. The stack's own data bucket is always allowed.
    #[arg(long = "data-uri", value_name = "S3_URI")]
    data_uris: Vec<S3Uri>,
    /// Training image to use instead of the AutoGluon container, e.g. a private ECR
    /// repository: ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG (or @sha256:DIGEST). The
    /// SageMaker role may then pull from that repository only.
    #[arg(long, value_name = "ECR_URI", value_parser = images::parse_image)]
    training_image: Option<String>,
    /// Inference image to use instead of the AutoGluon container (same form).
    #[arg(long, value_name = "ECR_URI", value_parser = images::parse_image)]
    inference_image: Option<String>,
    /// Model-server workers per serving instance (each loads its own copy of the model).
    #[arg(long, default_value_t = defaults::MODEL_SERVER_WORKERS, value_parser = clap::value_parser!(u32).range(ranges::MODEL_SERVER_WORKERS))]
    model_server_workers: u32,
    /// Seconds the model server gives one prediction request.
    #[arg(long, default_value_t = defaults::MODEL_SERVER_TIMEOUT, value_parser = clap::value_parser!(u32).range(ranges::MODEL_SERVER_TIMEOUT))]
    model_server_timeout: u32,
}

impl SettingsArgs {
    pub(crate) fn into_settings(self) -> Settings {
        Settings {
            autogluon_version: self.autogluon_version,
            training_max_runtime: self.training_max_runtime,
            training_volume_size: self.training_volume_size,
            train_timeout: self.train_timeout,
            deploy_timeout: self.deploy_timeout,
            main_timeout: self.main_timeout,
            endpoint_poll: self.endpoint_poll,
            data_uris: self.data_uris,
            training_image: self.training_image,
            inference_image: self.inference_image,
            model_server_workers: self.model_server_workers,
            model_server_timeout: self.model_server_timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        settings: SettingsArgs,
    }

    /// `run --local` uses `Settings::default()`: it must be what `synth` renders with no flags.
    #[test]
    fn flag_defaults_are_the_stack_defaults() {
        let parsed = Flags::parse_from(["automl"]).settings.into_settings();
        assert_eq!(parsed, Settings::default());
    }
}
