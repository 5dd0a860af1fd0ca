//! Parameters.Train: where the data are, the training instances, and AutoGluon's
//! arguments (FitArgs, InitArgs), which also tell the Evaluation rules the problem type.

use super::{Checker, Flags, MAX_ENCODINGS, MAX_HYPERPARAMETER_CHARS, TRAIN};
use crate::input::autogluon;
use crate::input::metrics::{self, Predictor, ProblemType};
use crate::input::model::Train;
use crate::input::names;
use crate::input::problem::{child, describe, quote};
use crate::input::suggest;
use crate::s3uri::S3Uri;
use serde_json::{Map, Value};

impl Checker {
    pub(super) fn train_section(
        &mut self,
        value: Option<&Value>,
        flags: Flags,
    ) -> (Option<Train>, Predictor) {
        let path = "Parameters.Train";
        let needed = flags.train == Some(true);
        let unknown = Predictor {
            unknown: true,
            ..Predictor::default()
        };
        let Some(value) = value else {
            if needed {
                self.error(
                    path,
                    "required when Parameters.Flow.Train is true: TrainDataPath, TestDataPath, TrainingOutput, \
                     InstanceCount, InstanceType and InitArgs (see examples/train_evaluate.json)",
                );
            }
            return (None, unknown);
        };
        if flags.train == Some(false) {
            self.note(path, "ignored: Parameters.Flow.Train is false");
        }
        let Some(map) = self.object(value, path, r#"{"TrainDataPath": "s3://...", ...}"#) else {
            return (None, unknown);
        };
        self.unknown_keys(map, path, TRAIN);
        let need = needed.then_some("required when Parameters.Flow.Train is true");

        let train_data_path = self.s3_field(
            map,
            path,
            "TrainDataPath",
            need,
            "the S3 URI of the training CSV (a file, or a prefix of CSV files), e.g. \"s3://my-bucket/data/train.csv\"",
        );
        let test_data_path = self.s3_field(
            map,
            path,
            "TestDataPath",
            need,
            "the S3 URI of the test CSV the model is scored on, e.g. \"s3://my-bucket/data/test.csv\"",
        );
        let training_output = self.s3_field(
            map,
            path,
            "TrainingOutput",
            need,
            "the S3 URI where SageMaker writes the model, e.g. \"s3://my-bucket/output/training/\"",
        );
        let instance_count = self.count_field(map, path, "InstanceCount", need, "training");
        let instance_type = self.instance_type_field(
            map,
            path,
            "InstanceType",
            need,
            names::InstanceUse::Training,
        );
        let fit_args = match map.get("FitArgs") {
            Some(value) => self.fit_args(value, &child(path, "FitArgs")),
            None => Some(Map::new()),
        };
        let (init_args, predictor) = match map.get("InitArgs") {
            Some(value) => self.init_args(value, &child(path, "InitArgs")),
            None => {
                if needed {
                    self.error(
                        child(path, "InitArgs"),
                        "required when Parameters.Flow.Train is true: the arguments of TabularPredictor(), \
                         at least the label column, e.g. {\"label\": \"y\", \"problem_type\": \"binary\"}",
                    );
                }
                (None, unknown)
            }
        };
        let feature_importance = self.feature_importance(
            map.get("FeatureImportance"),
            &child(path, "FeatureImportance"),
        );
        if let (Some(count), Some(fit_args)) = (instance_count, &fit_args) {
            // Several instances train one model by fitting its bagged folds in parallel
            // (tabular_train.py's Ray cluster): without folds there is nothing to spread.
            if count > 1 && !autogluon::bags(fit_args) {
                self.error(
                    child(path, "InstanceCount"),
                    format!(
                        "{count} instances need a fit that bags: the instances train one model by \
                         fitting its bagged folds side by side (one model is never split across \
                         instances), and these FitArgs fit no folds. Add \"num_bag_folds\": {} (or \
                         more) to FitArgs, or use a bagged preset such as \"good_quality\", \
                         \"high_quality\" or \"best_quality\"; or set InstanceCount to 1",
                        (2 * count).clamp(2, 10)
                    ),
                );
            }
        }
        let train = (|| {
            Some(Train {
                train_data_path: train_data_path?,
                test_data_path: test_data_path?,
                training_output: training_output?,
                instance_count: instance_count?,
                instance_type: instance_type?,
                fit_args: fit_args?,
                init_args: init_args?,
                feature_importance: feature_importance?,
            })
        })();
        if let (Some(train), true) = (&train, needed) {
            self.data_overlaps(train);
        }
        (train, predictor)
    }

