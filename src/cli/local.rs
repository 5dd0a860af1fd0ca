//! `automl local ...`: manage the local runner's environment and endpoints.

use super::output::Output;
use super::Global;
use crate::local::endpoints::{EndpointStatus, Registry};
use crate::local::{python, store::Store, LocalConfig};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where the local runner keeps its state: `--state-dir`, shared by every local command.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct StateArgs {
    /// Local runs: where executions, jobs, models, endpoints and the Python environment are kept.
    #[arg(
        long,
        env = "AUTOML_STATE_DIR",
        default_value = crate::local::DEFAULT_STATE_DIR,
        value_name = "DIR"
    )]
    pub(crate) state_dir: PathBuf,
}

/// Where the local runner keeps its data and finds its Python.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct LocalArgs {
    #[command(flatten)]
    state: StateArgs,
    /// Local runs: the directory `s3://bucket/key` URIs map to (as `<dir>/bucket/key`);
    /// plain paths in the input are used as they are [default: <state-dir>/objects].
    #[arg(long, env = "AUTOML_OBJECT_ROOT", value_name = "DIR")]
    object_root: Option<PathBuf>,
    /// Local runs: the Python interpreter of an environment with AutoGluon [default: the
    /// one `automl local setup` creates, <state-dir>/venv/bin/python].
    #[arg(long, env = "AUTOML_PYTHON", value_name = "PATH")]
    python: Option<PathBuf>,
    /// Local runs: cap every Wait state and retry delay at this many seconds (default: as
    /// the machines say; a Wait before describeEndpoint ends as soon as the endpoint is up).
    #[arg(long, env = "AUTOML_MAX_WAIT", value_name = "SECONDS")]
    max_wait: Option<u64>,
}

impl LocalArgs {
    pub(crate) fn into_config(self) -> LocalConfig {
        LocalConfig {
            state_dir: self.state.state_dir,
            object_root: self.object_root,
            python: self.python,
            max_wait: self.max_wait,
        }
    }
}

/// Where the data of an input is, for the pre-flight data check: `s3://` URIs in the
/// object root (a prefix: its first object), plain paths as they are.
pub(crate) fn data_sampler(
    config: &LocalConfig,
) -> impl Fn(&str) -> Option<Result<crate::input::Sample, String>> {
    let objects = crate::local::objects::Objects::new(config.object_root());
    move |uri: &str| {
        let location = crate::local::objects::Location::parse(uri).ok()?;
        // The first file the training channel would copy: the same listing, so a link
        // the runner refuses is refused here, before anything starts.
        Some(match objects.list(&location) {
            Err(error) => Err(format!("{error:#}")),
            Ok(files) => match files.first() {
                Some((_, path)) => crate::input::local_sample(path),
                None => crate::input::local_sample(&objects.path(&location)),
            },
        })
    }
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Create the local Python environment with AutoGluon for `run --local`
    /// (<state-dir>/venv, from PyPI: about a minute and 700 MB). Idempotent.
    Setup(SetupArgs),
    /// List the local endpoints `run --local` started, with their status and URL.
    Endpoints(StateArgs),
    /// Stop local endpoints: their servers end and their names are free again (like
    /// SageMaker's DeleteEndpoint).
    Stop(StopArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct SetupArgs {
    #[command(flatten)]
    state: StateArgs,
    /// The Python to create the environment with (3.9 to 3.12) [default: the newest
    /// python3.12 ... python3.9 on PATH, else python3].
    #[arg(long, value_name = "PATH")]
    base_python: Option<PathBuf>,
    /// Recreate the environment even when it is already set up.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct StopArgs {
    #[command(flatten)]
    state: StateArgs,
    /// The endpoints to stop.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    names: Vec<String>,
    /// Stop every local endpoint.
    #[arg(long)]
    all: bool,
}

pub(crate) fn run(
    command: Command,
    _global: &Global,
    out: &mut Output,
) -> anyhow::Result<ExitCode> {
    match command {
        Command::Setup(args) => {
            let store = Store::new(args.state.state_dir);
            let python = python::setup(
                &store.venv_dir(),
                args.base_python.as_deref(),
                args.force,
                out,
            )?;
            if out.json() {
                out.stdout(json!({"python": python}));
            } else {
                out.stdout(python.display());
                out.stderr("local runs use it by default: automl run --local input.json");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Endpoints(args) => {
            let store = Store::new(args.state_dir);
            let registry = Registry::new(&store);
            let rows: Vec<_> = registry
                .all()
                .into_iter()
                .map(|record| {
                    let status = registry.status(&record);
                    (record, status)
                })
                .collect();
            if out.json() {
                let list: Vec<_> = rows
                    .iter()
                    .map(|(r, s)| {
                        json!({
                            "name": r.name,
                            "status": s.name(),
                            "url": match s { EndpointStatus::InService { url } => Some(url.clone()), _ => None },
                            "failureReason": match s { EndpointStatus::Failed { reason } => Some(reason.clone()), _ => None },
                            "pid": r.pid,
                            "model": r.model_name,
                            "modelDataUrl": r.model_data_url,
                            "created": r.created,
                            "config": r.config_name,
                            "autoScaling": r.auto_scaling,
                            "expires": r.expires_millis.map(|ms| crate::sfn::Timestamp::from_millis(ms).to_rfc3339()),
                            "log": r.log,
                        })
                    })
                    .collect();
                out.stdout(json!(list));
                return Ok(ExitCode::SUCCESS);
            }
            if rows.is_empty() {
                out.stderr(format!("no local endpoints in {}", store.dir.display()));
                return Ok(ExitCode::SUCCESS);
            }
            let table: Vec<[String; 5]> = rows
                .iter()
                .map(|(r, s)| {
                    let detail = match s {
                        EndpointStatus::InService { url } => url.clone(),
                        EndpointStatus::Failed { reason } => reason.clone(),
                        EndpointStatus::Creating => String::new(),
                    };
                    [
                        r.name.clone(),
                        s.name().to_string(),
                        r.pid.to_string(),
                        r.model_name.clone(),
                        detail,
                    ]
                })
                .collect();
            let header = ["NAME", "STATUS", "PID", "MODEL", "URL / REASON"].map(String::from);
            let widths: Vec<usize> = (0..4)
                .map(|i| {
                    table
                        .iter()
                        .chain([&header])
                        .map(|row| row[i].len())
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            for row in [&header].into_iter().chain(table.iter()) {
                out.stdout(format!(
                    "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    row[4],
                    w0 = widths[0],
                    w1 = widths[1],
                    w2 = widths[2],
                    w3 = widths[3]
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Stop(args) => {
            let store = Store::new(args.state.state_dir);
            let registry = Registry::new(&store);
            let names: Vec<String> = if args.all {
                registry.all().into_iter().map(|r| r.name).collect()
            } else {
                args.names
            };
            let mut failed = false;
            for name in names {
                match registry.delete(&name) {
                    Ok(true) => out.stderr(format!("stopped {name}")),
                    Ok(false) => out.stderr(format!("removed {name} (its server was not running)")),
                    Err(e) => {
                        out.stderr(format!("error: {e:#}"));
                        failed = true;
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
