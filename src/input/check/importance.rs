//! Parameters.Train.FeatureImportance: whether training computes permutation feature
//! importance on the test set, and within which budget. `true`/`false`, or an object
//! `{"Enabled": true, "TimeLimit": 60, "SubsampleSize": 5000}` whose keys are all optional;
//! normalised to the full object, which the Train machine hands to tabular_train.py as its
//! `feature_importance` hyperparameter.

use super::Checker;
use crate::input::model::FeatureImportance;
use crate::input::problem::{child, describe};
use serde_json::{Map, Value};

pub(super) const FEATURE_IMPORTANCE: &[&str] = &["Enabled", "TimeLimit", "SubsampleSize"];

use crate::stack::settings::defaults::{
    FEATURE_IMPORTANCE_SUBSAMPLE_SIZE as DEFAULT_SUBSAMPLE_SIZE,
    FEATURE_IMPORTANCE_TIME_LIMIT as DEFAULT_TIME_LIMIT,
};
/// A budget longer than a day is a typo (SageMaker's default MaxRuntimeInSeconds is a day).
const MAX_TIME_LIMIT: f64 = 86_400.0;

const EXAMPLE: &str = r#"{"Enabled": true, "TimeLimit": 60, "SubsampleSize": 5000}"#;

impl Default for FeatureImportance {
    fn default() -> FeatureImportance {
        FeatureImportance {
            enabled: true,
            time_limit: DEFAULT_TIME_LIMIT,
            subsample_size: DEFAULT_SUBSAMPLE_SIZE,
        }
    }
}

impl Checker {
    pub(super) fn feature_importance(
        &mut self,
        value: Option<&Value>,
        path: &str,
    ) -> Option<FeatureImportance> {
        let mut options = FeatureImportance::default();
        let map: &Map<String, Value> = match value {
            None => return Some(options),
            Some(Value::Bool(enabled)) => {
                options.enabled = *enabled;
                return Some(options);
            }
            Some(Value::Object(map)) => map,
            Some(other) => {
                self.error(
                    path,
                    format!(
                        "must be true, false or an object such as {EXAMPLE}, not {}",
                        describe(other)
                    ),
                );
                return None;
            }
        };
        self.unknown_keys(map, path, FEATURE_IMPORTANCE);
        let mut ok = true;
        if let Some(value) = map.get("Enabled") {
            match self.boolean(value, &child(path, "Enabled")) {
                Some(enabled) => options.enabled = enabled,
                None => ok = false,
            }
        }
        if let Some(value) = map.get("TimeLimit") {
            let at = child(path, "TimeLimit");
            match value.as_f64() {
                Some(seconds) if seconds > 0.0 && seconds <= MAX_TIME_LIMIT => {
                    options.time_limit = seconds
                }
                Some(seconds) => {
                    self.error(at, format!("{seconds} is not a budget: give the seconds feature importance may take, more than 0 and at most {MAX_TIME_LIMIT}, e.g. 60"));
                    ok = false;
                }
                None => {
                    self.error(
                        at,
                        format!(
                            "must be a number of seconds such as 60, not {}",
                            describe(value)
                        ),
                    );
                    ok = false;
                }
            }
        }
        if let Some(value) = map.get("SubsampleSize") {
            let at = child(path, "SubsampleSize");
            match value.as_u64() {
                Some(rows) if rows >= 1 => options.subsample_size = rows,
                _ => {
                    self.error(
                        at,
                        format!(
                            "must be a whole number of test rows, at least 1, such as 5000, not {}",
                            describe(value)
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::check::{check, Target};
    use serde_json::json;

    fn train(importance: Option<Value>) -> Value {
        let mut train = json!({
            "TrainDataPath": "s3://my-bucket/train.csv", "TestDataPath": "s3://my-bucket/test.csv",
            "TrainingOutput": "s3://my-bucket/out/", "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
            "InitArgs": {"label": "y"}});
        if let Some(importance) = importance {
            train["FeatureImportance"] = importance;
        }
        json!({"Parameters": {"Flow": {"Train": true, "Deploy": false}, "Train": train}})
    }

    fn normalised(importance: Option<Value>) -> Value {
        let outcome = check(&train(importance), Target::Aws);
        assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
        serde_json::to_value(outcome.input.unwrap()).unwrap()["Parameters"]["Train"]
            ["FeatureImportance"]
            .clone()
    }

    #[test]
    fn absent_true_false_and_partial_objects_normalise_to_the_full_object() {
        let full = |enabled: bool, seconds: f64, rows: u64| json!({"Enabled": enabled, "TimeLimit": seconds, "SubsampleSize": rows});
        assert_eq!(normalised(None), full(true, 60.0, 5000));
        assert_eq!(normalised(Some(json!(false))), full(false, 60.0, 5000));
        assert_eq!(
            normalised(Some(json!({"TimeLimit": 5}))),
            full(true, 5.0, 5000)
        );
        assert_eq!(
            normalised(Some(json!({"Enabled": false, "SubsampleSize": 200}))),
            full(false, 60.0, 200)
        );
    }

    #[test]
    fn bad_values_name_their_field() {
        for (value, path, words) in [
            (
                json!("off"),
                "Parameters.Train.FeatureImportance",
                "true, false or an object",
            ),
            (
                json!({"TimeLimit": -1}),
                "Parameters.Train.FeatureImportance.TimeLimit",
                "more than 0",
            ),
            (
                json!({"TimeLimit": "60"}),
                "Parameters.Train.FeatureImportance.TimeLimit",
                "number of seconds",
            ),
            (
                json!({"SubsampleSize": 0}),
                "Parameters.Train.FeatureImportance.SubsampleSize",
                "at least 1",
            ),
            (
                json!({"Enabled": "yes"}),
                "Parameters.Train.FeatureImportance.Enabled",
                "true or false",
            ),
            (
                json!({"Budget": 1}),
                "Parameters.Train.FeatureImportance.Budget",
                "unknown key",
            ),
        ] {
            let outcome = check(&train(Some(value.clone())), Target::Aws);
            let text: Vec<String> = outcome.problems.iter().map(|p| p.to_string()).collect();
            assert!(
                text.iter()
                    .any(|p| p.starts_with(&format!("{path}: ")) && p.contains(words)),
                "{value}: {text:?}"
            );
        }
    }

    #[test]
    fn defaults_match_the_training_script() {
        let script = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scripts/autogluon/tabular_train.py"),
        )
        .unwrap();
        assert!(script.contains(&format!(
            "DEFAULT_IMPORTANCE_TIME_LIMIT = {DEFAULT_TIME_LIMIT:.1}\n"
        )));
        assert!(script.contains(&format!(
            "DEFAULT_IMPORTANCE_SUBSAMPLE_SIZE = {DEFAULT_SUBSAMPLE_SIZE}\n"
        )));
        for key in FEATURE_IMPORTANCE {
            assert!(
                script.contains(&format!("\"{key}\": \"feature_importance")),
                "{key}"
            );
        }
    }
}
