"""tabular_train.py run as SageMaker runs it, on real data, with real fits."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from conftest import CASES, FAST_FIT, SCORE_KEYS, SERVE_SCRIPT, run_train, train_env, write_channel

ALL = list(CASES)


@pytest.mark.parametrize("name", ALL)
def test_model_dir_layout(trained, name):
    run = trained(name)
    model = run.model_dir
    assert (model / "predictor.pkl").is_file()
    assert (model / "code" / "tabular_serve.py").read_bytes() == SERVE_SCRIPT.read_bytes()
    meta = json.loads((model / "serving_metadata.json").read_text())
    assert meta["label"] == run.case.label
    assert meta["feature_columns"] == [c for c in run.train_df.columns if c != run.case.label]
    assert set(meta["feature_types"]) == set(meta["feature_columns"])
    assert meta["problem_type"] == run.case.problem_type
    # No requirements.txt in code/: the inference toolkit would pip-install it.
    assert sorted(p.name for p in (model / "code").iterdir() if p.name != "__pycache__") == ["tabular_serve.py"]


@pytest.mark.parametrize("name", ALL)
def test_scores_are_exactly_evaluate_on_test(trained, loaded, name):
    run = trained(name)
    scores = json.loads((run.output_dir / "scores.json").read_text())
    assert set(scores) == SCORE_KEYS[run.case.problem_type]
    assert all(type(v) is float and math.isfinite(v) for v in scores.values())
    _, model = loaded(name)
    expected = model.predictor.evaluate(run.test_df)
    assert scores == pytest.approx({k: float(v) for k, v in expected.items()}, rel=1e-9, abs=1e-12)
    if run.case.problem_type == "regression":
        # AutoGluon's higher-is-better convention: losses are negative.
        assert scores["root_mean_squared_error"] < 0 and scores["mean_absolute_error"] < 0
    else:
        assert scores["accuracy"] > 0.8  # these data sets are easy: the model really learned


@pytest.mark.parametrize("name", ALL)
def test_reports(trained, name):
    run = trained(name)
    out = run.output_dir
    summary = json.loads((out / "training_summary.json").read_text())
    assert summary["label"] == run.case.label
    assert summary["problem_type"] == run.case.problem_type
    assert summary["train_rows"] == len(run.train_df) and summary["test_rows"] == len(run.test_df)
    assert summary["train_files"] == run.train_names
    assert summary["best_model"] and summary["eval_metric"] and summary["autogluon_version"].startswith("1.")

    board = pd.read_csv(out / "leaderboard.csv")
    assert {"model", "score_test", "score_val"} <= set(board.columns)
    assert summary["best_model"] in set(board["model"])

    preds = pd.read_csv(out / "predictions.csv")
    assert len(preds) == len(run.test_df)
    assert list(preds["actual"]) == list(run.test_df[run.case.label])
    if run.case.problem_type == "regression":
        assert list(preds.columns) == ["actual", "prediction"]
    else:
        classes = json.loads((run.model_dir / "serving_metadata.json").read_text())["class_labels"]
        assert list(preds.columns) == ["actual", "prediction"] + [str(c) for c in classes]
        assert preds[[str(c) for c in classes]].sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-5)

    importance = out / "feature_importance.csv"
    assert importance.exists() == run.case.feature_importance
    if run.case.feature_importance:
        table = pd.read_csv(importance)
        assert table.columns[0] == "feature" and "importance" in table.columns
        assert set(table["feature"]) == set(run.features.columns)
        assert (out / "data_summary.json").is_file()


def test_a_successful_run_writes_no_failure_file(trained):
    run = trained("binary")
    assert not (run.root / "output" / "failure").exists()


# --------------------------------------------------------------------------- bad input


def _small(frame_rows: int = 40) -> pd.DataFrame:
    return pd.DataFrame({"a": range(frame_rows), "b": [i % 3 for i in range(frame_rows)],
                         "y": [i % 2 for i in range(frame_rows)]})


def _fails(tmp_path, hps, *, train=None, test=None, words=()):
    """Run the script; assert it fails cleanly with a one-line message naming ``words``."""
    if train is None:
        train = tmp_path / "train"
        write_channel(train, _small())
    proc = run_train(train_env(tmp_path, hps, train=train, test=test), timeout=120)
    assert proc.returncode == 2, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ")
    message = last[len("error: "):]
    assert (tmp_path / "output" / "failure").read_text() == message
    for word in words:
        assert word in message, message
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "model" / "predictor.pkl").exists()
    return message


def test_label_missing_from_init_args(tmp_path):
    _fails(tmp_path, {"init_args": {"problem_type": "binary"}, "fit_args": FAST_FIT},
           words=["init_args", "label"])


def test_label_missing_from_the_data(tmp_path):
    _fails(tmp_path, {"init_args": {"label": "target"}}, words=["'target'", "not a column", "a, b, y"])


def test_header_only_data(tmp_path):
    train = tmp_path / "train"
    train.mkdir()
    (train / "data.csv").write_text("a,b,y\n")
    _fails(tmp_path, {"init_args": {"label": "y"}}, train=train, words=["train", "no data rows"])


def test_empty_file(tmp_path):
    train = tmp_path / "train"
    train.mkdir()
    (train / "data.csv").write_text("")
    _fails(tmp_path, {"init_args": {"label": "y"}}, train=train, words=["train", "data.csv", "empty"])


def test_channel_without_csv(tmp_path):
    train = tmp_path / "train"
    train.mkdir()
    (train / "data.parquet").write_bytes(b"PAR1")
    _fails(tmp_path, {"init_args": {"label": "y"}}, train=train, words=["no CSV file", "data.parquet"])


def test_empty_channel(tmp_path):
    (tmp_path / "train").mkdir()
    _fails(tmp_path, {"init_args": {"label": "y"}}, train=tmp_path / "train", words=["no CSV file", "empty"])


def test_files_of_a_channel_with_different_columns(tmp_path):
    train = tmp_path / "train"
    write_channel(train, _small())
    _small().rename(columns={"b": "c"}).to_csv(train / "more.csv", index=False)
    _fails(tmp_path, {"init_args": {"label": "y"}}, train=train, words=["more.csv", "different columns"])


def test_test_set_with_other_columns(tmp_path):
    test = tmp_path / "test"
    write_channel(test, _small().drop(columns=["b"]).assign(z=1))
    _fails(tmp_path, {"init_args": {"label": "y"}}, test=test,
           words=["test set", "missing b", "unexpected z"])


def test_test_set_without_label(tmp_path):
    test = tmp_path / "test"
    write_channel(test, _small().drop(columns=["y"]))
    _fails(tmp_path, {"init_args": {"label": "y"}}, test=test, words=["test set", "missing y"])


def test_fit_args_not_json(tmp_path):
    _fails(tmp_path, {"init_args": {"label": "y"}, "fit_args": "{time_limit: 5}"},
           words=["fit_args", "not valid JSON"])


def test_sm_hps_not_json(tmp_path):
    _fails(tmp_path, "{init_args", words=["SM_HPS", "not valid JSON"])


def test_init_args_rejected_by_autogluon(tmp_path):
    _fails(tmp_path, {"init_args": {"label": "y", "no_such_argument": 1}},
           words=["init_args", "no_such_argument"])


def test_without_a_test_channel(tmp_path):
    write_channel(tmp_path / "train", _small(60))
    proc = run_train(train_env(tmp_path, {"init_args": {"label": "y"}, "fit_args": FAST_FIT}))
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "output" / "data"
    assert not (out / "scores.json").exists() and not (out / "predictions.csv").exists()
    board = pd.read_csv(out / "leaderboard.csv")
    assert "score_val" in board.columns and "score_test" not in board.columns
    data = json.loads((out / "data_summary.json").read_text())
    assert data["test"] is None and data["train"]["rows"] == 60
    # Feature importance (on by default) falls back to the training set.
    assert json.loads((out / "training_summary.json").read_text())["feature_importance"]["data"] == "train"
    summary = json.loads((out / "training_summary.json").read_text())
    assert summary["test_rows"] is None and summary["scores"] is None
    assert (tmp_path / "model" / "serving_metadata.json").is_file()
