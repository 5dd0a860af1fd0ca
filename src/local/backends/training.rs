//! `sagemaker:createTrainingJob.sync`: a SageMaker script-mode training job, run as a
//! local process in the layout the training container gives it.
//!
//! The job's directory (`<state>/sagemaker/training-jobs/<job>/`) mirrors `/opt/ml`:
//! `input/data/<channel>/` holds the channel's files (named as SageMaker names them),
//! `input/config/` the hyperparameters, resource and data configs, `code/` the unpacked
//! `sagemaker_submit_directory`, `model/` and `output/data/` what the script writes. The
//! script (`sagemaker_program`) runs as `python <program> --<hp> <value> ...` with the
//! SageMaker training toolkit's environment (`SM_CHANNEL_*`, `SM_MODEL_DIR`,
//! `SM_OUTPUT_DATA_DIR`, `SM_HPS` with each value JSON-decoded when it can be, ...).
//! On success `model/` and `output/data/` are packed as
//! `<S3OutputPath>/<job>/output/model.tar.gz` and `output.tar.gz`; the result is the job's
//! description. A failed job fails the task with `States.TaskFailed` and the description
//! (whose `FailureReason` is the script's error) as the cause. `describe` answers
//! `aws-sdk:sagemaker:describeTrainingJob` from the job's record. `MaxRuntimeInSeconds`
//! stops the job as SageMaker would (`Stopped`, `MaxRuntimeExceeded`).
//!
//! With `ResourceConfig.InstanceCount` N > 1 the job runs N host processes (`algo-1` ..
//! `algo-N`), each with its own layout under `hosts/<host>/` (`input/config/` with its
//! own `resourceconfig.json`, `model/`, `output/`, and its log `log`) and `SM_HOSTS` /
//! `SM_CURRENT_HOST` set as SageMaker sets them; the channels and the code are shared
//! (SageMaker copies the same FullyReplicated data to every host). The hosts form a real
//! Ray cluster on 127.0.0.1 (tabular_train.py's ray_cluster.py; a free block of ports for
//! each job, each host's node offering its share of this machine's cores) with `shared/`
//! as the file system the fold models meet in. The first host to fail stops the others,
//! and the job fails with that host's error; on success the head's (`algo-1`) model and
//! output data are packed.

use super::{location, now_millis, resource_name, sagemaker_refusal, unpack_scripts, Env};
use crate::local::objects::{pack, place, Location};
use crate::local::process::{last_error, run_group, run_job_following, GroupEnd, JobEnd};
use crate::local::store::{write_json, ResourceKind, Store};
use crate::sfn::errors::{names, Failure};
use serde_json::{json, Map, Value};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The job as `DescribeTrainingJob` would show it, built up as it runs.
struct Job {
    description: Value,
}

impl Job {
    fn set(&mut self, key: &str, value: Value) {
        self.description[key] = value;
    }

    fn end(&mut self, status: &str, secondary: &str, reason: Option<String>) {
        let now = now_millis();
        self.set("TrainingJobStatus", json!(status));
        self.set("SecondaryStatus", json!(secondary));
        self.set("TrainingEndTime", json!(now));
        self.set("LastModifiedTime", json!(now));
        let start = self.description["TrainingStartTime"]
            .as_i64()
            .unwrap_or(now);
        let seconds = ((now - start) / 1000).max(1);
        self.set("TrainingTimeInSeconds", json!(seconds));
        self.set("BillableTimeInSeconds", json!(seconds));
        if let Some(reason) = reason {
            self.set("FailureReason", json!(reason));
        }
    }
}

