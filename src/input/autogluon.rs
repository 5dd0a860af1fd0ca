//! The keyword arguments AutoGluon's `TabularPredictor(...)` (InitArgs) and
//! `TabularPredictor.fit(...)` (FitArgs) accept, and the presets `fit` knows. AutoGluon
//! refuses anything else, minutes into a training job; this catches it before the start.
//! Taken from AutoGluon 1.6 (the training script supports 1.4 to 1.6); keys starting
//! with `_` (AutoGluon's private options) are let through.

use Bagging::{Bags, NoBagging};

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

/// `fit(presets=...)` names, aliases included, and whether the preset's settings bag:
/// AutoGluon 1.4's `tabular_presets_dict` entries with `auto_stack: True` (best, high,
/// good, extreme quality, tabarena and the v082/v120 variants) and their aliases in
/// `tabular_presets_alias` bag.
pub(crate) const PRESETS: &[(&str, Bagging)] = &[
    ("extreme_quality", Bags),
    ("best_quality", Bags),
    ("high_quality", Bags),
    ("good_quality", Bags),
    ("medium_quality", NoBagging),
    ("optimize_for_deployment", NoBagging),
    ("interpretable", NoBagging),
    ("ignore_text", NoBagging),
    ("ignore_text_ngrams", NoBagging),
    ("tabarena", Bags),
    ("best_quality_v082", Bags),
    ("high_quality_v082", Bags),
    ("good_quality_v082", Bags),
    ("experimental_quality_v120", Bags),
    ("extreme", Bags),
    ("best", Bags),
    ("high", Bags),
    ("good", Bags),
    ("medium", NoBagging),
    ("eq", Bags),
    ("bq", Bags),
    ("hq", Bags),
    ("gq", Bags),
    ("mq", NoBagging),
    ("experimental", Bags),
    ("experimental_quality", Bags),
    ("experimental_quality_v140", Bags),
    ("high_quality_fast_inference_only_refit", Bags),
    ("good_quality_faster_inference_only_refit", Bags),
    ("medium_quality_faster_train", NoBagging),
];

/// Whether a preset turns bagging (`auto_stack`) on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Bagging {
    Bags,
    NoBagging,
}

/// The names `fit(presets=...)` knows.
pub(crate) fn preset_names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|(name, _)| *name)
}

/// AutoGluon's documentation of both, for messages.
pub(crate) const DOCS: &str =
    "https://auto.gluon.ai/stable/api/autogluon.tabular.TabularPredictor.html";

/// The model keys of `fit(hyperparameters={...})`: AutoGluon 1.4's model registry
/// (`autogluon.tabular.registry.ag_model_registry.keys`, printed from the test
/// environment's AutoGluon 1.4.0). An unknown key makes `fit` raise minutes in.
pub(crate) const MODEL_KEYS: &[&str] = &[
    "AG_AUTOMM",
    "AG_IMAGE_NN",
    "AG_TEXT_NN",
    "CAT",
    "DUMMY",
    "ENS_WEIGHTED",
    "FASTAI",
    "FASTTEXT",
    "FT_TRANSFORMER",
    "GBM",
    "IM_BOOSTEDRULES",
    "IM_FIGS",
    "IM_GREEDYTREE",
    "IM_HSTREE",
    "IM_RULEFIT",
    "KNN",
    "LR",
    "MITRA",
    "NN_TORCH",
    "REALMLP",
    "RF",
    "SIMPLE_ENS_WEIGHTED",
    "TABICL",
    "TABM",
    "TABPFNMIX",
    "TABPFNV2",
    "XGB",
    "XT",
];

/// `fit(hyperparameters="...")` names: AutoGluon 1.4's
/// `autogluon.tabular.configs.hyperparameter_configs.hyperparameter_config_dict`.
pub(crate) const HYPERPARAMETER_PRESETS: &[&str] = &[
    "default",
    "experimental",
    "experimental_2024",
    "interpretable",
    "light",
    "multimodal",
    "toy",
    "very_light",
    "zeroshot",
    "zeroshot_2023",
    "zeroshot_2025_tabfm",
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
    let bagged = |name: &Value| {
        PRESETS
            .iter()
            .any(|(preset, bagging)| name.as_str() == Some(*preset) && *bagging == Bags)
    };
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
        assert!(!bags_with(
            json!({"presets": "best_quality", "num_bag_folds": 0})
        ));
        assert!(!bags_with(
            json!({"presets": "high_quality", "auto_stack": false})
        ));
        assert!(bags_with(json!({"auto_stack": true})));
    }
}
