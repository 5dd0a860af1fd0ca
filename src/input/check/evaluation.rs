//! Parameters.Evaluation: a score `predictor.evaluate(test)` reports, and a threshold it
//! can reach (higher is better: losses take negative thresholds).

use super::{Checker, Flags, EVALUATION};
use crate::input::metrics::{self, Predictor};
use crate::input::model::Evaluation;
use crate::input::problem::{child, describe};
use serde_json::Value;

impl Checker {
    pub(super) fn evaluation_section(
        &mut self,
        value: Option<&Value>,
        flags: Flags,
        predictor: &Predictor,
    ) -> Option<Evaluation> {
        let path = "Parameters.Evaluation";
        // Evaluating a pretrained model is refused at Parameters.Flow.Evaluate already.
        let needed = flags.evaluate == Some(true) && flags.train != Some(false);
        let Some(value) = value else {
            if needed {
                self.error(
                    path,
                    "required when Parameters.Flow.Evaluate is true: the score to check and its lowest acceptable value, \
                     e.g. {\"Metric\": \"accuracy\", \"Threshold\": 0.8}",
                );
            }
            return None;
        };
        if flags.evaluate == Some(false) && !flags.evaluate_given {
            // A forgotten flag would deploy an unevaluated model: say so, do not guess.
            self.error(
                "Parameters.Flow.Evaluate",
                "missing, so it defaults to false and the Evaluation section would be ignored: \
                 set it to true to evaluate the model (or to false to skip evaluation)",
            );
        } else if flags.evaluate == Some(false) {
            self.note(
                path,
                "ignored: Parameters.Flow.Evaluate is false (set it to true to evaluate the model before deploying it)",
            );
        }
        let map = self.object(value, path, r#"{"Metric": "accuracy", "Threshold": 0.8}"#)?;
        self.unknown_keys(map, path, EVALUATION);
        let need = needed.then_some("required when Parameters.Flow.Evaluate is true");
        let threshold_path = child(path, "Threshold");
        let threshold = self
            .field(
                map,
                path,
                "Threshold",
                need,
                "the lowest acceptable score, e.g. 0.8",
            )
            .and_then(|(p, v)| self.threshold(v, &p));
        let metric = self
            .field(
                map,
                path,
                "Metric",
                need,
                "the score to compare with the threshold, e.g. \"accuracy\"",
            )
            .and_then(|(p, v)| {
                let name = self.string(v, &p, "an AutoGluon score name such as \"accuracy\"")?;
                match metrics::check_metric(name, predictor) {
                    Ok(metric) => Some((name.to_string(), metric)),
                    Err(message) => {
                        self.error(p, message);
                        None
                    }
                }
            });
        if let (Some(threshold), Some((_, metric))) = (threshold, &metric) {
            if let Err(message) = metrics::check_threshold(threshold, metric) {
                self.error(threshold_path, message);
                return None;
            }
        }
        Some(Evaluation {
            threshold: threshold?,
            metric: metric?.0,
        })
    }

    /// A finite number, or a string holding one (the seed writes "0.6").
    fn threshold(&mut self, value: &Value, path: &str) -> Option<f64> {
        let parsed = match value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        match parsed.filter(|t| t.is_finite()) {
            Some(t) => Some(t),
            None => {
                self.error(
                    path,
                    format!(
                        "must be a number such as 0.8 (the lowest acceptable score), not {}",
                        describe(value)
                    ),
                );
                None
            }
        }
    }
}