    /// FitArgs: a JSON object of `fit()` keywords AutoGluon knows.
    fn fit_args(&mut self, value: &Value, path: &str) -> Option<Map<String, Value>> {
        let map = self.json_object(
            value,
            path,
            "the keyword arguments of TabularPredictor.fit()",
            r#"{"presets": "medium_quality", "time_limit": 600}"#,
        )?;
        let mut ok = self.autogluon_keys(&map, path, autogluon::FIT_ARGS, "TabularPredictor.fit()");
        if let Some(presets) = map.get("presets") {
            ok &= self.presets(presets, &child(path, "presets"));
        }
        ok &= self.fit_arg_types(&map, path);
        ok &= self.hyperparameter_length(&map, path);
        ok.then_some(map)
    }

    /// The FitArgs whose type AutoGluon checks only once training has started (a string
    /// `time_limit` is a Python `ValueError` after the data is loaded).
    fn fit_arg_types(&mut self, map: &Map<String, Value>, path: &str) -> bool {
        let mut ok = true;
        let positive = |v: &Value| v.as_f64().is_some_and(|x| x > 0.0 && x.is_finite());
        let count = |v: &Value| v.as_u64().is_some();
        type Valid<'a> = &'a dyn Fn(&Value) -> bool;
        let checks: [(&str, Valid, &str); 8] = [
            (
                "time_limit",
                &positive,
                "a number of seconds greater than 0, e.g. 600",
            ),
            (
                "holdout_frac",
                &|v: &Value| v.as_f64().is_some_and(|x| x > 0.0 && x < 1.0),
                "a fraction between 0 and 1, e.g. 0.2",
            ),
            (
                "num_bag_folds",
                &count,
                "a whole number (0, or 2 and more), e.g. 5",
            ),
            ("num_bag_sets", &count, "a whole number, e.g. 1"),
            ("num_stack_levels", &count, "a whole number, e.g. 1"),
            (
                "verbosity",
                &|v: &Value| v.as_u64().is_some_and(|x| x <= 4),
                "a whole number from 0 to 4",
            ),
            (
                "num_cpus",
                &|v: &Value| v.as_u64().is_some_and(|x| x > 0) || v.as_str() == Some("auto"),
                "a whole number of CPUs or \"auto\"",
            ),
            (
                "num_gpus",
                &|v: &Value| v.as_u64().is_some() || v.as_str() == Some("auto"),
                "a whole number of GPUs or \"auto\"",
            ),
        ];
        for (key, valid, wanted) in checks {
            if let Some(value) = map.get(key) {
                if !valid(value) {
                    self.error(
                        child(path, key),
                        format!("must be {wanted}, not {}", describe(value)),
                    );
                    ok = false;
                }
            }
        }
        for key in [
            "auto_stack",
            "keep_only_best",
            "save_space",
            "refit_full",
            "set_best_to_refit_full",
        ] {
            if let Some(value) = map.get(key) {
                if !(value.is_boolean() || key == "refit_full" && value.is_string()) {
                    self.error(
                        child(path, key),
                        format!("must be true or false, not {}", describe(value)),
                    );
                    ok = false;
                }
            }
        }
        if let Some(value) = map.get("hyperparameters") {
            ok &= self.hyperparameters(value, &child(path, "hyperparameters"));
        }
        ok
    }

