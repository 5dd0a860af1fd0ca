"""Decoding of the SageMaker hyperparameters (no training: fast)."""

from __future__ import annotations

import json

import pytest

from conftest import TRAIN_SCRIPT, load_script

tt = load_script(TRAIN_SCRIPT, "tabular_train_under_test")

OBJ = {"label": "y", "problem_type": "binary"}


@pytest.mark.parametrize(
    "value",
    [
        OBJ,  # decoded by the SageMaker training toolkit
        json.dumps(OBJ),  # States.JsonToString of an object
        json.dumps(json.dumps(OBJ)),  # the seed's hand-made double encoding
        json.dumps(json.dumps(json.dumps(OBJ))),
    ],
    ids=["object", "json-string", "double-encoded", "triple-encoded"],
)
def test_json_object_in_every_encoding(value):
    assert tt.decode_json_object("init_args", value) == OBJ


def test_seed_example_value_decodes():
    # Exactly what the seed's example input holds once Step Functions passed it through.
    seed = "\"{\\\"presets\\\": \\\"medium_quality_faster_train\\\"}\""
    assert tt.decode_json_object("fit_args", seed) == {"presets": "medium_quality_faster_train"}


@pytest.mark.parametrize(
    "value, words",
    [
        ("{not json", ["fit_args", "not valid JSON"]),
        ("[1, 2]", ["fit_args", "JSON object", "array"]),
        (json.dumps("[1]"), ["fit_args", "array"]),
        (5, ["fit_args", "number"]),
        (json.dumps("just text"), ["fit_args", "not valid JSON"]),
    ],
)
def test_bad_json_names_the_hyperparameter(value, words):
    with pytest.raises(tt.UserError) as err:
        tt.decode_json_object("fit_args", value)
    for word in words:
        assert word in str(err.value)


def test_missing_fit_args_is_empty_and_sagemaker_keys_are_ignored():
    init, fit, importance = tt.parse_hyperparameters(
        {"init_args": {"label": "y"}, "sagemaker_program": "tabular_train.py",
         "sagemaker_region": "eu-west-1", "sagemaker_submit_directory": "s3://x/y.tar.gz"})
    assert init == {"label": "y"} and fit == {}
    # Feature importance is on by default, within a time budget.
    assert importance == tt.Importance(True, tt.DEFAULT_IMPORTANCE_TIME_LIMIT,
                                       tt.DEFAULT_IMPORTANCE_SUBSAMPLE_SIZE)


@pytest.mark.parametrize("value, expected", [(True, True), (False, False), ("true", True),
                                             ("false", False), ("True", True), ('"true"', True)])
def test_feature_importance_flag(value, expected):
    assert tt.parse_hyperparameters({"init_args": {"label": "y"}, "feature_importance": value})[2].enabled is expected


@pytest.mark.parametrize("hps, expected", [
    ({"feature_importance_time_limit": "2.5"}, (2.5, 5000)),
    ({"feature_importance_time_limit": 7, "feature_importance_subsample_size": "300"}, (7.0, 300)),
    ({"feature_importance_subsample_size": 1}, (60.0, 1)),
    ({"feature_importance_time_limit": "", "feature_importance_subsample_size": None}, (60.0, 5000)),
])
def test_feature_importance_budget(hps, expected):
    """The flat hyperparameters, as a person passes them."""
    options = tt.parse_hyperparameters({"init_args": {"label": "y"}, **hps})[2]
    assert (options.time_limit, options.subsample_size) == expected
    assert options.enabled


@pytest.mark.parametrize("value, expected", [
    # What the Train machine passes: States.JsonToString(Parameters.Train.FeatureImportance).
    ('{"Enabled":true,"TimeLimit":30,"SubsampleSize":1000}', (True, 30.0, 1000)),
    ('{"Enabled":false}', (False, 60.0, 5000)),
    ({"TimeLimit": "2.5"}, (True, 2.5, 5000)),
    ("{}", (True, 60.0, 5000)),
])
def test_feature_importance_object(value, expected):
    options = tt.parse_hyperparameters({"init_args": {"label": "y"}, "feature_importance": value})[2]
    assert tuple(options) == expected


@pytest.mark.parametrize(
    "hps, words",
    [
        ({}, ["init_args", "required"]),
        ({"init_args": {"problem_type": "binary"}}, ["init_args", "label"]),
        ({"init_args": json.dumps(json.dumps({"eval_metric": "accuracy"}))}, ["label"]),
        ({"init_args": {"label": 3}}, ["label", "string"]),
        ({"init_args": {"label": "y"}, "feature_importance": "maybe"}, ["feature_importance"]),
        ({"init_args": {"label": "y"}, "feature_importance_time_limit": "soon"},
         ["feature_importance_time_limit", "a number", "soon"]),
        ({"init_args": {"label": "y"}, "feature_importance_time_limit": "0"},
         ["feature_importance_time_limit", "greater than 0"]),
        ({"init_args": {"label": "y"}, "feature_importance_time_limit": "nan"},
         ["feature_importance_time_limit", "a number"]),
        ({"init_args": {"label": "y"}, "feature_importance_subsample_size": "1.5"},
         ["feature_importance_subsample_size", "an integer"]),
        ({"init_args": {"label": "y"}, "feature_importance_subsample_size": 0},
         ["feature_importance_subsample_size", "at least 1"]),
        ({"init_args": {"label": "y"}, "feature_importance_subsample_size": True},
         ["feature_importance_subsample_size", "an integer"]),
        ({"init_args": {"label": "y"}, "feature_importance": '{"Budget": 5}'},
         ["feature_importance", "unknown key 'Budget'", "TimeLimit"]),
        ({"init_args": {"label": "y"}, "feature_importance": '{"TimeLimit": -1}'},
         ["feature_importance_time_limit", "greater than 0"]),
        ({"init_args": {"label": "y"}, "feature_importance": '{"Enabled": "perhaps"}'},
         ["feature_importance", "true or false"]),
        ({"init_args": {"label": "y"}, "feature_importance": '{"TimeLimit": 5'},
         ["feature_importance", "not valid JSON"]),
    ],
)
def test_bad_hyperparameters(hps, words):
    with pytest.raises(tt.UserError) as err:
        tt.parse_hyperparameters(hps)
    for word in words:
        assert word in str(err.value)


def test_hyperparameters_file_when_sm_hps_is_unset(tmp_path):
    (tmp_path / "hyperparameters.json").write_text(json.dumps({"init_args": json.dumps({"label": "y"})}))
    hps = tt.load_hyperparameters({"SM_INPUT_CONFIG_DIR": str(tmp_path)})
    assert tt.parse_hyperparameters(hps)[0] == {"label": "y"}


def test_failure_file_location_is_overridable(tmp_path):
    assert tt.failure_path({"SM_OUTPUT_FAILURE": str(tmp_path / "f")}) == tmp_path / "f"
    assert tt.failure_path({"SM_OUTPUT_FAILURE": ""}) is None
    assert tt.failure_path({"SM_OUTPUT_DIR": str(tmp_path)}) == tmp_path / "failure"
