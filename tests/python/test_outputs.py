"""What training keeps in SM_OUTPUT_DATA_DIR beside scores.json: the leaderboard on the test
set, feature importance within its time budget, the data summary. Real fits (the session
fixtures of conftest.py) plus two small runs of their own."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import CASES, FAST_FIT, _split, load_script, run_train, sklearn_frame, train_env, write_channel, TRAIN_SCRIPT

ALL = list(CASES)
tt = load_script(TRAIN_SCRIPT, "tabular_train_outputs")

# Two kinds of models, so the leaderboard has more than one row beside the ensemble.
TWO_MODELS = {"hyperparameters": {"GBM": {}, "RF": {"n_estimators": 20}}, "time_limit": 60}


@pytest.mark.parametrize("name", ALL)
def test_leaderboard_on_the_test_set(trained, name):
    run = trained(name)
    board = pd.read_csv(run.output_dir / "leaderboard.csv")
    assert tuple(board.columns) == tt.LEADERBOARD_COLUMNS
    assert len(board) >= 1 and board["model"].is_unique
    # Test scores really are test-set scores: the best model's equals scores.json's metric.
    summary = json.loads((run.output_dir / "training_summary.json").read_text())
    scores = json.loads((run.output_dir / "scores.json").read_text())
    best = board.set_index("model").loc[summary["best_model"]]
    assert best["score_test"] == pytest.approx(scores[summary["eval_metric"]], rel=1e-9)
    assert set(board["eval_metric"]) == {summary["eval_metric"]}
    assert (board["fit_time"] >= 0).all() and (board["pred_time_test"] >= 0).all()
    assert set(board["stack_level"]) <= {1, 2, 3}
    assert board["score_val"].notna().all()


@pytest.mark.parametrize("name", ALL)
def test_feature_importance_ranks_the_data_sets_columns(trained, name):
    run = trained(name)
    path = run.output_dir / "feature_importance.csv"
    info = json.loads((run.output_dir / "training_summary.json").read_text())["feature_importance"]
    if not run.case.feature_importance:
        assert not path.exists()
        assert info == {"computed": False, "data": None, "time_limit": None, "subsample_size": None,
                        "seconds": None, "shuffle_sets": None, "rows": None}
        return
    table = pd.read_csv(path)
    assert list(table.columns) == ["feature", "importance", "stddev", "p_value", "n", "p99_high", "p99_low"]
    assert sorted(table["feature"]) == sorted(run.features.columns)
    assert list(table["importance"]) == sorted(table["importance"], reverse=True)
    # The model learned something, so shuffling its best feature hurts.
    assert table["importance"].iloc[0] > 0
    assert info["computed"] and info["data"] == "test" and info["seconds"] >= 0
    assert info["shuffle_sets"] == table["n"].max() >= 1
    # Every shuffle set sampled the rows recorded: all of the test set when it fits.
    assert 1 <= info["rows"] <= min(len(run.test_df), info["subsample_size"])


def test_feature_importance_is_on_by_default_and_its_budget_is_recorded(trained):
    info = json.loads((trained("multiclass").output_dir / "training_summary.json").read_text())["feature_importance"]
    assert info["time_limit"] == tt.DEFAULT_IMPORTANCE_TIME_LIMIT
    assert info["subsample_size"] == tt.DEFAULT_IMPORTANCE_SUBSAMPLE_SIZE
    mixed = json.loads((trained("mixed").output_dir / "training_summary.json").read_text())["feature_importance"]
    assert (mixed["time_limit"], mixed["subsample_size"]) == (20.0, 200)
    assert mixed["seconds"] < 20 + 15  # one shuffle set may run past the budget, not far


def test_a_tight_time_budget_bounds_the_shuffle_sets(tmp_path, trained):
    """Same data and model as the multiclass case, a budget far below one shuffle set: only
    the one shuffle set AutoGluon always completes."""
    case = CASES["multiclass"]
    train_df, test_df = _split(case.frame_fn())
    write_channel(tmp_path / "train", train_df)
    write_channel(tmp_path / "test", test_df)
    hps = {"init_args": {"label": "target"}, "fit_args": FAST_FIT,
           "feature_importance_time_limit": 0.001}
    proc = run_train(train_env(tmp_path, hps, test=tmp_path / "test"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    info = json.loads((tmp_path / "output" / "data" / "training_summary.json").read_text())["feature_importance"]
    assert info["computed"] and info["time_limit"] == 0.001
    assert info["shuffle_sets"] == 1
    unbounded = json.loads((trained("multiclass").output_dir / "training_summary.json").read_text())
    assert unbounded["feature_importance"]["shuffle_sets"] > 1
    table = pd.read_csv(tmp_path / "output" / "data" / "feature_importance.csv")
    assert set(table["n"]) == {1} and sorted(table["feature"]) == sorted(c for c in train_df if c != "target")


@pytest.mark.parametrize("name", ALL)
def test_data_summary(trained, name):
    run = trained(name)
    data = json.loads((run.output_dir / "data_summary.json").read_text())
    assert data["format_version"] == 1 and data["label"] == run.case.label
    for key, frame in (("train", run.train_df), ("test", run.test_df)):
        part = data[key]
        assert (part["rows"], part["columns"]) == frame.shape
        assert [c["name"] for c in part["column_summaries"]] == list(frame.columns)
        for column in part["column_summaries"]:
            series = frame[column["name"]]
            assert column["role"] == ("label" if column["name"] == run.case.label else "feature")
            assert column["missing"] == int(series.isna().sum())
            assert column["distinct"] == series.nunique()
            assert column["dtype"] == str(series.dtype)
            assert column["type"] == tt.feature_type(series.dtype)
            if series.dtype.kind in "iuf":
                assert column["min"] == series.min() and column["max"] == series.max()
                assert column["mean"] == pytest.approx(series.mean())
            else:
                assert column["min"] is column["max"] is column["mean"] is None
    assert data["train"]["files"] == run.train_names and data["test"]["files"] == ["data.csv"]


def test_data_summary_counts_missing_values(trained):
    columns = {c["name"]: c for c in json.loads((trained("mixed").output_dir / "data_summary.json")
                                                .read_text())["train"]["column_summaries"]}
    assert columns["field_notes"]["missing"] > 0 and columns["field_notes"]["type"] == "string"
    assert columns["sex"]["missing"] > 0 and columns["bill_length_mm"]["type"] == "float"


def test_problem_type_and_classes_are_kept(trained):
    for name in ALL:
        run = trained(name)
        summary = json.loads((run.output_dir / "training_summary.json").read_text())
        assert summary["problem_type"] == run.case.problem_type
        if run.case.problem_type == "regression":
            assert summary["class_labels"] is None
        else:
            assert sorted(summary["class_labels"]) == sorted(run.train_df[run.case.label].dropna().unique().tolist())


def test_feature_importance_off_and_several_models(tmp_path):
    """feature_importance "false" (SageMaker's string form) writes no importance; two model
    kinds give a leaderboard of at least three rows (two models and their ensemble)."""
    train_df, test_df = _split(sklearn_frame("breast_cancer"))
    write_channel(tmp_path / "train", train_df)
    write_channel(tmp_path / "test", test_df)
    hps = {"init_args": json.dumps({"label": "target"}), "fit_args": json.dumps(TWO_MODELS),
           "feature_importance": "false"}
    proc = run_train(train_env(tmp_path, hps, test=tmp_path / "test"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "output" / "data"
    assert not (out / "feature_importance.csv").exists()
    assert "feature importance" not in proc.stderr
    board = pd.read_csv(out / "leaderboard.csv")
    assert {"LightGBM", "RandomForest"} <= set(board["model"]) and len(board) >= 3
    assert board["score_test"].notna().all()
    assert sorted(p.name for p in out.iterdir()) == [
        "data_summary.json", "leaderboard.csv", "predictions.csv", "scores.json", "training_summary.json"]
