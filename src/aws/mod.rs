//! Everything that talks to AWS, through the Rust AWS SDK: configuration and the one
//! error translation layer, the assets bucket, change sets and stack progress, destroy,
//! run and follow, status and executions, and endpoint invocation. Commands call the
//! synchronous entry points here; each runs its own tokio runtime.

pub mod assets;
pub mod config;
pub mod deploy;
pub mod destroy;
pub mod error;
pub mod history;
pub mod invoke;
pub mod progress;
pub mod run;
pub mod stack;
pub mod status;

pub use config::Aws;
