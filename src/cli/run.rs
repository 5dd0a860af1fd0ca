//! `automl run`: validate an execution input, then start the workflow on AWS (the Main
//! machine of the deployed stack) or, with `--local`, on this machine.

use super::local::LocalArgs;
use super::output::Output;
use super::Global;
use crate::input::{Preflight, PreflightError, Target};
use crate::report::Summary;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Validate an input and start the workflow on AWS, or locally with --local.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The execution input (JSON; see `automl validate`).
    #[arg(required_unless_present = "resume")]
    input: Option<PathBuf>,
    /// Execution name (default: generated). Also names the SageMaker resources it creates.
    #[arg(long)]
    name: Option<String>,
    /// Follow the execution to its end, print each state and a summary, and exit non-zero
    /// unless it succeeded. `--local` always waits.
    #[arg(long)]
    wait: bool,
    /// Run the same state machines on this machine: AutoGluon trains in a local Python
    /// environment, S3 URIs map to a local directory, endpoints are local HTTP servers.
    #[arg(long)]
    local: bool,
    /// With --local: reuse the name of a failed, timed-out or aborted local execution
    /// (its records and the resources named after it are removed first). A succeeded
    /// execution's name stays taken.
    #[arg(long, requires = "local")]
    replace: bool,
    /// With --local: resume the failed, timed-out or aborted local execution NAME where it
    /// stopped, as Step Functions' RedriveExecution does: the states that succeeded are not
    /// run again (a finished training job is used, not trained again), the one that did
    /// not runs again with the input it had. Fix what made it fail first. On AWS:
    /// `automl redrive`.
    #[arg(long, value_name = "NAME", requires = "local", conflicts_with_all = ["input", "name", "replace"])]
    resume: Option<String>,
    #[command(flatten)]
    local_options: LocalArgs,
}

pub(crate) fn run(args: Args, global: &Global, out: &mut Output) -> anyhow::Result<ExitCode> {
    if let Some(name) = &args.resume {
        let config = args.local_options.clone().into_config();
        let report = crate::local::resume(&config, &global.stack_name, name, out)?;
        return Ok(local_end(report, &config, out));
    }
    let target = if args.local {
        Target::Local
    } else {
        Target::Aws
    };
    let Some(Preflight { normalized, name }) = preflight(&args, global, target, out)? else {
        return Ok(ExitCode::from(super::error::FAILED));
    };
    if args.local {
        let config = args.local_options.into_config();
        let report = crate::local::run(
            &config,
            &global.stack_name,
            &name,
            normalized,
            args.replace,
            out,
        )?;
        return Ok(local_end(report, &config, out));
    }
    run_on_aws(&args, global, name, normalized, out)
}

/// Prints how a local run (or resume) ended and what to do next; its exit code.
fn local_end(
    report: crate::local::LocalRunReport,
    config: &crate::local::LocalConfig,
    out: &mut Output,
) -> ExitCode {
    let succeeded = report.summary.succeeded();
    out.finish();
    if let Some(interrupted) = &report.interrupted {
        if out.json() {
            out.stdout(serde_json::to_value(&report).unwrap_or_default());
        } else {
            out.result(&report.summary);
            interrupted_note(interrupted, &report.summary.execution, config, out);
        }
        return ExitCode::from(super::error::INTERRUPTED);
    }
    out.result(&report.summary);
    if !out.json() {
        local_hints(&report, config, out);
    }
    super::exit(succeeded)
}

/// Validates the input and the name; every problem is printed here, and `None` means
/// nothing may start.
fn preflight(
    args: &Args,
    global: &Global,
    target: Target,
    out: &mut Output,
) -> anyhow::Result<Option<Preflight>> {
    let Some(input) = &args.input else {
        anyhow::bail!("an execution input is required (or --local --resume NAME)");
    };
    let file = input.display();
    match crate::input::preflight(input, args.name.as_deref(), &global.stack_name, target) {
        Ok(preflight) => {
            for note in preflight.normalized.notes() {
                out.stderr(format!("note: {file}: {note}"));
            }
            // On AWS the data is checked once the stack is found (`aws::run`).
            if target == Target::Local {
                let config = args.local_options.clone().into_config();
                let problems = crate::input::check_data(
                    &preflight.normalized,
                    &super::local::data_sampler(&config),
                );
                if !problems.is_empty() {
                    for problem in &problems {
                        out.stderr(format!("error: {file}: {problem}"));
                    }
                    let count = problems.len();
                    out.stderr(format!(
                        "{count} problem{} in {file}: nothing was started (see `automl validate --local`)",
                        if count == 1 { "" } else { "s" }
                    ));
                    return Ok(None);
                }
            }
            Ok(Some(preflight))
        }
        Err(PreflightError::Unreadable(error)) => Err(error.into()),
        Err(error @ PreflightError::Invalid { .. }) => {
            if let PreflightError::Invalid { problems, .. } = &error {
                for problem in problems {
                    out.stderr(format!("error: {file}: {problem}"));
                }
            }
            out.stderr(&error);
            Ok(None)
        }
        Err(PreflightError::Name(problem)) => {
            out.stderr(format!("error: {problem}"));
            Ok(None)
        }
    }
}

