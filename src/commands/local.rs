//! `automl local ...`: manage the local runner's environment and endpoints.

use super::Global;
use crate::local::endpoints::{EndpointStatus, Registry};
use crate::local::{python, store::Store};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create the local Python environment with AutoGluon for `run --local`
    /// (<state-dir>/venv, from PyPI: about a minute and 700 MB). Idempotent.
    Setup(SetupArgs),
    /// List the local endpoints `run --local` started, with their status and URL.
    Endpoints(crate::local::StateArgs),
    /// Stop local endpoints: their servers end and their names are free again (like
    /// SageMaker's DeleteEndpoint).
    Stop(StopArgs),
}

#[derive(Debug, clap::Args)]
pub struct SetupArgs {
    #[command(flatten)]
    pub state: crate::local::StateArgs,
    /// The Python to create the environment with (3.9 to 3.12) [default: the newest
    /// python3.12 ... python3.9 on PATH, else python3].
    #[arg(long, value_name = "PATH")]
    pub base_python: Option<PathBuf>,
    /// Recreate the environment even when it is already set up.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct StopArgs {
    #[command(flatten)]
    pub state: crate::local::StateArgs,
    /// The endpoints to stop.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub names: Vec<String>,
    /// Stop every local endpoint.
    #[arg(long)]
    pub all: bool,
}

pub fn run(command: Command, global: &Global) -> anyhow::Result<ExitCode> {
    match command {
        Command::Setup(args) => {
            let store = Store::new(args.state.state_dir);
            let python = python::setup(&store.venv_dir(), args.base_python.as_deref(), args.force)?;
            if global.json {
                println!("{}", json!({"python": python}));
            } else {
                println!("{}", python.display());
                eprintln!("local runs use it by default: automl run --local input.json");
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
            if global.json {
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
                            "log": r.log,
                        })
                    })
                    .collect();
                println!("{}", json!(list));
                return Ok(ExitCode::SUCCESS);
            }
            if rows.is_empty() {
                eprintln!("no local endpoints in {}", store.dir.display());
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
                println!(
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
                );
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
                    Ok(true) => eprintln!("stopped {name}"),
                    Ok(false) => eprintln!("removed {name} (its server was not running)"),
                    Err(e) => {
                        eprintln!("error: {e:#}");
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
