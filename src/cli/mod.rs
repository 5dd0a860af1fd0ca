//! The command line, and the only layer that knows clap, [`Global`], `ExitCode` and
//! `--json`: one module per command, each with its clap `Args` (whose doc comments are
//! the help text, the man page and the completions) converted once into the plain
//! requests of the layers below, and [`output`], which prints every result.
//!
//! Every command exists in every build: one built without the `aws` feature (the fast
//! build, no AWS SDK) says how to get AWS support when an AWS command is used.

pub(crate) mod deploy;
pub(crate) mod destroy;
pub(crate) mod diff;
pub(crate) mod error;
pub(crate) mod executions;
pub(crate) mod graph;
pub(crate) mod invoke;
pub(crate) mod local;
pub(crate) mod manual;
pub(crate) mod models;
pub(crate) mod output;
pub(crate) mod redrive;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod settings;
pub(crate) mod status;
pub(crate) mod stop;
pub(crate) mod synth;
pub(crate) mod validate;

use clap::{Parser, Subcommand};
use output::Output;
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
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags shared by every command.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Global {
    /// The CloudFormation stack to synthesize, deploy, run or destroy: lowercase letters,
    /// digits and hyphens, at most 19 characters (it prefixes every SageMaker name).
    #[arg(
        long,
        global = true,
        default_value = crate::stack::DEFAULT_STACK_NAME,
        env = "AUTOML_STACK_NAME",
        value_parser = parse_stack_name
    )]
    pub(crate) stack_name: String,
    /// AWS profile to use (default: the standard AWS configuration chain).
    #[arg(long, global = true)]
    pub(crate) profile: Option<String>,
    /// AWS region to use (default: the standard AWS configuration chain).
    #[arg(long, global = true)]
    pub(crate) region: Option<String>,
    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    Synth(synth::Args),
    Validate(validate::Args),
    Graph(graph::Args),
    Deploy(deploy::Args),
    Diff(diff::Args),
    Destroy(destroy::Args),
    Run(run::Args),
    Redrive(redrive::Args),
    Stop(stop::Args),
    Status(status::Args),
    Executions(executions::Args),
    Invoke(invoke::Args),
    Report(report::Args),
    Models(models::Args),
    /// The local runner: create its Python environment, list and stop local endpoints.
    #[command(subcommand)]
    Local(local::Command),
    /// Write shell completions or the man page (generated from these very flags).
    #[command(subcommand)]
    Manual(manual::Command),
}

/// Stack names prefix SageMaker resource names (`<stack>-<execution>-deploy`, at most 63
/// characters, lowercased in ARNs), which IAM policies match by prefix: lowercase keeps the
/// prefix and the ARNs equal, and 19 characters leave room for a 36-character execution id.
fn parse_stack_name(name: &str) -> Result<String, String> {
    crate::stack::check_stack_name(name).map(|()| name.to_string())
}

impl Global {
    /// The plain AWS configuration the `aws` layer works with.
    #[cfg(feature = "aws")]
    pub(crate) fn aws(&self) -> crate::aws::AwsConfig {
        crate::aws::AwsConfig {
            stack_name: self.stack_name.clone(),
            profile: self.profile.clone(),
            region: self.region.clone(),
        }
    }
}

/// The error of an AWS command in a build without the `aws` feature.
#[cfg(not(feature = "aws"))]
pub(crate) fn no_aws(command: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "`automl {command}` talks to AWS, and this automl was built without AWS support \
         (cargo's --no-default-features, the fast build): rebuild it with \
         `cargo install --path . --locked` (about 5 minutes, once), or use the local \
         runner (`automl run --local`, `automl invoke --local`), which needs no AWS"
    )
}

/// The whole command line: parse, run, print the error chain once, exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = Output::new(cli.global.json);
    match dispatch(cli, &mut out) {
        Ok(code) => code,
        Err(error) => {
            out.finish();
            output::print_error(&error);
            error::exit_code(&error)
        }
    }
}

fn dispatch(cli: Cli, out: &mut Output) -> anyhow::Result<ExitCode> {
    let global = &cli.global;
    match cli.command {
        Command::Synth(args) => synth::run(args, global, out),
        Command::Validate(args) => validate::run(args, global, out),
        Command::Graph(args) => graph::run(args, global, out),
        Command::Deploy(args) => deploy::run(args, global, out),
        Command::Diff(args) => diff::run(args, global, out),
        Command::Destroy(args) => destroy::run(args, global, out),
        Command::Run(args) => run::run(args, global, out),
        Command::Redrive(args) => redrive::run(args, global, out),
        Command::Stop(args) => stop::run(args, global, out),
        Command::Status(args) => status::run(args, global, out),
        Command::Executions(args) => executions::run(args, global, out),
        Command::Invoke(args) => invoke::run(args, global, out),
        Command::Report(args) => report::run(args, global, out),
        Command::Models(args) => models::run(args, global, out),
        Command::Local(command) => local::run(command, global, out),
        Command::Manual(command) => manual::run(command, out),
    }
}

/// The clap command, for the man page and completions.
pub(crate) fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// The exit code of a finished piece of work.
pub(crate) fn exit(succeeded: bool) -> ExitCode {
    if succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(error::FAILED)
    }
}