#[cfg(feature = "aws")]
fn run_on_aws(
    args: &Args,
    global: &Global,
    name: String,
    normalized: crate::input::Normalized,
    out: &mut Output,
) -> anyhow::Result<ExitCode> {
    use crate::aws::run::RunOutcome;
    use std::io::{BufRead, IsTerminal};
    let request = crate::aws::run::RunRequest {
        name,
        normalized,
        wait: args.wait,
    };
    // Ctrl-C while following: on a terminal, ask whether to stop the execution or leave it
    // running on AWS; off a terminal (a script, CI), leave it running.
    let mut prompts = Output::new(false);
    let mut stop = |name: &str| -> anyhow::Result<bool> {
        if !std::io::stdin().is_terminal() {
            return Ok(false);
        }
        prompts.prompt(format!(
            "\ninterrupted: stop execution {name} on AWS (StopExecution), or leave it running? [s]top / [L]eave "
        ));
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        Ok(matches!(
            answer.trim().to_ascii_lowercase().as_str(),
            "s" | "stop"
        ))
    };
    let interrupt = crate::aws::run::Interrupt {
        arm: &crate::local::interrupt::install,
        requested: &|| crate::local::interrupt::requested().is_some(),
        stop: &mut stop,
    };
    let outcome = crate::aws::run::run(&global.aws(), &request, out, interrupt)?;
    out.finish();
    let name = &request.name;
    match outcome {
        RunOutcome::Ended { summary, stopped } => {
            out.result(&summary);
            if stopped {
                out.stderr(format!("stopped execution {name} (ABORTED); the Train or Deploy execution it was waiting for stops with it"));
                return Ok(ExitCode::from(super::error::INTERRUPTED));
            }
            Ok(super::exit(summary.succeeded()))
        }
        RunOutcome::LeftRunning => {
            out.stderr(format!(
                "interrupted: execution {name} keeps running on AWS; follow it with `automl status {name} --wait`, stop it with `automl stop {name}`"
            ));
            Ok(ExitCode::from(super::error::INTERRUPTED))
        }
        RunOutcome::Started => {
            if !out.json() {
                out.stderr(format!("follow it with `automl status {name} --wait`"));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(not(feature = "aws"))]
fn run_on_aws(
    _args: &Args,
    _global: &Global,
    _name: String,
    _normalized: crate::input::Normalized,
    _out: &mut Output,
) -> anyhow::Result<ExitCode> {
    Err(super::no_aws("run"))
}

/// What an interrupted local run stopped and left running (text mode).
fn interrupted_note(
    interrupted: &crate::local::executions::Interrupted,
    name: &str,
    config: &crate::local::LocalConfig,
    out: &mut Output,
) {
    out.stderr(format!("interrupted ({}): stopped", interrupted.signal));
    for line in &interrupted.stopped {
        out.stderr(format!("  {line}"));
    }
    if interrupted.still_running.is_empty() {
        out.stderr("nothing of this run is still running");
    } else {
        out.stderr("still running:");
        for line in &interrupted.still_running {
            out.stderr(format!("  {line}"));
        }
    }
    let state = if config.state_dir == Path::new(crate::local::DEFAULT_STATE_DIR) {
        String::new()
    } else {
        format!(" --state-dir {}", config.state_dir.display())
    };
    out.stderr(format!(
        "resume it where it stopped with `automl run --local{state} --resume {name}`, or run it again from the start under the same name with `automl run --local{state} --replace ...`"
    ));
}

/// What to do next, after a local run (text mode).
fn local_hints(
    report: &crate::local::LocalRunReport,
    config: &crate::local::LocalConfig,
    out: &mut Output,
) {
    let summary: &Summary = &report.summary;
    let state = if config.state_dir == Path::new(crate::local::DEFAULT_STATE_DIR) {
        String::new()
    } else {
        format!(" --state-dir {}", config.state_dir.display())
    };
    if let (Some(endpoint), true) = (&summary.endpoint_name, summary.succeeded()) {
        out.stderr("the endpoint is a local server; call it with");
        out.stderr(format!("  automl invoke --local{state} {endpoint} --file rows.csv   (CSV rows without the label, a header row optional; or --body '...')"));
        out.stderr(format!("and stop it with `automl local stop{state} {endpoint}` (`automl local endpoints{state}` lists them)"));
    }
    if let Some(path) = &report.batch_output_path {
        out.stderr(format!(
            "batch predictions (one line per input row): {}",
            path.display()
        ));
    }
    if summary.results.is_none() {
        if let Some(path) = &report.model_archive_path {
            out.stderr(format!("model archive: {}", path.display()));
        }
    }
}