    /// `hyperparameters`: a preset name, or an object keyed by AutoGluon model keys.
    fn hyperparameters(&mut self, value: &Value, path: &str) -> bool {
        match value {
            Value::String(name) if autogluon::HYPERPARAMETER_PRESETS.contains(&name.as_str()) => {
                true
            }
            Value::String(name) => {
                let hint =
                    suggest::did_you_mean(name, autogluon::HYPERPARAMETER_PRESETS.iter().copied());
                self.error(
                    path,
                    format!(
                        "{} is not an AutoGluon hyperparameter preset{hint}: use one of {}, or an object such as {{\"GBM\": {{}}}}",
                        quote(name),
                        autogluon::HYPERPARAMETER_PRESETS.join(", ")
                    ),
                );
                false
            }
            Value::Object(models) => {
                let mut ok = true;
                for (key, settings) in models {
                    if !autogluon::MODEL_KEYS.contains(&key.as_str()) {
                        let hint =
                            suggest::did_you_mean(key, autogluon::MODEL_KEYS.iter().copied());
                        self.error(
                            child(path, key),
                            format!(
                                "{} is not an AutoGluon model key{hint}: common ones are GBM, CAT, XGB, RF, XT, NN_TORCH, FASTAI (see {})",
                                quote(key),
                                autogluon::DOCS
                            ),
                        );
                        ok = false;
                    } else if !(settings.is_object() || settings.is_array()) {
                        self.error(
                            child(path, key),
                            format!(
                                "must be an object of the model's settings (or a list of them), e.g. {{}}, not {}",
                                describe(settings)
                            ),
                        );
                        ok = false;
                    }
                }
                ok
            }
            other => {
                self.error(
                    path,
                    format!(
                        "must be an object keyed by model, e.g. {{\"GBM\": {{}}}}, or a preset name such as \"default\", not {}",
                        describe(other)
                    ),
                );
                false
            }
        }
    }

