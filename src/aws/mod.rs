//! Everything that talks to AWS, through the Rust AWS SDK: configuration and the one
//! error translation layer, the assets bucket, change sets and stack progress, destroy,
//! run and follow, status and executions, redrive and stop, the report of an execution,
//! the model registry, and endpoint invocation. Commands call the synchronous entry points
//! here; each runs its own tokio runtime.

pub(crate) mod assets;
pub(crate) mod config;
pub(crate) mod data;
pub(crate) mod deploy;
pub(crate) mod destroy;
pub(crate) mod error;
pub(crate) mod history;
pub mod invoke;
pub(crate) mod models;
pub(crate) mod pretrained;
pub(crate) mod redrive;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod stack;
pub(crate) mod status;
pub(crate) mod stop;

pub use config::AwsConfig;
