//! The keyword arguments AutoGluon's `TabularPredictor(...)` (InitArgs) and
//! `TabularPredictor.fit(...)` (FitArgs) accept, and the presets `fit` knows. AutoGluon
//! refuses anything else, minutes into a training job; this catches it before the start.
//! Taken from AutoGluon 1.6 (the training script supports 1.4 to 1.6); keys starting
//! with `_` (AutoGluon's private options) are let through.

/// `TabularPredictor.__init__` keywords (named, and the `**kwargs` it validates).
pub(crate) const INIT_ARGS: &[&str] = &[
    "label",
    "problem_type",
    "eval_metric",
    "path",
    "verbosity",
    "log_to_file",
    "log_file_path",
    "sample_weight",
    "weight_evaluation",
    "groups",
    "positive_class",
    "learner_type",
    "learner_kwargs",
    "quantile_levels",
];

/// `TabularPredictor.fit` keywords (named, and the `**kwargs` it validates).
pub(crate) const FIT_ARGS: &[&str] = &[
    // named parameters
    "tuning_data",
    "time_limit",
    "presets",
    "hyperparameters",
    "feature_metadata",
    "infer_limit",
    "infer_limit_batch_size",
    "fit_weighted_ensemble",
    "fit_full_last_level_weighted_ensemble",
    "full_weighted_ensemble_additionally",
    "dynamic_stacking",
    "calibrate_decision_threshold",
    "num_cpus",
    "num_gpus",
    "fit_strategy",
    "memory_limit",
    "callbacks",
    // validated **kwargs
    "holdout_frac",
    "num_bag_folds",
    "auto_stack",
    "use_bag_holdout",
    "feature_generator",
    "unlabeled_data",
    "learning_curves",
    "test_data",
    "raise_on_model_failure",
    "ds_args",
    "ag_args",
    "ag_args_ensemble",
    "ag_args_fit",
    "calibrate",
    "delay_bag_sets",
    "excluded_model_types",
    "feature_prune_kwargs",
    "hyperparameter_tune_kwargs",
    "included_model_types",
    "keep_only_best",
    "name_suffix",
    "num_bag_sets",
    "num_stack_levels",
    "pseudo_data",
    "raise_on_no_models_fitted",
    "refit_full",
    "save_bag_folds",
    "save_space",
    "set_best_to_refit_full",
    "verbosity",
];

/// `fit(presets=...)` names, aliases included.
pub(crate) const PRESETS: &[&str] = &[
    "extreme_quality",
    "best_quality",
    "high_quality",
    "good_quality",
    "medium_quality",
    "optimize_for_deployment",
    "interpretable",
    "ignore_text",
    "ignore_text_ngrams",
    "tabarena",
    "best_quality_v082",
    "high_quality_v082",
    "good_quality_v082",
    "experimental_quality_v120",
    "extreme",
    "best",
    "high",
    "good",
    "medium",
    "eq",
    "bq",
    "hq",
    "gq",
    "mq",
    "experimental",
    "experimental_quality",
    "experimental_quality_v140",
    "high_quality_fast_inference_only_refit",
    "good_quality_faster_inference_only_refit",
    "medium_quality_faster_train",
];

/// AutoGluon's documentation of both, for messages.
pub(crate) const DOCS: &str =
    "https://auto.gluon.ai/stable/api/autogluon.tabular.TabularPredictor.html";

/// `fit(presets=...)` names whose settings bag: AutoGluon 1.4's `tabular_presets_dict`
/// entries with `auto_stack: True` (best, high, good, extreme quality, tabarena and the
/// v082/v120 variants) and their aliases in `tabular_presets_alias`.
pub(crate) const BAGGED_PRESETS: &[&str] = &[
    "extreme_quality",
    "best_quality",
    "high_quality",
    "good_quality",
    "tabarena",
    "best_quality_v082",
    "high_quality_v082",
    "good_quality_v082",
    "experimental_quality_v120",
    "extreme",
    "best",
    "high",
    "good",
    "eq",
    "bq",
    "hq",
    "gq",
    "experimental",
    "experimental_quality",
    "experimental_quality_v140",
    "high_quality_fast_inference_only_refit",
    "good_quality_faster_inference_only_refit",
];

/// Whether `fit(**fit_args)` bags (fits k folds of each model), as AutoGluon decides it:
/// the fit's own `num_bag_folds` wins (2 or more bags), then its `auto_stack`, then the
/// presets (a bagged one turns `auto_stack` on).
pub(crate) fn bags(fit_args: &serde_json::Map<String, serde_json::Value>) -> bool {
    use serde_json::Value;
    if let Some(folds) = fit_args.get("num_bag_folds").filter(|v| !v.is_null()) {
        return folds.as_f64().is_some_and(|n| n >= 2.0);
    }
    if let Some(auto_stack) = fit_args.get("auto_stack").and_then(Value::as_bool) {
        return auto_stack;
    }
    let bagged = |name: &Value| name.as_str().is_some_and(|n| BAGGED_PRESETS.contains(&n));
    match fit_args.get("presets") {
        Some(Value::Array(names)) => names.iter().any(bagged),
        Some(name) => bagged(name),
        None => false,
    }
}

#[cfg(test)]
mod bagging_tests {
    use super::*;
    use serde_json::json;

    fn bags_with(value: serde_json::Value) -> bool {
        bags(value.as_object().unwrap())
    }

    #[test]
    fn folds_presets_and_auto_stack_decide_as_autogluon_does() {
        assert!(!bags_with(json!({})));
        assert!(!bags_with(json!({"presets": "medium_quality"})));
        assert!(bags_with(json!({"num_bag_folds": 2})));
        assert!(!bags_with(json!({"num_bag_folds": 1})));
        assert!(bags_with(json!({"presets": "best_quality"})));
        assert!(bags_with(json!({"presets": ["medium_quality", "gq"]})));
        // The fit's own arguments win over the presets.
        assert!(!bags_with(json!({"presets": "best_quality", "num_bag_folds": 0})));
        assert!(!bags_with(json!({"presets": "high_quality", "auto_stack": false})));
        assert!(bags_with(json!({"auto_stack": true})));
        for preset in BAGGED_PRESETS {
            assert!(PRESETS.contains(preset), "{preset} is not a known preset");
        }
    }
}
