"""Shared fixtures: real data sets, real training runs of tabular_train.py, loaded models.

Each data set is trained once per session (session-scoped fixtures), by running the
training script as a process with the SageMaker environment variables, exactly as the
local runner and the training container do. Fits are LightGBM only with a short time
limit, so the whole suite stays within a few minutes on 2 cores.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Before anything loads LightGBM's OpenMP runtime in this process (see tabular_train.py:
# spinning OpenMP threads crawl on a shared machine). Subprocesses inherit it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts" / "autogluon"
TRAIN_SCRIPT = SCRIPTS / "tabular_train.py"
SERVE_SCRIPT = SCRIPTS / "tabular_serve.py"
PYTHON = sys.executable

# LightGBM only, short: real fits, a few seconds each.
FAST_FIT = {"hyperparameters": {"GBM": {}}, "time_limit": 60}


def load_script(path: Path, name: str):
    """Import a script file as a module under ``name`` (no package needed)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- data sets


def _split(frame: pd.DataFrame, seed: int = 0, test_frac: float = 0.2):
    shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    n_test = int(round(len(shuffled) * test_frac))
    return shuffled.iloc[n_test:].reset_index(drop=True), shuffled.iloc[:n_test].reset_index(drop=True)


def sklearn_frame(name: str) -> pd.DataFrame:
    from sklearn import datasets

    loader = {"breast_cancer": datasets.load_breast_cancer, "wine": datasets.load_wine,
              "diabetes": datasets.load_diabetes}[name]
    return loader(as_frame=True).frame


def penguins_frame() -> pd.DataFrame:
    """palmerpenguins plus a free-text column: strings, missing values, text features."""
    from palmerpenguins import load_penguins

    frame = load_penguins()
    rng = np.random.default_rng(7)
    moods = ["calm", "noisy", "curious", "shy", "bold", "sleepy", "hungry", "playful"]
    frame["field_notes"] = [
        f"seen near the {island} colony, {rng.choice(moods)} and {rng.choice(moods)}; tag #{i}"
        for i, island in enumerate(frame["island"])
    ]
    frame.loc[frame.index % 17 == 3, "field_notes"] = np.nan
    # A label that is neither first nor last, so column order matters in serving.
    columns = ["island", "bill_length_mm", "species", "bill_depth_mm", "flipper_length_mm",
               "body_mass_g", "sex", "year", "field_notes"]
    return frame[columns]


@dataclass
class Case:
    name: str
    frame_fn: object
    label: str
    problem_type: str
    hps: dict
    train_files: int = 1
    feature_importance: bool = True


def _double(obj) -> str:
    """The seed's double JSON encoding."""
    return json.dumps(json.dumps(obj))


CASES = {
    # Seed-style hyperparameters (double-encoded strings), train split into several files,
    # feature importance asked for.
    "binary": Case(
        "binary", lambda: sklearn_frame("breast_cancer"), "target", "binary",
        {"init_args": _double({"label": "target", "problem_type": "binary"}),
         "fit_args": _double(FAST_FIT), "feature_importance": "true",
         "sagemaker_program": "tabular_train.py", "sagemaker_submit_directory": "s3://b/k.tar.gz"},
        train_files=3, feature_importance=True),
    # JSON strings (what States.JsonToString produces after one decoding).
    "multiclass": Case(
        "multiclass", lambda: sklearn_frame("wine"), "target", "multiclass",
        {"init_args": json.dumps({"label": "target"}), "fit_args": json.dumps(FAST_FIT)}),
    # Plain JSON objects (what the training toolkit hands over after decoding).
    "regression": Case(
        "regression", lambda: sklearn_frame("diabetes"), "target", "regression",
        {"init_args": {"label": "target", "problem_type": "regression",
                       "eval_metric": "root_mean_squared_error"},
         "fit_args": FAST_FIT, "feature_importance": False}, feature_importance=False),
    # Strings, missing values and free text; the label in the middle.
    "mixed": Case(
        "mixed", penguins_frame, "species", "multiclass",
        # Feature importance bounded as the Train machine passes Parameters.Train.FeatureImportance.
        {"init_args": {"label": "species"}, "fit_args": FAST_FIT,
         "feature_importance": json.dumps({"Enabled": True, "TimeLimit": 20, "SubsampleSize": 200})}),
}

