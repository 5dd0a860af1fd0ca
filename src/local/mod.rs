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

pub(crate) mod backends;
pub(crate) mod disk;
pub(crate) mod endpoints;
pub(crate) mod executions;
pub(crate) mod interrupt;
pub(crate) mod machines;
pub(crate) mod objects;
pub(crate) mod process;
pub(crate) mod python;
pub(crate) mod results;
pub(crate) mod runner;
pub(crate) mod store;

use crate::report::{Progress, Started, Summary};
use crate::sfn::{Event, ExecutionStatus};
use crate::stack::machines::main::{child_execution_name, rerun_note, Child};
use crate::stack::MachineId;
use anyhow::Context as _;
use std::path::PathBuf;
use std::time::Duration;

/// The region local ARNs carry.
pub(crate) const LOCAL_REGION: &str = "local";

/// Where the local runner keeps its state (`--state-dir`) when none is given.
pub(crate) const DEFAULT_STATE_DIR: &str = ".automl";

/// Where the local runner keeps its data and finds its Python.
#[derive(Debug, Clone)]
pub struct LocalConfig {
    /// Where executions, jobs, models, endpoints and the Python environment are kept.
    pub state_dir: PathBuf,
    /// The directory `s3://bucket/key` URIs map to [default: <state-dir>/objects].
    pub object_root: Option<PathBuf>,
    /// The Python of an environment with AutoGluon [default: <state-dir>/venv/bin/python].
    pub python: Option<PathBuf>,
    /// Cap every Wait state and retry delay at this many seconds.
    pub max_wait: Option<u64>,
}

impl LocalConfig {
    pub(crate) fn object_root(&self) -> PathBuf {
        self.object_root
            .clone()
            .unwrap_or_else(|| self.state_dir.join("objects"))
    }
}

/// What a local run produced: the summary, and the local paths behind its URIs.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct LocalRunReport {
    #[serde(flatten)]
    pub(crate) summary: Summary,
    /// The batch predictions, as a local path.
    #[serde(skip)]
    pub(crate) batch_output_path: Option<PathBuf>,
    /// The model archive, as a local path.
    #[serde(skip)]
    pub(crate) model_archive_path: Option<PathBuf>,
    /// Set when a signal stopped the run: what it stopped, what stays running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) interrupted: Option<executions::Interrupted>,
}

/// `automl run --local`: run Main with its nested executions on a checked input,
/// reporting progress as `run --wait` does on AWS.
pub(crate) fn run(
    config: &LocalConfig,
    stack_name: &str,
    name: &str,
    normalized: crate::input::Normalized,
    replace: bool,
    progress: &mut dyn Progress,
) -> anyhow::Result<LocalRunReport> {
    let flow = normalized.flow();
    // From here on an interrupt stops the run as StopExecution would, and is recorded.
    interrupt::install();
    // Training and serving need Python with AutoGluon: say so before anything starts.
    let local = Local::prepare(config, stack_name, flow.train || flow.deploy)?;
    interrupt::recover(&local.store);
    executions::claim_name(&local.store, stack_name, name, replace)?;
    let execution_dir = local.store.execution_dir(name);
    let store = local.store.clone();
    let arn = crate::sfn::names::execution_arn(&local.machines.arn(MachineId::Main), name);
    progress.started(&Started {
        execution_arn: arn,
        name: name.to_string(),
        history: Some(execution_dir.join("history.json").display().to_string()),
        console_url: None,
        description: format!(
            "{} (locally; data under {})",
            normalized.describe(),
            config.object_root().display()
        ),
    });
    let outcome = local.run(name, normalized.into_value(), |event: &Event| {
        progress.event(&readable(event))
    })?;
    report(config, stack_name, name, outcome, &store, progress)
}

