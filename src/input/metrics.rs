//! What AutoGluon knows about metrics: every name `eval_metric` accepts (with its
//! aliases), which problem types it applies to, whether it is a loss, and the scores
//! `predictor.evaluate(test)` reports — the `scores.json` the evaluation Lambda reads.
//!
//! AutoGluon scores are always higher-is-better: a loss is reported negated
//! (`root_mean_squared_error: -56.8`), so a threshold on a loss is negative.
//! The table follows `autogluon.core.metrics` (1.x): `BINARY_METRICS`,
//! `MULTICLASS_METRICS`, `REGRESSION_METRICS`, `QUANTILE_METRICS`, and
//! `AbstractTabularLearner.evaluate_predictions` for the reported scores.

use super::suggest;
use std::fmt;

/// `TabularPredictor(problem_type=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProblemType {
    Binary,
    Multiclass,
    Regression,
    Quantile,
}

impl ProblemType {
    pub(crate) const ALL: [ProblemType; 4] = [
        ProblemType::Binary,
        ProblemType::Multiclass,
        ProblemType::Regression,
        ProblemType::Quantile,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            ProblemType::Binary => "binary",
            ProblemType::Multiclass => "multiclass",
            ProblemType::Regression => "regression",
            ProblemType::Quantile => "quantile",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<ProblemType> {
        ProblemType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The scores `predictor.evaluate(test)` always reports for this problem type, besides
    /// the predictor's `eval_metric`.
    pub(crate) fn reported(self) -> &'static [&'static str] {
        match self {
            ProblemType::Binary => &[
                "accuracy",
                "balanced_accuracy",
                "mcc",
                "roc_auc",
                "f1",
                "precision",
                "recall",
            ],
            ProblemType::Multiclass => &["accuracy", "balanced_accuracy", "mcc"],
            ProblemType::Regression => &[
                "root_mean_squared_error",
                "mean_squared_error",
                "mean_absolute_error",
                "r2",
                "pearsonr",
                "median_absolute_error",
            ],
            ProblemType::Quantile => &[],
        }
    }

    /// AutoGluon's `eval_metric` when none is given.
    pub(crate) fn default_eval_metric(self) -> &'static str {
        match self {
            ProblemType::Binary | ProblemType::Multiclass => "accuracy",
            ProblemType::Regression => "root_mean_squared_error",
            ProblemType::Quantile => "pinball_loss",
        }
    }
}

impl fmt::Display for ProblemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One AutoGluon metric.
#[derive(Debug, PartialEq)]
pub(crate) struct Metric {
    /// The name scores are reported under (`Scorer.name`).
    pub(crate) name: &'static str,
    /// Other names `eval_metric` accepts for it.
    pub(crate) aliases: &'static [&'static str],
    pub(crate) problem_types: &'static [ProblemType],
    /// Lowest and highest possible score (higher is better; losses are at most 0).
    pub(crate) range: (f64, f64),
    /// A loss, reported negated.
    pub(crate) loss: bool,
}

use ProblemType::{Binary as B, Multiclass as M, Quantile as Q, Regression as R};

const UNIT: (f64, f64) = (0.0, 1.0);
const CORRELATION: (f64, f64) = (-1.0, 1.0);
const AT_MOST_ONE: (f64, f64) = (f64::NEG_INFINITY, 1.0);
const LOSS: (f64, f64) = (f64::NEG_INFINITY, 0.0);

const fn score(
    name: &'static str,
    aliases: &'static [&'static str],
    problem_types: &'static [ProblemType],
    range: (f64, f64),
) -> Metric {
    Metric {
        name,
        aliases,
        problem_types,
        range,
        loss: false,
    }
}

const fn loss(
    name: &'static str,
    aliases: &'static [&'static str],
    problem_types: &'static [ProblemType],
) -> Metric {
    Metric {
        name,
        aliases,
        problem_types,
        range: LOSS,
        loss: true,
    }
}

