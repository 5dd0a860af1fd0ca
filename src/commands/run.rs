//! `automl run`: validate an execution input, then start the workflow on AWS (the Main
//! machine of the deployed stack) or, with `--local`, on this machine.

use super::Global;
use std::path::PathBuf;
use std::process::ExitCode;

/// Validate an input and start the workflow on AWS, or locally with --local.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The execution input (JSON; see `automl validate`).
    pub input: PathBuf,
    /// Execution name (default: generated). Also names the SageMaker resources it creates.
    #[arg(long)]
    pub name: Option<String>,
    /// Follow the execution to its end, print each state and a summary, and exit non-zero
    /// unless it succeeded. `--local` always waits.
    #[arg(long)]
    pub wait: bool,
    /// Run the same state machines on this machine: AutoGluon trains in a local Python
    /// environment, S3 URIs map to a local directory, endpoints are local HTTP servers.
    #[arg(long)]
    pub local: bool,
    #[command(flatten)]
    pub local_options: crate::local::Options,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    if args.local {
        return crate::local::run(&args, global);
    }
    run_on_aws(args, global)
}

#[cfg(feature = "aws")]
fn run_on_aws(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    crate::aws::run::run(&args, global)
}

#[cfg(not(feature = "aws"))]
fn run_on_aws(_args: Args, _global: &Global) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this automl was built without AWS support (--no-default-features); \
         use `automl run --local`, or rebuild with default features"
    )
}

/// What both runners start from: a valid input in canonical form and a valid name.
pub struct Preflight {
    pub normalized: crate::input::Normalized,
    pub name: String,
}

/// Validates the input for `target` and the execution name (given, or generated). Every
/// problem is printed, and `None` means nothing may start.
pub fn preflight(
    args: &Args,
    global: &Global,
    target: crate::input::Target,
) -> anyhow::Result<Option<Preflight>> {
    let file = args.input.display();
    let raw = crate::input::read(&args.input)?;
    let normalized = match crate::input::validate_for(&raw, target) {
        Ok(normalized) => normalized,
        Err(problems) => {
            for problem in &problems {
                eprintln!("error: {file}: {problem}");
            }
            let plural = if problems.len() == 1 { "" } else { "s" };
            eprintln!(
                "{} problem{plural} in {file}: nothing was started (see `automl validate`)",
                problems.len()
            );
            return Ok(None);
        }
    };
    for note in normalized.notes() {
        eprintln!("note: {file}: {note}");
    }
    let name = args.name.clone().unwrap_or_else(generated_name);
    if let Err(problem) = crate::input::check_execution_name(&name, &global.stack_name) {
        eprintln!("error: {problem}");
        return Ok(None);
    }
    Ok(Some(Preflight { normalized, name }))
}

/// `run-20240501-120000-3f2a`: sortable by time, unique enough for one user, and valid
/// for Step Functions and for the SageMaker names derived from it.
fn generated_name() -> String {
    let now = crate::local::time::Instant::now().to_rfc3339();
    // 2024-05-01T12:00:00.000Z -> 20240501 and 120000
    let digits: String = now[..19]
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect();
    let (date, clock) = digits.split_once('T').unwrap_or((&digits, ""));
    format!(
        "run-{date}-{clock}-{:04x}",
        crate::local::random_u64() & 0xffff
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_names_are_valid_and_dated() {
        let name = super::generated_name();
        assert!(name.starts_with("run-20"), "{name}");
        assert_eq!(name.len(), "run-20240501-120000-3f2a".len(), "{name}");
        assert!(crate::input::check_execution_name(&name, "automl").is_ok());
    }
}
