//! The one integration test binary (`autotests = false`): every test of the built
//! `automl`, against real tools, the real AutoGluon and a real local AWS emulator. One
//! binary links the AWS SDK once instead of once per file. The modules:
//!
//! - [`synth`], [`validate`], [`policies`], [`architecture`]: the rendered stack, the input
//!   contract, the IAM documents, and the layering rules of ARCHITECTURE.md.
//! - [`local_cli`], [`local_flows`], [`local_scaleout`], [`local_differential`]: `run --local`
//!   end to end (one host and a Ray cluster of two), and
//!   the interpreter against moto's own Step Functions.
//! - [`aws_recorded`]: the interpreter against executions recorded on AWS
//!   (tests/fixtures/aws-recorded).
//! - [`report`]: what a person sees of a local run: the summary's results, and the HTML
//!   report in headless Chromium.
//! - `aws_*`: every AWS command against moto (feature `aws`); `aws_report`: the report and
//!   summary of an AWS execution from its history and outputs archive.
//!
//! [`support`] is the one harness: a fluent builder for a run of the binary, and (`support::aws`)
//! the emulator.

mod architecture;
#[cfg(feature = "aws")]
mod aws_deploy;
#[cfg(feature = "aws")]
mod aws_destroy;
#[cfg(feature = "aws")]
mod aws_errors;
#[cfg(feature = "aws")]
mod aws_invoke;
#[cfg(feature = "aws")]
mod aws_models;
mod aws_recorded;
#[cfg(feature = "aws")]
mod aws_report;
#[cfg(feature = "aws")]
mod aws_run;
mod cli;
mod local_cli;
#[cfg(feature = "aws")]
mod local_differential;
mod local_flows;
mod local_interrupts;
mod local_scaleout;
mod policies;
mod report;
mod support;
mod synth;
mod validate;
