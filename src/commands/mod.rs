//! The command line: one module per command, each with its clap `Args` (whose doc
//! comments are the help text) and the function that runs it. `Global` carries the flags
//! every command shares, following the AWS CLI's conventions.

pub mod graph;
pub mod local;
pub mod run;
pub mod synth;
pub mod validate;

#[cfg(feature = "aws")]
pub mod deploy;
#[cfg(feature = "aws")]
pub mod destroy;
#[cfg(feature = "aws")]
pub mod diff;
#[cfg(feature = "aws")]
pub mod executions;
pub mod invoke;
#[cfg(feature = "aws")]
pub mod status;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Train AutoGluon tabular models on SageMaker, evaluate them against a threshold and
/// deploy them to an endpoint or a batch transform — orchestrated by Step Functions state
/// machines that this tool renders, deploys and runs. Or run the same workflow locally.
#[derive(Debug, Parser)]
#[command(
    name = "automl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags shared by every command.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// The CloudFormation stack to synthesize, deploy, run or destroy: lowercase letters,
    /// digits and hyphens, at most 19 characters (it prefixes every SageMaker name).
    #[arg(
        long,
        global = true,
        default_value = "automl",
        env = "AUTOML_STACK_NAME",
        value_parser = parse_stack_name
    )]
    pub stack_name: String,
    /// AWS profile to use (default: the standard AWS configuration chain).
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// AWS region to use (default: the standard AWS configuration chain).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Synth(synth::Args),
    Validate(validate::Args),
    Graph(graph::Args),
    #[cfg(feature = "aws")]
    Deploy(deploy::Args),
    #[cfg(feature = "aws")]
    Diff(diff::Args),
    #[cfg(feature = "aws")]
    Destroy(destroy::Args),
    Run(run::Args),
    #[cfg(feature = "aws")]
    Status(status::Args),
    #[cfg(feature = "aws")]
    Executions(executions::Args),
    Invoke(invoke::Args),
    /// The local runner: create its Python environment, list and stop local endpoints.
    #[command(subcommand)]
    Local(local::Command),
}

/// Stack names prefix SageMaker resource names (`<stack>-<execution>-deploy`, at most 63
/// characters, lowercased in ARNs), which IAM policies match by prefix: lowercase keeps the
/// prefix and the ARNs equal, and 19 characters leave room for a 36-character execution id.
fn parse_stack_name(name: &str) -> Result<String, String> {
    let valid = name.len() <= 19
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(name.to_string())
    } else {
        Err(
            "use 1-19 lowercase letters, digits and hyphens, starting with a letter \
             (e.g. `automl` or `churn-dev`): it prefixes SageMaker names and IAM scopes them"
                .to_string(),
        )
    }
}

/// Runs the parsed command.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let global = &cli.global;
    match cli.command {
        Command::Synth(args) => synth::run(args, global),
        Command::Validate(args) => validate::run(args, global),
        Command::Graph(args) => graph::run(args, global),
        #[cfg(feature = "aws")]
        Command::Deploy(args) => deploy::run(args, global),
        #[cfg(feature = "aws")]
        Command::Diff(args) => diff::run(args, global),
        #[cfg(feature = "aws")]
        Command::Destroy(args) => destroy::run(args, global),
        Command::Run(args) => run::run(args, global),
        #[cfg(feature = "aws")]
        Command::Status(args) => status::run(args, global),
        #[cfg(feature = "aws")]
        Command::Executions(args) => executions::run(args, global),
        Command::Invoke(args) => invoke::run(args, global),
        Command::Local(command) => local::run(command, global),
    }
}