SCORE_KEYS = {
    "binary": {"accuracy", "balanced_accuracy", "mcc", "roc_auc", "f1", "precision", "recall"},
    "multiclass": {"accuracy", "balanced_accuracy", "mcc"},
    "regression": {"root_mean_squared_error", "mean_squared_error", "mean_absolute_error", "r2",
                   "pearsonr", "median_absolute_error"},
}


def write_channel(directory: Path, frame: pd.DataFrame, files: int = 1) -> list[str]:
    """Write ``frame`` as ``files`` CSVs; returns the names in the order they must be read."""
    directory.mkdir(parents=True, exist_ok=True)
    if files == 1:
        frame.to_csv(directory / "data.csv", index=False)
        return ["data.csv"]
    # Names whose creation order differs from their sorted order, one in a sub-directory.
    names = [f"shard-{i}.csv" if i else "a/shard-9.csv" for i in range(files)]
    chunks = np.array_split(np.arange(len(frame)), files)
    for name, rows in reversed(list(zip(names, chunks))):
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        frame.iloc[rows].to_csv(directory / name, index=False)
    return sorted(names)


def json_values(frame) -> list[list]:
    """Rows as JSON-ready lists with full float precision (DataFrame.to_json rounds to 10
    digits) and None for missing values."""
    return [[None if _missing(v) else (v.item() if hasattr(v, "item") else v) for v in row]
            for row in frame.astype(object).itertuples(index=False)]


def json_records(frame) -> list[dict]:
    return [dict(zip(map(str, frame.columns), row)) for row in json_values(frame)]


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- running scripts


def train_env(root: Path, hps, *, train: Path | None = None, test: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SM_")}
    env.update({
        "SM_CHANNEL_TRAIN": str(train if train is not None else root / "train"),
        "SM_MODEL_DIR": str(root / "model"),
        "SM_OUTPUT_DATA_DIR": str(root / "output" / "data"),
        "SM_OUTPUT_FAILURE": str(root / "output" / "failure"),
        "SM_HPS": hps if isinstance(hps, str) else json.dumps(hps),
    })
    if test is not None:
        env["SM_CHANNEL_TEST"] = str(test)
    return env


def run_train(env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(TRAIN_SCRIPT)], env=env, capture_output=True, text=True,
                          timeout=timeout)


@dataclass
class Trained:
    case: Case
    root: Path
    train_df: pd.DataFrame
    test_df: pd.DataFrame
    train_names: list
    proc: subprocess.CompletedProcess
    _model: object = field(default=None, repr=False)

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def output_dir(self) -> Path:
        return self.root / "output" / "data"

    @property
    def features(self) -> pd.DataFrame:
        return self.test_df.drop(columns=[self.case.label])


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """trained(name) -> Trained: the case trained once per session by the real script."""
    cache: dict[str, Trained] = {}

    def get(name: str) -> Trained:
        if name not in cache:
            case = CASES[name]
            root = tmp_path_factory.mktemp(f"train-{name}")
            train_df, test_df = _split(case.frame_fn())
            names = write_channel(root / "train", train_df, case.train_files)
            write_channel(root / "test", test_df)
            proc = run_train(train_env(root, case.hps, test=root / "test"))
            if proc.returncode != 0:
                pytest.fail(f"training {name} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
            cache[name] = Trained(case, root, train_df, test_df, names, proc)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def serve_module():
    """tabular_serve.py imported as a module, as the inference toolkit does."""
    return load_script(SERVE_SCRIPT, "tabular_serve_under_test")


@pytest.fixture(scope="session")
def loaded(trained, serve_module):
    """loaded(name) -> (Trained, model returned by model_fn), loaded once per session."""
    cache = {}

    def get(name: str):
        if name not in cache:
            run = trained(name)
            cache[name] = (run, serve_module.model_fn(str(run.model_dir)))
        return cache[name]

    return get