pub(crate) fn create(
    env: &Env,
    input: &Value,
    deadline: Option<Instant>,
    progress: &mut dyn FnMut(String),
) -> Result<Value, Failure> {
    let name = resource_name(input, "TrainingJobName")?;
    // Checked against the model before the back-end ran (crate::awsmodel): the
    // hyperparameters are a map of strings of at most 2500 characters, each channel named
    // by `[A-Za-z0-9\.\-_]+`.
    let hyperparameters = input
        .get("HyperParameters")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let no_hyperparameters = Map::new();
    let hps = hyperparameters.as_object().unwrap_or(&no_hyperparameters);
    let channels = input
        .get("InputDataConfig")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut parsed_channels = Vec::new();
    for channel in &channels {
        let channel_name = super::text(channel, "/ChannelName", "ValidationException")?;
        let data_type = channel
            .pointer("/DataSource/S3DataSource/S3DataType")
            .and_then(Value::as_str)
            .unwrap_or("S3Prefix");
        if data_type != "S3Prefix" {
            return Err(sagemaker_refusal(
                "ValidationException",
                format!("channel {channel_name}: S3DataType {data_type} is not supported by the local runner (use S3Prefix)"),
            ));
        }
        let uri = location(channel, "/DataSource/S3DataSource/S3Uri")?;
        parsed_channels.push((channel_name.to_string(), uri));
    }
    let output_path = location(input, "/OutputDataConfig/S3OutputPath")?;
    let instance_count = match input.pointer("/ResourceConfig/InstanceCount") {
        None => 1,
        Some(value) => value
            .as_u64()
            .filter(|n| (1..=MAX_LOCAL_HOSTS).contains(n))
            .ok_or_else(|| {
                sagemaker_refusal(
                    "ValidationException",
                    format!("ResourceConfig.InstanceCount must be a whole number from 1 to {MAX_LOCAL_HOSTS} for a local run, got {value}"),
                )
            })? as usize,
    };
    let max_runtime = input
        .pointer("/StoppingCondition/MaxRuntimeInSeconds")
        .and_then(Value::as_u64)
        .unwrap_or(86_400);
    let Some(dir) = env
        .store
        .claim_resource(ResourceKind::TrainingJob, name)
        .map_err(|e| Failure::task_failed(format!("{e:#}")))?
    else {
        return Err(sagemaker_refusal(
            "ResourceInUse",
            format!(
                "Training job names must be unique within an AWS account and region, and a training job with this name already exists ({})",
                Store::arn(ResourceKind::TrainingJob, name)
            ),
        ));
    };
    let created = now_millis();
    let mut description = Map::new();
    for key in [
        "AlgorithmSpecification",
        "RoleArn",
        "InputDataConfig",
        "OutputDataConfig",
        "ResourceConfig",
        "StoppingCondition",
    ] {
        if let Some(value) = input.get(key) {
            description.insert(key.to_string(), value.clone());
        }
    }
    let mut job = Job {
        description: Value::Object(description),
    };
    job.set("TrainingJobName", json!(name));
    job.set(
        "TrainingJobArn",
        json!(Store::arn(ResourceKind::TrainingJob, name)),
    );
    job.set("HyperParameters", hyperparameters.clone());
    job.set("CreationTime", json!(created));
    job.set("TrainingStartTime", json!(created));
    job.set("LastModifiedTime", json!(created));
    job.set("TrainingJobStatus", json!("InProgress"));
    job.set("SecondaryStatus", json!("Starting"));
    job.set("EnableNetworkIsolation", json!(false));
    job.set("EnableInterContainerTrafficEncryption", json!(false));
    job.set("EnableManagedSpotTraining", json!(false));
    let save = |job: &Job| {
        let _ = write_json(&dir.join("record.json"), &job.description);
    };
    save(&job);

    let outcome = run(
        env,
        &dir,
        name,
        hps,
        &parsed_channels,
        &output_path,
        instance_count,
        max_runtime,
        deadline,
        progress,
    );
    match outcome {
        Ok(model_artifacts) => {
            job.set(
                "ModelArtifacts",
                json!({ "S3ModelArtifacts": model_artifacts }),
            );
            job.end("Completed", "Completed", None);
            save(&job);
            Ok(job.description)
        }
        Err(Ended::Failed(reason)) => {
            job.end("Failed", "Failed", Some(reason));
            save(&job);
            Err(Failure::task_failed(crate::sfn::path::compact(
                &job.description,
            )))
        }
        Err(Ended::Stopped(reason)) => {
            job.end("Stopped", "MaxRuntimeExceeded", Some(reason));
            save(&job);
            Err(Failure::task_failed(crate::sfn::path::compact(
                &job.description,
            )))
        }
        Err(Ended::TimedOut) => {
            let reason = match crate::local::interrupt::requested() {
                Some(signal) => format!(
                    "automl was interrupted ({}); the job was stopped.",
                    crate::local::interrupt::signal_name(signal)
                ),
                None => "The Step Functions task timed out; the job was stopped.".into(),
            };
            job.end("Stopped", "Stopped", Some(reason));
            save(&job);
            Err(Failure::new(
                names::TIMEOUT,
                format!("the task timed out while training job {name} ran; the job was stopped"),
            ))
        }
    }
}

