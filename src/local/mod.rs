//! The local runner: executes the very state machines `synth` renders on this machine,
//! with local back-ends for each Task resource.
//!
//! - The interpreter ([`definition`] loads and checks a machine, [`interpreter`] runs it,
//!   with [`path`], [`payload`], [`intrinsics`], [`choice`], [`context`], [`history`],
//!   [`errors`], [`time`]) knows the States Language and nothing else.
//! - [`runner`] is its host: it dispatches each Task to [`backends`] (training, models,
//!   serving, transform, evaluation) and runs nested executions in-process.
//! - [`machines`] takes the three machines from `crate::stack::build` and fills their
//!   placeholders; [`store`] is the state directory, [`objects`] maps `s3://` URIs to it,
//!   [`python`] finds (or creates) the AutoGluon environment, [`endpoints`] tracks the
//!   local endpoint servers, [`process`] runs and detaches child processes.

pub mod backends;
pub mod choice;
pub mod context;
pub mod definition;
pub mod endpoints;
pub mod errors;
pub mod explain;
pub mod history;
pub mod interpreter;
pub mod intrinsics;
pub mod machines;
pub mod objects;
pub mod path;
pub mod payload;
pub mod process;
pub mod python;
pub mod runner;
pub mod store;
pub mod time;

use crate::commands::run::{Args, Preflight};
use crate::commands::Global;
use crate::report::{Event, Progress, Summary};
use crate::stack::MachineId;
use anyhow::Context as _;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// The region local ARNs carry.
pub const LOCAL_REGION: &str = "local";

/// Where the local runner keeps its state: `--state-dir`, shared by every local command.
#[derive(Debug, Clone, clap::Args)]
pub struct StateArgs {
    /// Local runs: where executions, jobs, models, endpoints and the Python environment are kept.
    #[arg(
        long,
        env = "AUTOML_STATE_DIR",
        default_value = ".automl",
        value_name = "DIR"
    )]
    pub state_dir: PathBuf,
}

/// Where the local runner keeps its data and finds its Python.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    #[command(flatten)]
    pub state: StateArgs,
    /// Local runs: the directory `s3://bucket/key` URIs map to (as `<dir>/bucket/key`);
    /// plain paths in the input are used as they are [default: <state-dir>/objects].
    #[arg(long, env = "AUTOML_OBJECT_ROOT", value_name = "DIR")]
    pub object_root: Option<PathBuf>,
    /// Local runs: the Python interpreter of an environment with AutoGluon [default: the
    /// one `automl local setup` creates, <state-dir>/venv/bin/python].
    #[arg(long, env = "AUTOML_PYTHON", value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Local runs: cap every Wait state and retry delay at this many seconds (default: as
    /// the machines say; a Wait before describeEndpoint ends as soon as the endpoint is up).
    #[arg(long, env = "AUTOML_MAX_WAIT", value_name = "SECONDS")]
    pub max_wait: Option<u64>,
}

impl Options {
    pub fn object_root(&self) -> PathBuf {
        self.object_root
            .clone()
            .unwrap_or_else(|| self.state.state_dir.join("objects"))
    }
}

/// `automl run --local`: validate, run Main with its nested executions, print progress
/// and the summary exactly as `run --wait` does on AWS.
pub fn run(args: &Args, global: &Global) -> anyhow::Result<ExitCode> {
    let Some(Preflight { normalized, name }) =
        crate::commands::run::preflight(args, global, crate::input::Target::Local)?
    else {
        return Ok(ExitCode::FAILURE);
    };
    let options = &args.local_options;
    let flow = normalized.flow();
    // Training and serving need Python with AutoGluon: say so before anything starts.
    let local = Local::prepare(options, &global.stack_name, flow.train || flow.deploy)?;
    let execution_dir = local.store.execution_dir(&name);
    if execution_dir.exists() {
        anyhow::bail!(
            "an execution named `{name}` already ran here ({}): choose another --name",
            execution_dir.display()
        );
    }
    let arn = runner::execution_arn(&local.machines.arn(MachineId::Main), &name);
    if global.json {
        println!(
            "{}",
            json!({"event": "started", "executionArn": arn, "name": name, "history": execution_dir.join("history.json")})
        );
    } else {
        println!("execution: {arn}");
        println!(
            "history:   {}",
            execution_dir.join("history.json").display()
        );
        eprintln!(
            "{} (locally; data under {})",
            normalized.describe(),
            options.object_root().display()
        );
    }
    let mut progress = Progress::new(global.json);
    let json_mode = global.json;
    let outcome = local.run(&name, normalized.into_value(), |event: &Event| {
        if json_mode {
            progress.event(event);
        } else {
            progress.event(&readable(event));
        }
    })?;
    let data = match outcome.status {
        crate::report::Status::Succeeded => outcome.output.clone().unwrap_or_default(),
        _ => outcome.last_data.clone(),
    };
    let cause = outcome.cause.as_deref().map(explain::explain);
    let summary =
        Summary::from_data(&name, outcome.status, &data).with_failure(outcome.error.clone(), cause);
    let code = summary.exit_code();
    progress.finish(&summary);
    if !global.json {
        hints(&summary, &options.object_root(), &options.state.state_dir);
    }
    Ok(code)
}

