//! `automl models`: the versions registered in the stack's model registry (one model
//! package group per `Parameters.Registry.ModelName`), their approval status and score;
//! `models approve` / `models reject` set a version's status, which is how a version
//! registered with `"Approval": "manual"` becomes deployable.

use super::output::Output;
use super::Global;
use std::process::ExitCode;

/// List the registered model versions of the stack, with status and score.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    /// The local registry `run --local` keeps in the state directory.
    #[arg(long)]
    local: bool,
    #[command(flatten)]
    state: super::local::StateArgs,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Approve a version (ModelApprovalStatus=Approved), so a deploy can name it.
    Approve(Change),
    /// Reject a version (ModelApprovalStatus=Rejected), so no deploy can name it.
    Reject(Change),
}

#[derive(Debug, clap::Args)]
struct Change {
    /// `<model>/<version>` as `automl models` lists it (e.g. penguins/2), or the version's ARN.
    #[arg(value_name = "MODEL/VERSION", value_parser = parse_reference)]
    package: String,
    /// The local registry `run --local` keeps in the state directory.
    #[arg(long)]
    local: bool,
    #[command(flatten)]
    state: super::local::StateArgs,
}

fn parse_reference(reference: &str) -> Result<String, String> {
    crate::input::check_model_package(reference).map(|()| reference.to_string())
}

pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    match args.action {
        None if args.local => {
            let store = crate::local::store::Store::new(args.state.state_dir.clone());
            out.result(&crate::local::backends::registry::list(
                &store,
                &global.stack_name,
            ));
            Ok(ExitCode::SUCCESS)
        }
        None => list_aws(global, out),
        Some(Action::Approve(change)) => set_status(change, "Approved", global, out),
        Some(Action::Reject(change)) => set_status(change, "Rejected", global, out),
    }
}

fn set_status(
    change: Change,
    status: &str,
    global: &Global,
    out: &mut Output,
) -> anyhow::Result<ExitCode> {
    if change.local {
        let store = crate::local::store::Store::new(change.state.state_dir.clone());
        let done = crate::local::backends::registry::set_status(
            &store,
            &global.stack_name,
            &change.package,
            status,
        )?;
        out.result(&done);
        return Ok(ExitCode::SUCCESS);
    }
    set_status_aws(&change.package, status, global, out)
}

#[cfg(feature = "aws")]
fn list_aws(global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    out.result(&crate::aws::models::list(&global.aws())?);
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "aws")]
fn set_status_aws(
    reference: &str,
    status: &str,
    global: &Global,
    out: &mut Output,
) -> anyhow::Result<ExitCode> {
    out.result(&crate::aws::models::set_status(
        &global.aws(),
        reference,
        status,
    )?);
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "aws"))]
fn list_aws(_global: &Global, _out: &mut Output) -> anyhow::Result<ExitCode> {
    Err(super::no_aws("models"))
}

#[cfg(not(feature = "aws"))]
fn set_status_aws(
    _reference: &str,
    _status: &str,
    _global: &Global,
    _out: &mut Output,
) -> anyhow::Result<ExitCode> {
    Err(super::no_aws("models approve"))
}