/// `DescribeTrainingJob`, as the AWS SDK integration returns it: the job's record, as it
/// stood when it was last written (a job whose automl process was killed stays
/// `InProgress`, as a job SageMaker never heard the end of would). A job never created
/// is SageMaker's `ValidationException` "Requested resource not found." (aws/aws-sdk#165),
/// unmodeled, so the integration's `SageMaker.SageMakerException`.
pub(crate) fn describe(env: &Env, input: &Value) -> Result<Value, Failure> {
    let name = resource_name(input, "TrainingJobName")?;
    env.store
        .record(ResourceKind::TrainingJob, name)
        .ok_or_else(|| {
            Failure::new(
                "SageMaker.SageMakerException",
                format!(
                    "Requested resource not found. (Service: SageMaker, Status Code: 400, Request ID: {})",
                    crate::sfn::ids::uuid_v4()
                ),
            )
        })
}

/// Host processes one local job may start: each is a Python process with a Ray node.
const MAX_LOCAL_HOSTS: u64 = 16;

enum Ended {
    Failed(String),
    Stopped(String),
    TimedOut,
}

#[allow(clippy::too_many_arguments)]
fn run(
    env: &Env,
    dir: &Path,
    name: &str,
    hps: &Map<String, Value>,
    channels: &[(String, Location)],
    output_path: &Location,
    instance_count: usize,
    max_runtime: u64,
    deadline: Option<Instant>,
    progress: &mut dyn FnMut(String),
) -> Result<String, Ended> {
    let failed = |reason: String| Ended::Failed(reason);
    let internal = |e: anyhow::Error| {
        Ended::Failed(format!(
            "InternalServerError: the local runner could not prepare the job: {e:#}"
        ))
    };
    let python = env
        .python()
        .map_err(|f| failed(format!("ClientError: {}", f.cause)))?
        .to_path_buf();
    let data_dir = dir.join("input").join("data");
    let code_dir = dir.join("code");
    let hosts: Vec<String> = (1..=instance_count).map(|i| format!("algo-{i}")).collect();
    // One host keeps the flat layout (and train.log) it always had.
    let layouts: Vec<Layout> = hosts
        .iter()
        .map(|host| Layout::new(dir, host, instance_count > 1))
        .collect();
    for d in [&data_dir, &code_dir] {
        std::fs::create_dir_all(d).map_err(|e| internal(e.into()))?;
    }
    for layout in &layouts {
        for d in [
            &layout.config_dir,
            &layout.model_dir,
            &layout.output_data_dir,
        ] {
            std::fs::create_dir_all(d).map_err(|e| internal(e.into()))?;
        }
    }

    // Download the channels.
    let mut channel_config = Map::new();
    for (channel, location) in channels {
        let files = env.objects.list(location).map_err(internal)?;
        if files.is_empty() {
            return Err(failed(format!(
                "ClientError: Data download failed: channel {channel}: {}",
                env.objects.nothing_at(location)
            )));
        }
        for (relative, source) in files {
            place(&source, &data_dir.join(channel).join(&relative)).map_err(internal)?;
        }
        channel_config.insert(
            channel.clone(),
            json!({"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}),
        );
    }
    let hps_raw = Value::Object(hps.clone());
    for (host, layout) in hosts.iter().zip(&layouts) {
        for (file, value) in [
            ("hyperparameters.json", hps_raw.clone()),
            (
                "inputdataconfig.json",
                Value::Object(channel_config.clone()),
            ),
            (
                "resourceconfig.json",
                json!({"current_host": host, "hosts": hosts, "network_interface_name": "lo"}),
            ),
        ] {
            write_json(&layout.config_dir.join(file), &value).map_err(internal)?;
        }
    }

    // The user's code.
    let program = hps
        .get("sagemaker_program")
        .and_then(Value::as_str)
        .ok_or_else(|| failed("ClientError: no sagemaker_program hyperparameter: the local runner runs script-mode jobs (sagemaker_program, sagemaker_submit_directory)".into()))?;
    let submit = hps
        .get("sagemaker_submit_directory")
        .and_then(Value::as_str)
        .ok_or_else(|| failed("ClientError: no sagemaker_submit_directory hyperparameter: the local runner runs script-mode jobs".into()))?;
    unpack_scripts(env, submit, &code_dir).map_err(failed)?;
    let script = code_dir.join(program);
    if !script.is_file() {
        return Err(failed(format!(
            "ClientError: {program} (sagemaker_program) is not in {submit}"
        )));
    }

    // The training toolkit's environment.
    let user_hps: Vec<(&String, &str)> = hps
        .iter()
        .filter(|(k, _)| !k.starts_with("sagemaker_"))
        .map(|(k, v)| (k, v.as_str().unwrap_or_default()))
        .collect();
    let decoded: Map<String, Value> = user_hps
        .iter()
        .map(|(k, v)| {
            (
                (*k).clone(),
                serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_string())),
            )
        })
        .collect();
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    // Several hosts share this machine's cores as separate instances would have their own.
    let host_cpus = (cpus / instance_count).max(1);
    let hosts_json = json!(hosts).to_string();
    let cluster = if instance_count > 1 {
        let port = free_ray_port(instance_count).ok_or_else(|| {
            internal(anyhow::anyhow!(
                "no free block of local ports for a Ray cluster of {instance_count} hosts"
            ))
        })?;
        let shared = dir.join("shared");
        std::fs::create_dir_all(&shared).map_err(|e| internal(e.into()))?;
        Some((port, shared))
    } else {
        None
    };
    let command_for = |host: &str, layout: &Layout| {
        let mut command = Command::new(&python);
        command.arg(&script).current_dir(&code_dir);
        for (key, value) in &user_hps {
            command.arg(format!("--{key}")).arg(value);
        }
        let channel_names: Vec<&str> = channels.iter().map(|(c, _)| c.as_str()).collect();
        for (channel, _) in channels {
            command.env(
                format!(
                    "SM_CHANNEL_{}",
                    channel.to_ascii_uppercase().replace(['-', '.'], "_")
                ),
                data_dir.join(channel),
            );
        }
        for (key, value) in &decoded {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            command.env(
                format!(
                    "SM_HP_{}",
                    key.to_ascii_uppercase().replace(['-', '.'], "_")
                ),
                text,
            );
        }
        command
            .env("SM_HPS", Value::Object(decoded.clone()).to_string())
            .env("SM_CHANNELS", json!(channel_names).to_string())
            .env("SM_MODEL_DIR", &layout.model_dir)
            .env("SM_OUTPUT_DIR", &layout.output_dir)
            .env("SM_OUTPUT_DATA_DIR", &layout.output_data_dir)
            .env("SM_OUTPUT_FAILURE", layout.failure_file())
            .env("SM_INPUT_DIR", layout.config_dir.parent().unwrap_or(dir))
            .env("SM_INPUT_CONFIG_DIR", &layout.config_dir)
            .env(
                "SM_INPUT_DATA_CONFIG",
                std::fs::read_to_string(layout.config_dir.join("inputdataconfig.json"))
                    .unwrap_or_default(),
            )
            .env("SM_MODULE_DIR", submit)
            .env("SM_USER_ENTRY_POINT", program)
            .env("SM_CURRENT_HOST", host)
            .env("SM_HOSTS", &hosts_json)
            .env("SM_NUM_CPUS", host_cpus.to_string())
            .env("SM_NUM_GPUS", "0")
            .env(
                "SM_TRAINING_ENV",
                json!({"job_name": name, "hyperparameters": hps, "channel_input_dirs": {},
                       "current_host": host, "hosts": hosts, "master_hostname": hosts[0]})
                .to_string(),
            )
            .env("TRAINING_JOB_NAME", name)
            .env("PYTHONUNBUFFERED", "1");
        if let Some((port, shared)) = &cluster {
            // ray_cluster.py's settings: every host on loopback, ports from one base.
            command
                .env("AUTOML_SHARED_DIR", shared)
                .env("AUTOML_RAY_PORT", port.to_string())
                .env("AUTOML_RAY_HEAD_ADDRESS", "127.0.0.1")
                .env("AUTOML_RAY_NODE_ADDRESS", "127.0.0.1")
                .env("AUTOML_RAY_NUM_CPUS", host_cpus.to_string())
                .env_remove("RAY_ADDRESS");
        }
        command
    };
    let runtime_deadline = Instant::now() + Duration::from_secs(max_runtime);
    let effective = match deadline {
        Some(d) if d < runtime_deadline => d,
        _ => runtime_deadline,
    };
    let stopped = |log: &Path| {
        Ended::Stopped(format!(
            "MaxRuntimeExceeded: Training job ran longer than StoppingCondition.MaxRuntimeInSeconds ({max_runtime} s) and was stopped (log: {})",
            log.display()
        ))
    };
    if instance_count == 1 {
        let layout = &layouts[0];
        progress(format!("training log: {}", layout.log.display()));
        let end = run_job_following(
            command_for(&hosts[0], layout),
            &layout.log,
            Some(effective),
            &mut |line| {
                if let Some(text) = progress_line(line) {
                    progress(text);
                }
            },
        )
        .map_err(internal)?;
        match end {
            JobEnd::Exited(Some(0)) => {}
            JobEnd::Exited(code) => return Err(failed(layout.failure(code, None))),
            JobEnd::TimedOut if effective == runtime_deadline => return Err(stopped(&layout.log)),
            JobEnd::TimedOut | JobEnd::Interrupted => return Err(Ended::TimedOut),
        }
    } else {
        let jobs = hosts
            .iter()
            .zip(&layouts)
            .map(|(host, layout)| (command_for(host, layout), layout.log.clone()))
            .collect();
        match run_group(jobs, Some(effective)).map_err(internal)? {
            GroupEnd::Succeeded => {}
            GroupEnd::Failed { index, code } => {
                return Err(failed(layouts[index].failure(code, Some(&hosts[index]))))
            }
            GroupEnd::TimedOut if effective == runtime_deadline => {
                return Err(stopped(&dir.join("hosts")))
            }
            GroupEnd::TimedOut | GroupEnd::Interrupted => return Err(Ended::TimedOut),
        }
    }
    let model_dir = &layouts[0].model_dir;
    let output_data_dir = &layouts[0].output_data_dir;

    // Upload: <S3OutputPath>/<job>/output/{model,output}.tar.gz.
    let model_location = output_path.join(&format!("{name}/output/model.tar.gz"));
    let output_location = output_path.join(&format!("{name}/output/output.tar.gz"));
    // On a full disk the reason names the disk (the temporary archive is already gone).
    let upload = |from: &Path, to: &Location, what: &str| {
        let to = env.objects.path(to);
        pack(from, &to).map_err(|e| {
            failed(match crate::local::disk::explain(&to, &e) {
                Some(full) => format!(
                    "ClientError: cannot upload the {what} to {}: {full}",
                    to.display()
                ),
                None => format!("ClientError: cannot upload the {what}: {e:#}"),
            })
        })
    };
    upload(model_dir, &model_location, "model")?;
    upload(output_data_dir, &output_location, "output data")?;
    Ok(model_location.to_uri())
}