/// Every metric AutoGluon's tabular predictor accepts as `eval_metric`.
pub(crate) const METRICS: &[Metric] = &[
    score("accuracy", &["acc"], &[B, M], UNIT),
    score("balanced_accuracy", &[], &[B, M], UNIT),
    score("mcc", &[], &[B, M], CORRELATION),
    score("roc_auc", &[], &[B], UNIT),
    score("average_precision", &[], &[B], UNIT),
    score("f1", &[], &[B], UNIT),
    score("f1_macro", &[], &[B, M], UNIT),
    score("f1_micro", &[], &[B, M], UNIT),
    score("f1_weighted", &[], &[B, M], UNIT),
    score("precision", &[], &[B], UNIT),
    score("precision_macro", &[], &[B, M], UNIT),
    score("precision_micro", &[], &[B, M], UNIT),
    score("precision_weighted", &[], &[B, M], UNIT),
    score("recall", &[], &[B], UNIT),
    score("recall_macro", &[], &[B, M], UNIT),
    score("recall_micro", &[], &[B, M], UNIT),
    score("recall_weighted", &[], &[B, M], UNIT),
    score("quadratic_kappa", &[], &[B, M], CORRELATION),
    score("pac", &["pac_score"], &[B, M], AT_MOST_ONE),
    loss("log_loss", &["nll"], &[B, M]),
    score("roc_auc_ovo", &["roc_auc_ovo_macro"], &[M], UNIT),
    score("roc_auc_ovo_weighted", &[], &[M], UNIT),
    score("roc_auc_ovr", &["roc_auc_ovr_macro"], &[M], UNIT),
    score("roc_auc_ovr_micro", &[], &[M], UNIT),
    score("roc_auc_ovr_weighted", &[], &[M], UNIT),
    loss("root_mean_squared_error", &["rmse"], &[R]),
    loss("mean_squared_error", &["mse"], &[R]),
    loss("mean_absolute_error", &["mae"], &[R]),
    loss("median_absolute_error", &[], &[R]),
    loss("mean_absolute_percentage_error", &["mape"], &[R]),
    loss("symmetric_mean_absolute_percentage_error", &["smape"], &[R]),
    score("r2", &[], &[R], AT_MOST_ONE),
    score("pearsonr", &[], &[R], CORRELATION),
    score("spearmanr", &[], &[R], CORRELATION),
    loss("pinball_loss", &["pinball"], &[Q]),
];

/// The metric called `name` (its reported name or an alias).
pub(crate) fn lookup(name: &str) -> Option<&'static Metric> {
    METRICS
        .iter()
        .find(|m| m.name == name || m.aliases.contains(&name))
}

/// Every name AutoGluon accepts, aliases included.
pub(crate) fn all_names() -> impl Iterator<Item = &'static str> {
    METRICS
        .iter()
        .flat_map(|m| std::iter::once(m.name).chain(m.aliases.iter().copied()))
}

impl Metric {
    pub(crate) fn applies_to(&self, problem_type: ProblemType) -> bool {
        self.problem_types.contains(&problem_type)
    }

    fn types_text(&self) -> String {
        self.problem_types
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

/// What the input's `InitArgs` say about the predictor.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Predictor {
    /// `InitArgs.problem_type`, when given and known.
    pub(crate) problem_type: Option<ProblemType>,
    /// `InitArgs.eval_metric`, when given and known.
    pub(crate) eval_metric: Option<&'static Metric>,
    /// Set when `InitArgs` could not be read: then any reported name of a metric is accepted.
    pub(crate) unknown: bool,
}

impl Predictor {
    /// The problem types the predictor may have: the given one, else those its eval_metric
    /// applies to, else binary, multiclass and regression (quantile needs saying).
    fn problem_types(&self) -> Vec<ProblemType> {
        match (self.problem_type, self.eval_metric) {
            (Some(t), _) => vec![t],
            (None, Some(metric)) => metric.problem_types.to_vec(),
            (None, None) => vec![B, M, R],
        }
    }

