//! Parameters.Deploy (endpoint or batch transform) and Parameters.PretrainedModel (the
//! model deployed when this execution trains none).

use super::{Checker, Flags, DEPLOY, PRETRAINED_MODEL};
use crate::input::model::{Deploy, DeployMode, PretrainedModel};
use crate::input::names;
use crate::input::problem::{child, quote};
use crate::input::suggest;
use crate::s3uri::S3Uri;
use serde_json::Value;

impl Checker {
    // ---- PretrainedModel ----------------------------------------------------------

    pub(super) fn pretrained_section(
        &mut self,
        value: Option<&Value>,
        flags: Flags,
    ) -> Option<PretrainedModel> {
        let path = "Parameters.PretrainedModel";
        let needed = flags.deploy == Some(true) && flags.train == Some(false);
        let Some(value) = value else {
            if needed {
                self.error(
                    path,
                    "required when Parameters.Flow.Deploy is true and Parameters.Flow.Train is false: \
                     {\"Name\": \"<the SageMaker model to deploy>\"}",
                );
            }
            return None;
        };
        let map = self.object(value, path, r#"{"Name": "my-model"}"#)?;
        self.unknown_keys(map, path, PRETRAINED_MODEL);
        let need = needed.then_some(
            "required when Parameters.Flow.Deploy is true and Parameters.Flow.Train is false",
        );
        let has_package = map.contains_key("ModelPackage");
        if has_package && map.contains_key("Name") {
            self.error(
                path,
                "give either Name (a SageMaker model) or ModelPackage (a registered version), not both",
            );
        }
        let name = self
            .field(
                map,
                path,
                "Name",
                need.filter(|_| !has_package),
                "the name of the SageMaker model to deploy (or ModelPackage, a registered version such as \"penguins/3\")",
            )
            .and_then(|(p, v)| {
                let name = self.string(v, &p, "a SageMaker model name")?;
                match names::check_model_name(name) {
                    Ok(()) => Some(name.to_string()),
                    Err(message) => {
                        self.error(p, message);
                        None
                    }
                }
            });
        let model_package = self
            .field(map, path, "ModelPackage", None, "")
            .and_then(|(p, v)| {
                self.checked_string(
                    v,
                    p,
                    "a registered version such as \"penguins/3\"",
                    names::check_model_package,
                )
            });
        if flags.train == Some(true) {
            self.note(
                path,
                "ignored: Parameters.Flow.Train is true, so the model trained by this execution is the one evaluated and deployed",
            );
        } else if flags.deploy == Some(false) {
            self.note(path, "ignored: Parameters.Flow.Deploy is false");
        }
        match (name, model_package) {
            (Some(name), None) => Some(PretrainedModel {
                name: Some(name),
                model_package: None,
            }),
            (None, Some(package)) => Some(PretrainedModel {
                name: None,
                model_package: Some(package),
            }),
            _ => None,
        }
    }

    // ---- Deploy -------------------------------------------------------------------

    pub(super) fn deploy_section(&mut self, value: Option<&Value>, flags: Flags) -> Option<Deploy> {
        let path = "Parameters.Deploy";
        let needed = flags.deploy == Some(true);
        let Some(value) = value else {
            if needed {
                self.error(
                    path,
                    "required when Parameters.Flow.Deploy is true: Mode (\"endpoint\", \"serverless\" or \"batch\"), \
                     InstanceCount and InstanceType (see examples/train_evaluate_endpoint.json)",
                );
            }
            return None;
        };
        if flags.deploy == Some(false) {
            self.note(path, "ignored: Parameters.Flow.Deploy is false");
        }
        let map = self.object(
            value,
            path,
            r#"{"Mode": "endpoint", "InstanceCount": 1, "InstanceType": "ml.m5.large"}"#,
        )?;
        self.unknown_keys(map, path, DEPLOY);
        let need = needed.then_some("required when Parameters.Flow.Deploy is true");
        let mode = self
            .field(
                map,
                path,
                "Mode",
                need,
                "\"endpoint\", \"serverless\" or \"batch\"",
            )
            .and_then(|(p, v)| self.mode(v, &p));
        // A serverless endpoint has no instances to choose.
        let serverless = mode == Some(DeployMode::Serverless);
        let instance_need = if serverless { None } else { need };
        if serverless {
            for key in ["InstanceCount", "InstanceType"] {
                if map.contains_key(key) {
                    self.note(
                        child(path, key),
                        "ignored: Parameters.Deploy.Mode is \"serverless\" (SageMaker picks the capacity)",
                    );
                }
            }
        }
        let instance_count = self.count_field(map, path, "InstanceCount", instance_need, "serving");
        // An endpoint and a batch transform accept different instance types.
        let use_ = match mode {
            Some(DeployMode::Batch) => names::InstanceUse::Transform,
            _ => names::InstanceUse::Endpoint,
        };
        let instance_type =
            self.instance_type_field(map, path, "InstanceType", instance_need, use_);
        let options = self.endpoint_options(map, path, mode);
        let batch_need = (needed && mode == Some(DeployMode::Batch))
            .then_some("required when Parameters.Deploy.Mode is \"batch\"");
        let batch_input = self.s3_field(
            map,
            path,
            "BatchInputDataPath",
            batch_need,
            "the S3 URI of the CSV to predict (no header, the training columns without the label), \
             e.g. \"s3://my-bucket/data/batch.csv\"",
        );
        let batch_output = self.s3_field(
            map,
            path,
            "BatchOutputDataPath",
            batch_need,
            "the S3 URI where the predictions go, e.g. \"s3://my-bucket/output/batch/\"",
        );
        if needed && matches!(mode, Some(DeployMode::Endpoint | DeployMode::Serverless)) {
            for key in ["BatchInputDataPath", "BatchOutputDataPath"] {
                if map.contains_key(key) {
                    self.note(
                        child(path, key),
                        "ignored: Parameters.Deploy.Mode is not \"batch\"; only batch transforms read it",
                    );
                }
            }
        }
        if let (Some(input), Some(output)) = (&batch_input, &batch_output) {
            if output_inside_input(input, output) {
                self.note(
                    child(path, "BatchOutputDataPath"),
                    format!(
                        "the predictions (`<file>.out` in {output}) land where BatchInputDataPath ({input}) reads:                          {}; write them elsewhere (e.g. a sibling `predictions/` folder)",
                        if input.starts_with("s3://") {
                            "SageMaker reads it as a key prefix, so the next batch transform over it would read these predictions as input"
                        } else {
                            "the next batch transform over that folder would read these predictions as input"
                        }
                    ),
                );
            }
        }
        let mode = mode?;
        let options = options?;
        let batch = mode == DeployMode::Batch;
        let (instance_count, instance_type) = if serverless {
            (None, None)
        } else {
            (Some(instance_count?), Some(instance_type?))
        };
        Some(Deploy {
            instance_count,
            instance_type,
            mode,
            batch_input_data_path: if batch { Some(batch_input?) } else { None },
            batch_output_data_path: if batch { Some(batch_output?) } else { None },
            endpoint_name: options.endpoint_name,
            update: options.update,
            auto_scaling: options.auto_scaling,
            serverless: options.serverless,
            time_to_live: options.time_to_live,
            expires_at: options.expires_at,
        })
    }

    fn mode(&mut self, value: &Value, path: &str) -> Option<DeployMode> {
        let name = self.string(value, path, "\"endpoint\", \"serverless\" or \"batch\"")?;
        if let Some(mode) = DeployMode::ALL.into_iter().find(|m| m.name() == name) {
            return Some(mode);
        }
        let hint = suggest::did_you_mean(name, DeployMode::ALL.map(DeployMode::name));
        self.error(
            path,
            format!(
                "{} is not a deploy mode{hint}: use \"endpoint\" (a real-time SageMaker endpoint on instances), \
                 \"serverless\" (a serverless endpoint) or \"batch\" (a batch transform job)",
                quote(name)
            ),
        );
        None
    }
}

/// True when a batch transform writing to `output` puts its `<name>.out` files where a
/// transform over `input` reads. An S3 input is a key prefix (`data/batch.csv` also matches
/// `data/batch.csv.out`), so an output folder equal to the input's folder, or anywhere under
/// the prefix, overlaps. A local input is a file (nothing else is read) or a directory (all
/// below it is read): an output folder inside it overlaps.
pub(super) fn output_inside_input(input: &str, output: &str) -> bool {
    match (input.parse::<S3Uri>(), output.parse::<S3Uri>()) {
        (Ok(input), Ok(output)) => {
            if input.bucket != output.bucket {
                return false;
            }
            let out_dir = if output.key.is_empty() || output.key.ends_with('/') {
                output.key.clone()
            } else {
                format!("{}/", output.key)
            };
            let in_dir = match input.key.rfind('/') {
                Some(at) => &input.key[..=at],
                None => "",
            };
            out_dir.starts_with(&input.key) || out_dir == in_dir
        }
        (Err(_), Err(_)) if !input.contains("://") && !output.contains("://") => {
            let lexical = |p: &str| -> std::path::PathBuf {
                let absolute = std::path::absolute(p).unwrap_or_else(|_| p.into());
                let mut clean = std::path::PathBuf::new();
                for part in absolute.components() {
                    match part {
                        std::path::Component::ParentDir => {
                            clean.pop();
                        }
                        std::path::Component::CurDir => {}
                        other => clean.push(other),
                    }
                }
                clean
            };
            let (input, output) = (lexical(input), lexical(output));
            output.starts_with(&input) && !input.is_file()
        }
        _ => false,
    }
}

#[cfg(test)]
mod overlap_tests {
    use super::output_inside_input as overlaps;

