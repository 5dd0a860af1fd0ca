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
//! (whose `FailureReason` is the script's error) as the cause. `MaxRuntimeInSeconds`
//! stops the job as SageMaker would (`Stopped`, `MaxRuntimeExceeded`).

use super::{location, now_millis, resource_name, sagemaker_refusal, unpack_scripts, Env};
use crate::local::objects::{pack, place, Location};
use crate::local::process::{last_error, run_job_following, JobEnd};
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
    let hyperparameters = input
        .get("HyperParameters")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let Some(hps) = hyperparameters.as_object() else {
        return Err(sagemaker_refusal(
            "ValidationException",
            "HyperParameters must be a map of strings",
        ));
    };
    for (key, value) in hps {
        match value.as_str() {
            Some(text) if text.chars().count() <= 2500 => {}
            Some(_) => {
                return Err(sagemaker_refusal(
                    "ValidationException",
                    format!("1 validation error detected: Value at 'hyperParameters.{key}' failed to satisfy constraint: Member must have length less than or equal to 2500"),
                ))
            }
            None => {
                return Err(sagemaker_refusal(
                    "ValidationException",
                    format!("1 validation error detected: Value at 'hyperParameters.{key}' failed to satisfy constraint: Member must be a string, got {value}"),
                ))
            }
        }
    }
    let channels = input
        .get("InputDataConfig")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut parsed_channels = Vec::new();
    for (i, channel) in channels.iter().enumerate() {
        let channel_name = channel
            .get("ChannelName")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
            .ok_or_else(|| sagemaker_refusal("ValidationException", format!("InputDataConfig[{i}].ChannelName must be a name of letters, digits, '.', '-' or '_'")))?;
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
            job.end(
                "Stopped",
                "Stopped",
                Some("The Step Functions task timed out; the job was stopped.".into()),
            );
            save(&job);
            Err(Failure::new(
                names::TIMEOUT,
                format!("the task timed out while training job {name} ran; the job was stopped"),
            ))
        }
    }
}

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
    let config_dir = dir.join("input").join("config");
    let model_dir = dir.join("model");
    let output_dir = dir.join("output");
    let output_data_dir = output_dir.join("data");
    let code_dir = dir.join("code");
    for d in [
        &data_dir,
        &config_dir,
        &model_dir,
        &output_data_dir,
        &code_dir,
    ] {
        std::fs::create_dir_all(d).map_err(|e| internal(e.into()))?;
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
    for (file, value) in [
        ("hyperparameters.json", hps_raw),
        ("inputdataconfig.json", Value::Object(channel_config)),
        (
            "resourceconfig.json",
            json!({"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "lo"}),
        ),
    ] {
        write_json(&config_dir.join(file), &value).map_err(internal)?;
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
    let failure_file = output_dir.join("failure");
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
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    command
        .env("SM_HPS", Value::Object(decoded).to_string())
        .env("SM_CHANNELS", json!(channel_names).to_string())
        .env("SM_MODEL_DIR", &model_dir)
        .env("SM_OUTPUT_DIR", &output_dir)
        .env("SM_OUTPUT_DATA_DIR", &output_data_dir)
        .env("SM_OUTPUT_FAILURE", &failure_file)
        .env("SM_INPUT_DIR", dir.join("input"))
        .env("SM_INPUT_CONFIG_DIR", &config_dir)
        .env(
            "SM_INPUT_DATA_CONFIG",
            std::fs::read_to_string(config_dir.join("inputdataconfig.json")).unwrap_or_default(),
        )
        .env("SM_MODULE_DIR", submit)
        .env("SM_USER_ENTRY_POINT", program)
        .env("SM_CURRENT_HOST", "algo-1")
        .env("SM_HOSTS", "[\"algo-1\"]")
        .env("SM_NUM_CPUS", cpus.to_string())
        .env("SM_NUM_GPUS", "0")
        .env(
            "SM_TRAINING_ENV",
            json!({"job_name": name, "hyperparameters": hps, "channel_input_dirs": {}}).to_string(),
        )
        .env("TRAINING_JOB_NAME", name)
        .env("PYTHONUNBUFFERED", "1");

    let runtime_deadline = Instant::now() + Duration::from_secs(max_runtime);
    let effective = match deadline {
        Some(d) if d < runtime_deadline => d,
        _ => runtime_deadline,
    };
    let log = dir.join("train.log");
    progress(format!("training log: {}", log.display()));
    let end = run_job_following(command, &log, Some(effective), &mut |line| {
        if let Some(text) = progress_line(line) {
            progress(text);
        }
    })
    .map_err(internal)?;
    match end {
        JobEnd::Exited(Some(0)) => {}
        JobEnd::Exited(code) => {
            let message = std::fs::read_to_string(&failure_file)
                .ok()
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
                .or_else(|| last_error(&log))
                .unwrap_or_else(|| "the training script failed".into());
            let code = code.map(|c| c.to_string()).unwrap_or_else(|| "a signal".into());
            return Err(failed(format!("AlgorithmError: {message} (exit code {code}; log: {})", log.display())));
        }
        JobEnd::TimedOut if effective == runtime_deadline => {
            return Err(Ended::Stopped(format!(
                "MaxRuntimeExceeded: Training job ran longer than StoppingCondition.MaxRuntimeInSeconds ({max_runtime} s) and was stopped (log: {})",
                log.display()
            )))
        }
        JobEnd::TimedOut => return Err(Ended::TimedOut),
    }

    // Upload: <S3OutputPath>/<job>/output/{model,output}.tar.gz.
    let model_location = output_path.join(&format!("{name}/output/model.tar.gz"));
    let output_location = output_path.join(&format!("{name}/output/output.tar.gz"));
    pack(&model_dir, &env.objects.path(&model_location))
        .map_err(|e| failed(format!("ClientError: cannot upload the model: {e:#}")))?;
    pack(&output_data_dir, &env.objects.path(&output_location))
        .map_err(|e| failed(format!("ClientError: cannot upload the output data: {e:#}")))?;
    Ok(model_location.to_uri())
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
        return Some(format!("validation score {}{}", score.trim(), metric.trim_end()));
    }
    if line.starts_with("Beginning AutoGluon training") || line.starts_with("AutoGluon training complete") {
        return Some(line.split(" | ").next().unwrap_or(line).to_string());
    }
    let own = line.strip_prefix("tabular_train: ")?;
    let shown = ["training on", "fit done", "feature importance", "scores:", "warning:"];
    shown.iter().any(|p| own.starts_with(p)).then(|| own.to_string())
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
            progress_line("tabular_train: fit done in 2.0 s; best model WeightedEnsemble_L2").as_deref(),
            Some("fit done in 2.0 s; best model WeightedEnsemble_L2")
        );
        assert_eq!(progress_line("\tFitting with cpus=2, gpus=0"), None);
        assert_eq!(progress_line("tabular_train: init_args={}"), None);
    }
}