    /// Every score name `scores.json` may hold, in a stable order.
    pub(crate) fn reported(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        for t in self.problem_types() {
            let eval = self.eval_metric.map_or(t.default_eval_metric(), |m| m.name);
            for name in std::iter::once(eval).chain(t.reported().iter().copied()) {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }

    fn scope(&self) -> String {
        match self.problem_type {
            Some(t) => format!("a {t} predictor"),
            None => "this predictor".to_string(),
        }
    }
}

/// Checks `Evaluation.Metric`: a score `predictor.evaluate(test)` reports, spelt as it
/// reports it. Returns the metric, or what is wrong and how to fix it.
pub(crate) fn check_metric(name: &str, predictor: &Predictor) -> Result<&'static Metric, String> {
    let reported = predictor.reported();
    let list = reported.join(", ");
    if reported.contains(&name)
        || (predictor.unknown && lookup(name).is_some_and(|m| m.name == name))
    {
        return lookup(name).ok_or_else(|| format!("{name:?} is not an AutoGluon metric"));
    }
    let Some(metric) = lookup(name) else {
        // Suggest the name scores.json uses, not an alias (`RMSE` -> root_mean_squared_error).
        let hint = suggest::closest(name, reported.iter().copied().chain(all_names()))
            .map(|near| lookup(near).map_or(near, |m| m.name))
            .map_or(String::new(), |near| format!(" (did you mean {near:?}?)"));
        return Err(format!(
            "{} is not a metric AutoGluon reports{hint}; the scores of {} are: {list}",
            super::problem::quote(name),
            predictor.scope()
        ));
    };
    if metric.name != name && reported.contains(&metric.name) {
        return Err(format!(
            "scores are named by AutoGluon's full metric names: write {:?} instead of {name:?}",
            metric.name
        ));
    }
    if let Some(t) = predictor.problem_type {
        if !metric.applies_to(t) {
            return Err(format!(
                "{name:?} is a metric for {} problems, but Parameters.Train.InitArgs.problem_type is \"{t}\"; \
                 the scores of a {t} predictor are: {list}",
                metric.types_text()
            ));
        }
    }
    Err(format!(
        "predictor.evaluate() does not report {name:?} for {}: it reports {list}. \
         To evaluate on {name:?}, make it the predictor's metric: set Parameters.Train.InitArgs.eval_metric to {:?}",
        predictor.scope(),
        metric.name
    ))
}

/// Checks `InitArgs.eval_metric` against AutoGluon's names and the problem type.
pub(crate) fn check_eval_metric(
    name: &str,
    problem_type: Option<ProblemType>,
) -> Result<&'static Metric, String> {
    let Some(metric) = lookup(name) else {
        let candidates: Vec<&str> = match problem_type {
            Some(t) => METRICS
                .iter()
                .filter(|m| m.applies_to(t))
                .flat_map(|m| std::iter::once(m.name).chain(m.aliases.iter().copied()))
                .collect(),
            None => all_names().collect(),
        };
        let hint = suggest::did_you_mean(name, candidates.iter().copied());
        return Err(format!(
            "{} is not an AutoGluon metric{hint}; see the eval_metric list of \
             https://auto.gluon.ai/stable/api/autogluon.tabular.TabularPredictor.html",
            super::problem::quote(name)
        ));
    };
    if let Some(t) = problem_type {
        if !metric.applies_to(t) {
            let fitting: Vec<&str> = METRICS
                .iter()
                .filter(|m| m.applies_to(t))
                .map(|m| m.name)
                .collect();
            return Err(format!(
                "{name:?} is a metric for {} problems, not {t}: AutoGluon would refuse it; \
                 {t} metrics are: {}",
                metric.types_text(),
                fitting.join(", ")
            ));
        }
    }
    Ok(metric)
}

/// Checks a threshold against the metric's range: a threshold no score can reach rejects
/// every model, one below every score accepts every model. Losses get the sign lesson.
pub(crate) fn check_threshold(threshold: f64, metric: &Metric) -> Result<(), String> {
    let (low, high) = metric.range;
    let name = metric.name;
    if metric.loss && threshold > 0.0 {
        return Err(format!(
            "{threshold} can never be reached: {name} is a loss, and AutoGluon scores are higher-is-better, \
             so losses are scored negated (e.g. a {name} of 56.8 is scored -56.8); \
             write -{threshold} to accept a {name} of up to {threshold}"
        ));
    }
    if threshold > high {
        let percent = if high == 1.0 && threshold <= 100.0 {
            format!(" (for {threshold}% write {})", threshold / 100.0)
        } else {
            String::new()
        };
        return Err(format!(
            "{threshold} can never be reached: {name} is at most {high}, so every model would be rejected{percent}"
        ));
    }
    if threshold < low {
        return Err(format!(
            "{threshold} accepts every model: {name} is at least {low} (scores are higher-is-better; \
             only losses take negative thresholds)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn predictor(problem_type: Option<&str>, eval_metric: Option<&str>) -> Predictor {
        Predictor {
            problem_type: problem_type.and_then(ProblemType::parse),
            eval_metric: eval_metric.and_then(lookup),
            ..Predictor::default()
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = all_names().collect();
        let total = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), total);
        for t in ProblemType::ALL {
            for name in t.reported() {
                assert!(lookup(name).is_some_and(|m| m.name == *name && m.applies_to(t)));
            }
            assert!(lookup(t.default_eval_metric()).is_some());
        }
    }

    #[test]
    fn metrics_per_problem_type() {
        let binary = predictor(Some("binary"), None);
        assert!(check_metric("accuracy", &binary).is_ok());
        assert!(check_metric("roc_auc", &binary).is_ok());
        let err = check_metric("acuracy", &binary).unwrap_err();
        assert!(err.contains("did you mean \"accuracy\""), "{err}");
        let err = check_metric("r2", &binary).unwrap_err();
        assert!(err.contains("regression"), "{err}");
        let err = check_metric("log_loss", &binary).unwrap_err();
        assert!(err.contains("eval_metric to \"log_loss\""), "{err}");
        assert!(check_metric("log_loss", &predictor(Some("binary"), Some("nll"))).is_ok());
        let err = check_metric("RMSE", &predictor(Some("regression"), None)).unwrap_err();
        assert!(
            err.contains("did you mean \"root_mean_squared_error\""),
            "{err}"
        );
        let err = check_metric("rmse", &predictor(Some("regression"), None)).unwrap_err();
        assert!(err.contains("root_mean_squared_error"), "{err}");
        let multi = predictor(Some("multiclass"), Some("roc_auc_ovo_macro"));
        assert!(check_metric("roc_auc_ovo", &multi).is_ok());
        assert!(check_metric("roc_auc", &multi).is_err());
        // No problem type: the union, and nothing more.
        let any = predictor(None, None);
        for name in ["accuracy", "r2", "roc_auc", "median_absolute_error"] {
            assert!(check_metric(name, &any).is_ok(), "{name}");
        }
        assert!(check_metric("f1_macro", &any).is_err());
        // The eval_metric implies the family.
        assert!(check_metric("accuracy", &predictor(None, Some("rmse"))).is_err());
        assert!(check_metric("pinball_loss", &predictor(Some("quantile"), None)).is_ok());
    }

    #[test]
    fn eval_metrics() {
        assert!(check_eval_metric("f1_macro", Some(ProblemType::Multiclass)).is_ok());
        assert!(check_eval_metric("f1", Some(ProblemType::Multiclass)).is_err());
        let err = check_eval_metric("rmsee", None).unwrap_err();
        assert!(err.contains("did you mean \"rmse\""), "{err}");
    }

    #[test]
    fn thresholds() {
        let rmse = lookup("rmse").unwrap();
        let err = check_threshold(60.0, rmse).unwrap_err();
        assert!(
            err.contains("higher-is-better") && err.contains("write -60"),
            "{err}"
        );
        assert!(check_threshold(-60.0, rmse).is_ok());
        assert!(check_threshold(0.0, rmse).is_ok());
        let accuracy = lookup("accuracy").unwrap();
        assert!(check_threshold(0.6, accuracy).is_ok());
        assert!(check_threshold(1.0, accuracy).is_ok());
        let err = check_threshold(60.0, accuracy).unwrap_err();
        assert!(err.contains("write 0.6"), "{err}");
        assert!(check_threshold(-0.5, accuracy).is_err());
        assert!(check_threshold(-0.5, lookup("mcc").unwrap()).is_ok());
        assert!(check_threshold(-5.0, lookup("r2").unwrap()).is_ok());
    }
}
