//! `automl`: AutoGluon AutoML workflows on AWS Step Functions and SageMaker, from one
//! binary. ARCHITECTURE.md describes the rooms and the invariants the architecture test
//! checks; in short, data flows one way: command-line arguments -> plain requests (in
//! [`cli`], the only layer that knows clap) -> typed models ([`cfn`], [`asl`], [`iam`],
//! [`stack`]) -> JSON -> CloudFormation ([`aws`]) or the local runner ([`local`] hosting
//! the interpreter [`sfn`]) -> reports ([`report`]) -> the output module (`cli::output`).
//!
//! Items are `pub(crate)`; the few `pub` ones are what the integration tests in `tests/`
//! drive directly (the interpreter, the stack, the input contract, the IAM model).

pub(crate) mod asl;
pub(crate) mod awsmodel;
pub(crate) mod cfn;
pub mod cli;
pub mod iam;
pub mod input;
pub mod local;
pub(crate) mod report;
pub(crate) mod s3uri;
pub mod sfn;
pub mod stack;

#[cfg(feature = "aws")]
pub mod aws;