    fn presets(&mut self, value: &Value, path: &str) -> bool {
        let names: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        let mut ok = true;
        for name in names {
            match name.as_str() {
                Some(name) if autogluon::preset_names().any(|preset| preset == name) => {}
                Some(name) => {
                    let hint = suggest::did_you_mean(name, autogluon::preset_names());
                    self.error(
                        path,
                        format!(
                            "{} is not an AutoGluon preset{hint}; common ones are medium_quality, good_quality, \
                             high_quality, best_quality (see {})",
                            quote(name),
                            autogluon::DOCS
                        ),
                    );
                    ok = false;
                }
                None => {
                    self.error(
                        path,
                        format!(
                            "must be a preset name or a list of them, e.g. \"medium_quality\", not {}",
                            describe(name)
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok
    }

    /// InitArgs: a JSON object of `TabularPredictor()` keywords, with a label; what it says
    /// about the problem type and metric is returned for the Evaluation rules.
    fn init_args(&mut self, value: &Value, path: &str) -> (Option<Map<String, Value>>, Predictor) {
        let unknown = Predictor {
            unknown: true,
            ..Predictor::default()
        };
        let Some(map) = self.json_object(
            value,
            path,
            "the keyword arguments of TabularPredictor()",
            r#"{"label": "y", "problem_type": "binary"}"#,
        ) else {
            return (None, unknown);
        };
        let mut ok = self.autogluon_keys(&map, path, autogluon::INIT_ARGS, "TabularPredictor()");
        ok &= self.hyperparameter_length(&map, path);

        match map.get("label") {
            Some(Value::String(label)) if !label.is_empty() => {}
            Some(Value::String(_)) => {
                self.error(
                    child(path, "label"),
                    "is empty: name the target column of the CSV files",
                );
                ok = false;
            }
            Some(other) => {
                self.error(
                    child(path, "label"),
                    format!(
                        "must be the name of the target column (a string such as \"y\"), not {}",
                        describe(other)
                    ),
                );
                ok = false;
            }
            None => {
                self.error(
                    path,
                    "has no \"label\": name the target column of the CSV files, e.g. {\"label\": \"y\"}",
                );
                ok = false;
            }
        }

        let mut predictor = Predictor::default();
        let problem_type_path = child(path, "problem_type");
        match map.get("problem_type") {
            None => {}
            Some(Value::String(name)) => match ProblemType::parse(name) {
                Some(problem_type) => predictor.problem_type = Some(problem_type),
                None => {
                    let names = ProblemType::ALL.map(ProblemType::name);
                    let hint = suggest::did_you_mean(name, names);
                    self.error(
                        problem_type_path,
                        format!(
                            "{} is not an AutoGluon problem type{hint}: use one of {} (or leave it out to let AutoGluon infer it)",
                            quote(name),
                            names.join(", ")
                        ),
                    );
                    predictor.unknown = true;
                    ok = false;
                }
            },
            Some(other) => {
                self.error(
                    problem_type_path,
                    format!(
                        "must be a string such as \"binary\", not {}",
                        describe(other)
                    ),
                );
                predictor.unknown = true;
                ok = false;
            }
        }

        let quantile_path = child(path, "quantile_levels");
        match (map.get("quantile_levels"), predictor.problem_type) {
            (None, Some(ProblemType::Quantile)) => {
                self.error(
                    path,
                    "problem_type \"quantile\" needs \"quantile_levels\", e.g. [0.1, 0.5, 0.9]",
                );
                ok = false;
            }
            (Some(_), Some(other)) if other != ProblemType::Quantile => {
                self.error(
                    quantile_path,
                    format!(
                        "only quantile predictors take quantile levels, but problem_type is {:?}: remove one of them",
                        other.name()
                    ),
                );
                ok = false;
            }
            (Some(levels), _) => {
                let valid = levels.as_array().is_some_and(|items| {
                    !items.is_empty()
                        && items
                            .iter()
                            .all(|x| x.as_f64().is_some_and(|q| q > 0.0 && q < 1.0))
                });
                if valid {
                    predictor.problem_type = Some(ProblemType::Quantile);
                } else {
                    self.error(
                        quantile_path,
                        format!(
                            "must be a list of numbers between 0 and 1, e.g. [0.1, 0.5, 0.9], not {}",
                            describe(levels)
                        ),
                    );
                    ok = false;
                }
            }
            (None, _) => {}
        }

        let eval_metric_path = child(path, "eval_metric");
        match map.get("eval_metric") {
            None => {}
            Some(Value::String(name)) => {
                match metrics::check_eval_metric(name, predictor.problem_type) {
                    Ok(metric) => predictor.eval_metric = Some(metric),
                    Err(message) => {
                        self.error(eval_metric_path, message);
                        predictor.unknown = true;
                        ok = false;
                    }
                }
            }
            Some(other) => {
                self.error(
                    eval_metric_path,
                    format!(
                        "must be the name of an AutoGluon metric, e.g. \"accuracy\", not {}",
                        describe(other)
                    ),
                );
                predictor.unknown = true;
                ok = false;
            }
        }

        if map.contains_key("path") {
            self.note(
                child(path, "path"),
                "ignored: the training script saves the predictor where SageMaker packs the model",
            );
        }
        (ok.then_some(map), predictor)
    }

    /// Keys AutoGluon would refuse (`_private` ones pass).
    fn autogluon_keys(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        known: &[&str],
        function: &str,
    ) -> bool {
        let mut ok = true;
        for key in map.keys() {
            if known.contains(&key.as_str()) || key.starts_with('_') {
                continue;
            }
            let hint = suggest::did_you_mean(key, known.iter().copied());
            self.error(
                child(path, key),
                format!(
                    "{function} takes no argument {}{hint}: AutoGluon would refuse it when the training job starts (see {})",
                    quote(key),
                    autogluon::DOCS
                ),
            );
            ok = false;
        }
        ok
    }

    /// The machine passes FitArgs and InitArgs to SageMaker as JSON text, one
    /// hyperparameter each, and SageMaker takes at most 2500 characters per value.
    fn hyperparameter_length(&mut self, map: &Map<String, Value>, path: &str) -> bool {
        let length = Value::Object(map.clone()).to_string().chars().count();
        if length > MAX_HYPERPARAMETER_CHARS {
            self.error(
                path,
                format!(
                    "is {length} characters long as JSON text; SageMaker takes at most {MAX_HYPERPARAMETER_CHARS} \
                     per hyperparameter: pass fewer or shorter arguments"
                ),
            );
            return false;
        }
        true
    }

    /// A JSON object, given as an object or as a string holding its JSON (decoded
    /// repeatedly: the seed encodes twice).
    fn json_object(
        &mut self,
        value: &Value,
        path: &str,
        what: &str,
        example: &str,
    ) -> Option<Map<String, Value>> {
        let mut current = value.clone();
        for _ in 0..=MAX_ENCODINGS {
            match current {
                Value::Object(map) => return Some(map),
                Value::String(text) => match serde_json::from_str::<Value>(&text) {
                    Ok(decoded) => current = decoded,
                    Err(error) => {
                        self.error(
                            path,
                            format!(
                                "is a string but not JSON ({error}): write {what} as a JSON object, e.g. {example}"
                            ),
                        );
                        return None;
                    }
                },
                other => {
                    let found = if &other == value {
                        "this is"
                    } else {
                        "this decodes to"
                    };
                    self.error(
                        path,
                        format!(
                            "must be a JSON object ({what}), e.g. {example}; {found} {}",
                            describe(&other)
                        ),
                    );
                    return None;
                }
            }
        }
        self.error(
            path,
            format!("is JSON-encoded more than {MAX_ENCODINGS} times: write it as a JSON object, e.g. {example}"),
        );
        None
    }

    /// Notes on data locations that overlap: S3 prefixes read everything under them.
    fn data_overlaps(&mut self, train: &Train) {
        let parse = |s: &str| s.parse::<S3Uri>().ok();
        let (Some(train_data), Some(test_data), Some(output)) = (
            parse(&train.train_data_path),
            parse(&train.test_data_path),
            parse(&train.training_output),
        ) else {
            return;
        };
        if train_data.contains(&test_data) {
            self.note(
                "Parameters.Train.TestDataPath",
                "lies under TrainDataPath, which SageMaker reads as a prefix: the test rows are trained on too, \
                 so the scores will look better than the model is",
            );
        }
        if train_data.contains(&output) {
            self.note(
                "Parameters.Train.TrainingOutput",
                "lies under TrainDataPath, which SageMaker reads as a prefix: the next training run would read \
                 this run's model files as training data",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::input::{validate_for, Target};
    use serde_json::{json, Value};

    fn problems(fit_args: Value) -> Vec<String> {
        let raw = json!({"Parameters": {
            "Flow": {"Train": true, "Evaluate": false, "Deploy": false},
            "Train": {
                "TrainDataPath": "s3://bkt/train.csv", "TestDataPath": "s3://bkt/test.csv",
                "TrainingOutput": "s3://bkt/out/", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                "InitArgs": {"label": "y"}, "FitArgs": fit_args,
            },
        }});
        match validate_for(&raw, Target::Local) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn fit_args_of_the_wrong_type_are_refused_naming_the_field() {
        for bad in [
            json!("20"),
            json!("abc"),
            json!([]),
            json!(0),
            json!(-5),
            json!(true),
        ] {
            let found = problems(json!({"time_limit": bad}));
            assert_eq!(found.len(), 1, "{bad}: {found:?}");
            assert!(
                found[0].starts_with("Parameters.Train.FitArgs.time_limit: must be a number of seconds greater than 0, e.g. 600, not "),
                "{found:?}"
            );
        }
        assert!(problems(json!({"time_limit": 20})).is_empty());
        assert!(problems(
            json!({"time_limit": 2.5, "num_bag_folds": 5, "holdout_frac": 0.2, "num_cpus": "auto"})
        )
        .is_empty());
        let found = problems(json!({"holdout_frac": 2, "num_bag_folds": "5", "auto_stack": "yes"}));
        assert_eq!(found.len(), 3, "{found:?}");
    }

    #[test]
    fn hyperparameter_model_keys_and_presets_are_known() {
        assert!(problems(json!({"hyperparameters": {"GBM": {}, "CAT": [{}]}})).is_empty());
        assert!(problems(json!({"hyperparameters": "light"})).is_empty());
        let found = problems(json!({"hyperparameters": {"gbm": {}}}));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("Parameters.Train.FitArgs.hyperparameters.gbm: \"gbm\" is not an AutoGluon model key (did you mean"), "{found:?}");
        let found = problems(json!({"hyperparameters": {"GBM": 3}}));
        assert!(
            found[0].contains("must be an object of the model's settings"),
            "{found:?}"
        );
        let found = problems(json!({"hyperparameters": "fast"}));
        assert!(
            found[0].contains("is not an AutoGluon hyperparameter preset"),
            "{found:?}"
        );
        let found = problems(json!({"hyperparameters": 7}));
        assert!(
            found[0].contains("must be an object keyed by model"),
            "{found:?}"
        );
    }
}