/// Where one host's `/opt/ml` lives: the job's directory itself for a single host (as it
/// always was), `hosts/<host>/` when there are several.
struct Layout {
    config_dir: std::path::PathBuf,
    model_dir: std::path::PathBuf,
    output_dir: std::path::PathBuf,
    output_data_dir: std::path::PathBuf,
    log: std::path::PathBuf,
}

impl Layout {
    fn new(job: &Path, host: &str, several: bool) -> Layout {
        let root = if several {
            job.join("hosts").join(host)
        } else {
            job.to_path_buf()
        };
        let output_dir = root.join("output");
        Layout {
            config_dir: root.join("input").join("config"),
            model_dir: root.join("model"),
            output_data_dir: output_dir.join("data"),
            output_dir,
            log: if several {
                root.join("log")
            } else {
                root.join("train.log")
            },
        }
    }

    fn failure_file(&self) -> std::path::PathBuf {
        self.output_dir.join("failure")
    }

    /// The job's FailureReason when this host failed: its failure file, else its log's
    /// last error line.
    fn failure(&self, code: Option<i32>, host: Option<&str>) -> String {
        let message = std::fs::read_to_string(self.failure_file())
            .ok()
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty())
            .or_else(|| last_error(&self.log))
            .unwrap_or_else(|| "the training script failed".into());
        let code = code
            .map(|c| c.to_string())
            .unwrap_or_else(|| "a signal".into());
        let host = host.map(|h| format!("host {h}, ")).unwrap_or_default();
        // The script's own write on a full disk (`OSError: [Errno 28] ...`): name the disk.
        let full = crate::local::disk::in_message(&message, &self.model_dir)
            .map(|full| format!("; {full}"))
            .unwrap_or_default();
        format!(
            "AlgorithmError: {message} ({host}exit code {code}; log: {}){full}",
            self.log.display()
        )
    }
}