/// `automl run --local --resume NAME`: redrive a failed, timed-out or aborted local
/// execution of the Main machine from its recorded history (RedriveExecution, locally):
/// the states that succeeded are not run again (a Train child that succeeded is not
/// trained again), and the one that did not runs again with the input it had. As on AWS,
/// a rerun TrainModel or DeployModel starts a new child named after the redrive count
/// (`<name>-deploy-r1`), which creates its own SageMaker resources.
pub(crate) fn resume(
    config: &LocalConfig,
    stack_name: &str,
    name: &str,
    progress: &mut dyn Progress,
) -> anyhow::Result<LocalRunReport> {
    interrupt::install();
    let store = store::Store::new(config.state_dir.clone());
    interrupt::recover(&store);
    let Some(record) = executions::record(&store, name) else {
        anyhow::bail!(
            "no local execution `{name}` in {} to resume (`automl executions --local` lists them)",
            store.dir.display()
        );
    };
    let text = |key: &str| record.get(key).and_then(serde_json::Value::as_str);
    if let Some(parent) = text("parentExecution") {
        anyhow::bail!(
            "execution `{name}` was started by `{parent}`: resume `{parent}`, which redrives it"
        );
    }
    match text("status").unwrap_or("UNKNOWN") {
        "SUCCEEDED" => anyhow::bail!(
            "execution `{name}` succeeded: there is nothing to resume (a redrive continues only failed, timed-out or aborted executions)"
        ),
        "RUNNING" => anyhow::bail!(
            "execution `{name}` is still running here (another automl process): wait for it or interrupt that process"
        ),
        _ => {}
    }
    // The recorded input is the normalised one: its flags are booleans.
    let flag = |step: &str| {
        record
            .pointer(&format!("/input/Parameters/Flow/{step}"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(true)
    };
    let local = Local::prepare(config, stack_name, flag("Train") || flag("Deploy"))?;
    let main_arn = local.machines.arn(MachineId::Main);
    if text("stateMachineArn") != Some(main_arn.as_str()) {
        anyhow::bail!(
            "execution `{name}` ran the machine {} and this is stack `{stack_name}` ({main_arn}): pass the --stack-name it ran with",
            text("stateMachineArn").unwrap_or("?")
        );
    }
    let execution_dir = store.execution_dir(name);
    // Which state it goes on at, as the history says (the runner reads it again).
    let at = std::fs::read_to_string(execution_dir.join("history.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|h| {
            serde_json::from_value::<Vec<crate::sfn::HistoryEvent>>(h.get("events")?.clone()).ok()
        })
        .and_then(|events| crate::sfn::redrive::redrive_point(&events).ok())
        .map(|point| match point.state {
            Some(state) => match Child::started_by(&state) {
                Some(child) => format!(
                    " in {state}, which runs again as a new execution {}{}",
                    child_execution_name(name, child, point.redrive_count + 1),
                    rerun_note(stack_name, name, child)
                ),
                None => format!(" in {state}, which runs again"),
            },
            None => " with no recorded state: from the start".to_string(),
        })
        .unwrap_or_default();
    progress.started(&Started {
        execution_arn: text("executionArn").unwrap_or_default().to_string(),
        name: name.to_string(),
        history: Some(execution_dir.join("history.json").display().to_string()),
        console_url: None,
        description: format!(
            "resuming {name} where it stopped ({}{at}; locally; data under {})",
            text("status").unwrap_or("?"),
            config.object_root().display()
        ),
    });
    let outcome = local.redrive(name, |event: &Event| progress.event(&readable(event)))?;
    report(config, stack_name, name, outcome, &store, progress)
}

/// What a local run ended with, as the command reports it.
fn report(
    config: &LocalConfig,
    stack_name: &str,
    name: &str,
    outcome: crate::sfn::interpreter::ExecutionOutcome,
    store: &store::Store,
    progress: &mut dyn Progress,
) -> anyhow::Result<LocalRunReport> {
    let data = match outcome.status {
        ExecutionStatus::Succeeded => outcome.output.clone().unwrap_or_default(),
        _ => outcome.last_data.clone(),
    };
    let cause = outcome.cause.as_deref().map(crate::sfn::explain::explain);
    let mut summary =
        Summary::from_data(name, outcome.status, &data).with_failure(outcome.error.clone(), cause);
    // The results are a view of what the run left; a run that cannot show them still ran.
    match results::results(config, name) {
        Ok((results, _)) => summary = summary.with_results(results),
        Err(error) => progress.line(&format!(
            "warning: no results or report for {name}: {error:#}"
        )),
    }
    let objects = objects::Objects::new(config.object_root());
    let local_path = |uri: &Option<String>| {
        uri.as_deref()
            .and_then(|uri| objects::Location::parse(uri).ok())
            .map(|location| objects.path(&location))
    };
    let interrupted = match (outcome.status, interrupt::requested()) {
        (ExecutionStatus::Aborted, Some(signal)) => {
            Some(executions::interrupted(store, stack_name, name, signal))
        }
        _ => None,
    };
    Ok(LocalRunReport {
        batch_output_path: local_path(&summary.batch_output),
        model_archive_path: local_path(&summary.model_path),
        summary,
        interrupted,
    })
}

/// A local run, ready to start: the state directory, the object root, the Python
/// environment and the three machines, loaded and checked.
pub struct Local {
    pub(crate) store: store::Store,
    pub(crate) objects: objects::Objects,
    pub(crate) python: Result<PathBuf, String>,
    pub(crate) machines: machines::Machines,
    pub(crate) max_wait: Option<Duration>,
}

impl Local {
    /// Prepares a run. `needs_python`: the flow trains or deploys, so a missing Python
    /// environment is an error now rather than a failed task later.
    pub fn prepare(
        config: &LocalConfig,
        stack_name: &str,
        needs_python: bool,
    ) -> anyhow::Result<Local> {
        let store = store::Store::new(config.state_dir.clone());
        let python = match python::resolve(config.python.as_deref(), &store.venv_dir()) {
            Ok(python) => Ok(python),
            Err(e) if needs_python => return Err(e),
            Err(e) => Err(format!("{e:#}")),
        };
        let scripts_uri = write_scripts(&store)?;
        let machines = machines::load(stack_name, &scripts_uri)?;
        Ok(Local {
            objects: objects::Objects::new(config.object_root()),
            store,
            python,
            machines,
            max_wait: config.max_wait.map(Duration::from_secs),
        })
    }

    /// Runs the Main machine (and the executions it starts) on `input` to its end. The
    /// input is used as given: validate it first (`crate::input::validate_for` with `Target::Local`).
    pub fn run(
        self,
        name: &str,
        input: serde_json::Value,
        on_event: impl FnMut(&Event),
    ) -> anyhow::Result<crate::sfn::interpreter::ExecutionOutcome> {
        let main_arn = self.machines.arn(MachineId::Main);
        let mut runner = self.runner(Box::new(on_event));
        runner
            .start(&main_arn, name, input, 0, None, None)
            .map_err(|e| anyhow::anyhow!("cannot start execution `{name}`: {}", e.into_failure()))
    }

    /// Redrives the recorded execution `name` (see [`resume`]).
    pub fn redrive(
        self,
        name: &str,
        on_event: impl FnMut(&Event),
    ) -> anyhow::Result<crate::sfn::interpreter::ExecutionOutcome> {
        let mut runner = self.runner(Box::new(on_event));
        runner
            .redrive(name, 0, None)
            .map_err(|e| anyhow::anyhow!("cannot resume execution `{name}`: {e}"))
    }

    fn runner<'a>(self, on_event: Box<dyn FnMut(&Event) + 'a>) -> runner::Runner<'a> {
        runner::Runner {
            env: backends::Env {
                store: self.store,
                objects: self.objects,
                python: self.python,
            },
            machines: self.machines,
            max_wait: self.max_wait,
            on_event,
        }
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
            cause: crate::sfn::explain::explain(cause),
        },
        other => other.clone(),
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
        let mut tmp = objects::temporary_beside(&path)?;
        std::io::Write::write_all(&mut tmp, &crate::stack::assets::scripts_tarball())
            .with_context(|| format!("cannot write {}", tmp.path().display()))?;
        objects::persist(tmp, &path)?;
    }
    let absolute = std::path::absolute(&path).unwrap_or(path);
    Ok(absolute.display().to_string())
}