    #[test]
    fn outputs_read_back_as_inputs_are_found() {
        // The transform's folder beside its input: `batch.csv.out` matches the prefix.
        assert!(overlaps("s3://bkt/data/batch.csv", "s3://bkt/data/"));
        assert!(overlaps("s3://bkt/data/batch.csv", "s3://bkt/data"));
        assert!(overlaps("s3://bkt/data/", "s3://bkt/data/out/"));
        assert!(overlaps("s3://bkt/data", "s3://bkt/data-out/"));
        assert!(overlaps("s3://bkt/batch.csv", "s3://bkt/"));
        assert!(!overlaps(
            "s3://bkt/data/batch.csv",
            "s3://bkt/predictions/"
        ));
        assert!(!overlaps("s3://bkt/data/batch.csv", "s3://cbk/data/"));
        assert!(!overlaps("s3://bkt/data/in/", "s3://bkt/data/"));
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::create_dir(&input).unwrap();
        std::fs::write(input.join("batch.csv"), "1,2\n").unwrap();
        let text = |p: &std::path::Path| p.display().to_string();
        assert!(overlaps(&text(&input), &text(&input)));
        assert!(overlaps(&text(&input), &text(&input.join("out"))));
        assert!(overlaps(
            &text(&input),
            &format!("{}/../in/out", text(&input))
        ));
        assert!(!overlaps(&text(&input.join("batch.csv")), &text(&input)));
        assert!(!overlaps(&text(&input), &text(&dir.path().join("out"))));
    }
}
