//! `automl`: AutoGluon AutoML workflows on AWS Step Functions and SageMaker, from one
//! binary. The models (`cfn`, `asl`, `iam`) know nothing of AutoML; `stack` builds the
//! AutoML stack from them and knows nothing of the SDK; `aws` (behind the default-on `aws`
//! feature) and `local` consume what `stack` builds. Data flows one way:
//! typed structs -> JSON -> (CloudFormation | the local runner).

pub mod asl;
pub mod cfn;
pub mod commands;
pub mod iam;
pub mod input;
pub mod local;
pub mod report;
pub mod s3uri;
pub mod stack;

#[cfg(feature = "aws")]
pub mod aws;