/// A local run, ready to start: the state directory, the object root, the Python
/// environment and the three machines, loaded and checked.
pub struct Local {
    pub store: store::Store,
    pub objects: objects::Objects,
    pub python: Result<PathBuf, String>,
    pub machines: machines::Machines,
    pub max_wait: Option<Duration>,
}

impl Local {
    /// Prepares a run. `needs_python`: the flow trains or deploys, so a missing Python
    /// environment is an error now rather than a failed task later.
    pub fn prepare(
        options: &Options,
        stack_name: &str,
        needs_python: bool,
    ) -> anyhow::Result<Local> {
        let store = store::Store::new(options.state.state_dir.clone());
        let python = match python::resolve(options.python.as_deref(), &store.venv_dir()) {
            Ok(python) => Ok(python),
            Err(e) if needs_python => return Err(e),
            Err(e) => Err(format!("{e:#}")),
        };
        let scripts_uri = write_scripts(&store)?;
        let machines = machines::load(stack_name, &scripts_uri)?;
        Ok(Local {
            objects: objects::Objects::new(options.object_root()),
            store,
            python,
            machines,
            max_wait: options.max_wait.map(Duration::from_secs),
        })
    }

    /// Runs the Main machine (and the executions it starts) on `input` to its end. The
    /// input is used as given: validate it first (`crate::input::validate_for` with `Target::Local`).
    pub fn run(
        self,
        name: &str,
        input: serde_json::Value,
        on_event: impl FnMut(&Event),
    ) -> anyhow::Result<interpreter::Outcome> {
        let main_arn = self.machines.arn(MachineId::Main);
        let mut runner = runner::Runner {
            env: backends::Env {
                store: self.store,
                objects: self.objects,
                python: self.python,
            },
            machines: self.machines,
            max_wait: self.max_wait,
            on_event: Box::new(on_event),
        };
        runner
            .start(&main_arn, name, input, 0, None)
            .map_err(|e| anyhow::anyhow!("cannot start execution `{name}`: {}", e.into_failure()))
    }
}

/// Progress events with nested failure causes unfolded into one readable line.
fn readable(event: &Event) -> Event {
    match event {
        Event::StateFailed {
            depth,
            machine,
            state,
            error,
            cause,
        } => Event::StateFailed {
            depth: *depth,
            machine: machine.clone(),
            state: state.clone(),
            error: error.clone(),
            cause: explain::explain(cause),
        },
        other => other.clone(),
    }
}

/// What to do next, after a local run (text mode).
fn hints(summary: &Summary, object_root: &Path, state_dir: &Path) {
    let state = if state_dir == Path::new(".automl") {
        String::new()
    } else {
        format!(" --state-dir {}", state_dir.display())
    };
    if let (Some(endpoint), true) = (
        &summary.endpoint_name,
        summary.exit_code() == ExitCode::SUCCESS,
    ) {
        eprintln!("the endpoint is a local server; call it with");
        eprintln!("  automl invoke --local{state} {endpoint} --file rows.csv   (CSV rows without header or label; or --body '...')");
        eprintln!("and stop it with `automl local stop{state} {endpoint}` (`automl local endpoints{state}` lists them)");
    }
    if let Some(output) = &summary.batch_output {
        if let Ok(location) = objects::Location::parse(output) {
            let objects = objects::Objects::new(object_root.to_path_buf());
            eprintln!(
                "batch predictions (one line per input row): {}",
                objects.path(&location).display()
            );
        }
    }
    if let Some(path) = &summary.model_path {
        if let Ok(location) = objects::Location::parse(path) {
            let objects = objects::Objects::new(object_root.to_path_buf());
            eprintln!("model archive: {}", objects.path(&location).display());
        }
    }
}

/// The scripts tarball the machines' `${ScriptsUri}` points at: written once into the
/// state directory, named by its content hash (as deploy uploads it).
fn write_scripts(store: &store::Store) -> anyhow::Result<String> {
    let asset = crate::stack::assets::autogluon_scripts();
    let file_name = asset
        .key
        .rsplit('/')
        .next()
        .unwrap_or("autogluon-scripts.tar.gz")
        .to_string();
    let dir = store.assets_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(file_name);
    if !path.is_file() {
        let tmp = path.with_extension("partial");
        std::fs::write(&tmp, crate::stack::assets::scripts_tarball())
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path)?;
    }
    let absolute = std::path::absolute(&path).unwrap_or(path);
    Ok(absolute.display().to_string())
}

/// `run-20240501-120000-3f2a`, as `run` on AWS names executions.
/// 64 random bits.
pub fn random_u64() -> u64 {
    uuid::Uuid::new_v4().as_u128() as u64
}

/// A random (version 4) UUID, as `States.UUID()` returns it.
pub fn uuid_v4() -> String {
    uuid::Uuid::new_v4().to_string()
}