/// A base port whose block (ray_cluster.py's `node_ports`: base .. base+4 on the head,
/// base+10+10i .. base+15+10i and the first worker ports of base+1000+100i on host i) is
/// free on 127.0.0.1 right now.
fn free_ray_port(hosts: usize) -> Option<u16> {
    let free = |port: u32| {
        u16::try_from(port).is_ok_and(|p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok())
    };
    let seed = std::process::id() as u64 ^ now_millis() as u64;
    for attempt in 0..200u64 {
        // A spread of bases (splitmix-style), so that concurrent jobs rarely collide.
        let mut x = seed.wrapping_add(attempt.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 27;
        let base = 20_000 + (x % 20_000) as u32;
        let mut ports: Vec<u32> = (base..base + 5).collect();
        for i in 0..hosts as u32 {
            ports.extend(base + 10 + 10 * i..base + 16 + 10 * i);
            ports.extend(base + 1000 + 100 * i..base + 1010 + 100 * i);
        }
        if ports.into_iter().all(free) {
            return u16::try_from(base).ok();
        }
    }
    None
}

/// The lines of a training log worth showing while it runs: AutoGluon starting, each
/// model it fits and its validation score, the end, and the training script's own
/// milestones. The log keeps everything.
fn progress_line(line: &str) -> Option<String> {
    let line = line.trim();
    if let Some(model) = line.strip_prefix("Fitting model: ") {
        let model = model.split(" ...").next().unwrap_or(model);
        return Some(format!("fitting {model}"));
    }
    if let Some((score, metric)) = line.split_once("= Validation score") {
        return Some(format!(
            "validation score {}{}",
            score.trim(),
            metric.trim_end()
        ));
    }
    if line.starts_with("Beginning AutoGluon training")
        || line.starts_with("AutoGluon training complete")
    {
        return Some(line.split(" | ").next().unwrap_or(line).to_string());
    }
    let own = line.strip_prefix("tabular_train: ")?;
    let shown = [
        "training on",
        "fit done",
        "feature importance",
        "scores:",
        "warning:",
    ];
    shown
        .iter()
        .any(|p| own.starts_with(p))
        .then(|| own.to_string())
}

#[cfg(test)]
mod progress_tests {
    use super::progress_line;

    #[test]
    fn autogluon_lines_become_short_progress() {
        assert_eq!(
            progress_line("Fitting model: LightGBM ... Training model for up to 59.89s of the 59.89s of remaining time.").as_deref(),
            Some("fitting LightGBM")
        );
        assert_eq!(
            progress_line("\t0.9655\t = Validation score   (accuracy)").as_deref(),
            Some("validation score 0.9655   (accuracy)")
        );
        assert_eq!(
            progress_line("tabular_train: fit done in 2.0 s; best model WeightedEnsemble_L2")
                .as_deref(),
            Some("fit done in 2.0 s; best model WeightedEnsemble_L2")
        );
        assert_eq!(progress_line("\tFitting with cpus=2, gpus=0"), None);
        assert_eq!(progress_line("tabular_train: init_args={}"), None);
    }
}

#[cfg(test)]
mod describe_tests {
    use super::describe;
    use crate::local::backends::Env;
    use crate::local::objects::Objects;
    use crate::local::store::{ResourceKind, Store};
    use serde_json::json;

    /// DescribeTrainingJob answers from the job's record, and a job never created as
    /// SageMaker does (the cause the Train machine's IsFirstAttemptJobMissing matches).
    #[test]
    fn describe_reads_the_record_and_a_missing_job_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env {
            store: Store::new(dir.path().join("state")),
            objects: Objects::new(dir.path().join("objects")),
            python: Err("no python needed".into()),
        };
        let record = json!({"TrainingJobName": "automl-x-train", "TrainingJobStatus": "Completed"});
        env.store
            .claim_resource(ResourceKind::TrainingJob, "automl-x-train")
            .unwrap()
            .unwrap();
        env.store
            .write_record(ResourceKind::TrainingJob, "automl-x-train", &record)
            .unwrap();
        assert_eq!(
            describe(&env, &json!({"TrainingJobName": "automl-x-train"})).unwrap(),
            record
        );
        let missing = describe(&env, &json!({"TrainingJobName": "automl-y-train"})).unwrap_err();
        assert_eq!(missing.error, "SageMaker.SageMakerException");
        let pattern = crate::stack::machines::train::JOB_NOT_FOUND_CAUSE.trim_matches('*');
        assert!(missing.cause.contains(pattern), "{}", missing.cause);
    }
}
