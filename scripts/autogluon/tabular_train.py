#!/usr/bin/env python3
"""Train an AutoGluon TabularPredictor: the training entry point of `automl`.

Runs inside the SageMaker AutoGluon training container (AutoGluon 1.4 - 1.6, Python 3.11+,
started by the SageMaker training toolkit as ``python tabular_train.py --<hp> <value> ...``;
the command-line arguments are ignored, SM_HPS is read instead) and, unchanged, on a
developer machine (``automl run --local`` starts it as a plain process with the same
environment variables).

Usage
-----
    python tabular_train.py          # everything comes from the environment below
    python tabular_train.py --help   # this text

Environment (as set by SageMaker; the local runner sets the same variables)
--------------------------------------------------------------------------
SM_CHANNEL_TRAIN     directory (or single file) holding the training CSV(s). Required.
SM_CHANNEL_TEST      directory (or single file) holding the test CSV(s). Optional, but
                     without it no scores.json / predictions.csv is written.
SM_MODEL_DIR         where the model is written (SageMaker tars it into model.tar.gz).
SM_OUTPUT_DATA_DIR   where the reports are written (SageMaker tars it into output.tar.gz).
SM_HPS               the hyperparameters, one JSON object. When unset,
                     $SM_INPUT_CONFIG_DIR/hyperparameters.json (default
                     /opt/ml/input/config/hyperparameters.json) is read instead.
SM_OUTPUT_FAILURE    file that receives the one-line error message on failure. When unset:
                     $SM_OUTPUT_DIR/failure, else /opt/ml/output/failure if /opt/ml/output
                     exists (SageMaker reports that file as the job's FailureReason), else
                     none. Set it to an empty string to write no failure file.
SM_HOSTS, SM_CURRENT_HOST   with several hosts the job is one Ray cluster that AutoGluon
                     spreads the bagged folds over, and then the feature importance
                     (a block of features per host): the first host fits and writes
                     everything below, the others serve until it is done (ray_cluster.py
                     beside this script says how; AG_MODEL_SYNC_PATH or AUTOML_SHARED_DIR
                     is then required). With one host, nothing changes.
Inside a container (/opt/ml present) the SM_* directories default to the usual /opt/ml paths.
OMP_WAIT_POLICY      outside a container it defaults to PASSIVE (see
                     _passive_openmp_outside_sagemaker); for speed on a dedicated machine,
                     set it to ACTIVE, and pass fit_args {"num_cpus": N} to cap the cores.

Hyperparameters (keys of SM_HPS)
--------------------------------
init_args           keyword arguments of ``TabularPredictor(...)``; must contain ``label``.
                    Its ``path`` is ignored: the predictor is always saved in SM_MODEL_DIR.
fit_args            keyword arguments of ``TabularPredictor.fit(train, ...)``; missing = {}.
                    Both may be a JSON object, a JSON string of an object, or a JSON string of
                    a JSON string of an object (the seed's double encoding): strings are
                    decoded repeatedly until an object results.
feature_importance  true/false (a bool or the strings "true"/"false"); default true:
                    permutation importance of every feature, on the test set (on the
                    training set when there is no test channel), within the time budget below.
                    Or an object (or its JSON text) {"Enabled": bool, "TimeLimit": seconds,
                    "SubsampleSize": rows}, every key optional: Parameters.Train.FeatureImportance
                    as the Train machine passes it; its keys set the two below.
feature_importance_time_limit
                    seconds (a number > 0, or its string) the importance may take; default
                    60. AutoGluon completes its first shuffle set (one pass over every
                    feature) whatever its budget, so when timing one feature says that
                    pass would not fit, fewer rows are sampled (never below 100); the
                    budget then bounds the number of further shuffle sets (at most 10).
                    With several hosts the features are split over every host's node
                    (feature_importance.py says how).
feature_importance_subsample_size
                    rows (an integer >= 1, or its string) the importance is computed on,
                    sampled from the data; default 5000 (AutoGluon's own default).
sagemaker_*         set by SageMaker itself; ignored. Any other key is warned about and ignored.

Input data
----------
A channel is a CSV file or a directory of them (``*.csv`` or ``*.csv.gz``, searched
recursively, hidden files skipped, other files ignored with a warning). Several files are
read in lexicographic order of their path inside the channel and concatenated; they must
have the same columns (their order may differ: the first file's order wins). Files have a
header row. Numbers are parsed exactly (pandas float_precision="round_trip"), as the
serving script parses them. Every column other than the label is a feature. The test set must have exactly
the training columns (label included).

Outputs
-------
SM_MODEL_DIR/
    (AutoGluon predictor files)  ``TabularPredictor.load(SM_MODEL_DIR)`` works, from any
                                 path the directory is moved or untarred to.
    serving_metadata.json        {"format_version": 1, "label": str,
                                  "feature_columns": [str, ...]  (training order, label removed),
                                  "feature_types": {column: "integer"|"float"|"bool"|"string"},
                                  "problem_type": str, "class_labels": [...] | null,
                                  "autogluon_version": str}
    code/tabular_serve.py        the serving script (SAGEMAKER_PROGRAM=tabular_serve.py).
SM_OUTPUT_DATA_DIR/
    scores.json                  FLAT object metric -> float: exactly predictor.evaluate(test)
                                 (higher is better: losses are negative); metrics whose value
                                 is not a finite number are dropped (listed in the summary).
    training_summary.json        problem_type, label, eval_metric, best_model,
                                 autogluon_version, python_version, train_rows, test_rows,
                                 train_files, test_files, feature_columns, class_labels
                                 (null unless binary/multiclass), fit_seconds, scores,
                                 dropped_scores, "feature_importance": {"computed": bool,
                                 "data": "test"|"train"|null, "time_limit", "subsample_size",
                                 "seconds", "shuffle_sets", "rows" (sampled per shuffle
                                 set)} (null numbers when not computed);
                                 with several hosts also hosts: {head, formed_seconds, sync,
                                 per_host: {host: {node_id, folds, fold_seconds, models,
                                 parallel_model_fits, importance_features,
                                 importance_seconds}}} (from Ray's task records and the node
                                 id each importance task reported).
    leaderboard.csv              one row per model, best first:
                                 predictor.leaderboard(test, extra_info=True) restricted to
                                 LEADERBOARD_COLUMNS (model, score_test, score_val,
                                 eval_metric, pred_time_test, pred_time_val, fit_time, the
                                 three *_marginal times, stack_level, can_infer, fit_order,
                                 model_type, num_features, memory_size). Without a test
                                 channel: the same without score_test and pred_time_test*.
                                 Scores are higher-is-better (losses negative).
    predictions.csv              header ``actual,prediction[,<class label>...]``, one row per
                                 test row: true value, prediction, class probabilities.
    feature_importance.csv       unless feature_importance is false: index column
                                 ``feature`` (every feature column, most important first)
                                 then AutoGluon's importance, stddev, p_value, n, p99_high,
                                 p99_low (computed on test, or on train without a test
                                 channel).
    data_summary.json            {"format_version": 1, "label": str, "train": SET,
                                  "test": SET | null}; SET = {"rows", "columns", "files",
                                  "column_summaries": [{"name", "role" ("label"|"feature"),
                                  "type" (as in feature_types), "dtype" (pandas), "missing",
                                  "distinct", "min", "max", "mean" (numbers for numeric
                                  columns, else null)}, ...] in training column order}.
                                 The test set is summarised as used (rows without a label
                                 dropped).

Exit status: 0 on success; 2 on bad input (hyperparameters, data), 1 on any other failure.
On failure the last line on stderr is ``error: <one-line message>`` and the same message is
written to the failure file.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import NamedTuple

# ray_cluster.py sits beside this script (in the scripts archive and in the repository);
# put its directory on the path also when this file is imported from elsewhere (tests).
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import feature_importance  # noqa: E402 - the permutation importance, in its budget, spread
import ray_cluster  # noqa: E402 - several hosts as one Ray cluster; idle with one host

SERVING_METADATA_FILE = "serving_metadata.json"
SERVING_SCRIPT = "tabular_serve.py"
FORMAT_VERSION = 1
KNOWN_HYPERPARAMETERS = ("init_args", "fit_args", "feature_importance",
                         "feature_importance_time_limit", "feature_importance_subsample_size")
DEFAULT_IMPORTANCE_TIME_LIMIT = 60.0
DEFAULT_IMPORTANCE_SUBSAMPLE_SIZE = 5000
# The scalar columns of predictor.leaderboard(extra_info=True) that leaderboard.csv keeps, in
# this order (AutoGluon 1.4); the others hold lists and dicts (features, hyperparameters).
LEADERBOARD_COLUMNS = (
    "model", "score_test", "score_val", "eval_metric", "pred_time_test", "pred_time_val",
    "fit_time", "pred_time_test_marginal", "pred_time_val_marginal", "fit_time_marginal",
    "stack_level", "can_infer", "fit_order", "model_type", "num_features", "memory_size",
)
# SageMaker caps FailureReason at 1024 characters.
MAX_FAILURE_CHARS = 1024


class UserError(Exception):
    """A problem with the job's input (hyperparameters or data): exit status 2."""


def log(message: str) -> None:
    print(f"tabular_train: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- hyperparameters


def decode_json_object(name: str, value, *, default=None, max_depth: int = 5) -> dict:
    """Decode hyperparameter ``name`` into a dict.

    Accepts a dict, a JSON string of a dict, or a JSON string of such a string (repeatedly,
    up to ``max_depth`` levels). ``None``, "" and "null" give ``default`` when one is given.
    """
    current = value
    for _ in range(max_depth + 1):
        if isinstance(current, dict):
            return current
        if current is None or (isinstance(current, str) and current.strip() in ("", "null")):
            if default is not None:
                return dict(default)
            raise UserError(f"hyperparameter {name} is required (a JSON object)")
        if not isinstance(current, str):
            raise UserError(
                f"hyperparameter {name} must be a JSON object, got {_json_type(current)}: "
                f"{_short(json.dumps(current))}"
            )
        try:
            current = json.loads(current)
        except json.JSONDecodeError as err:
            raise UserError(
                f"hyperparameter {name} is not valid JSON ({err.msg} at character {err.pos}): "
                f"{_short(current)}"
            ) from None
    raise UserError(f"hyperparameter {name} is JSON-encoded more than {max_depth} times")


def parse_bool(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str):
        text = value.strip().strip('"').strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no", ""):
            return False
    raise UserError(f"hyperparameter {name} must be true or false, got {_short(json.dumps(value))}")


class Importance(NamedTuple):
    """What the feature_importance* hyperparameters ask for."""

    enabled: bool = True
    time_limit: float = DEFAULT_IMPORTANCE_TIME_LIMIT
    subsample_size: int = DEFAULT_IMPORTANCE_SUBSAMPLE_SIZE


def parse_number(name: str, value, *, integer: bool, minimum: float, strict: bool):
    """A number hyperparameter (SageMaker hands every hyperparameter over as a string)."""
    text = value.strip().strip('"').strip() if isinstance(value, str) else value
    number = None
    if isinstance(text, bool):
        number = None
    elif isinstance(text, (int, float)):
        number = text
    elif isinstance(text, str):
        try:
            number = float(text)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        kind = "an integer" if integer else "a number"
        raise UserError(f"hyperparameter {name} must be {kind}, got {_short(json.dumps(value))}")
    if integer and number != int(number):
        raise UserError(f"hyperparameter {name} must be an integer, got {_short(json.dumps(value))}")
    if number < minimum or (strict and number == minimum):
        bound = f"greater than {minimum:g}" if strict else f"at least {minimum:g}"
        raise UserError(f"hyperparameter {name} must be {bound}, got {_short(json.dumps(value))}")
    return int(number) if integer else float(number)


# The keys of the object form of feature_importance: Parameters.Train.FeatureImportance as
# the Train machine passes it (States.JsonToString), and their flat hyperparameter twins.
IMPORTANCE_KEYS = {"Enabled": "feature_importance", "TimeLimit": "feature_importance_time_limit",
                   "SubsampleSize": "feature_importance_subsample_size"}


def parse_importance(hps: dict) -> Importance:
    values = {name: hps.get(name) for name in IMPORTANCE_KEYS.values()}
    flag = values["feature_importance"]
    text = flag.strip() if isinstance(flag, str) else None
    if isinstance(flag, dict) or (text and text.lstrip('"').startswith("{")):
        options = decode_json_object("feature_importance", flag)
        unknown = sorted(set(options) - set(IMPORTANCE_KEYS))
        if unknown:
            raise UserError(f"hyperparameter feature_importance: unknown key {unknown[0]!r} "
                            f"(known: {', '.join(IMPORTANCE_KEYS)})")
        values["feature_importance"] = None
        for key, value in options.items():
            if values[IMPORTANCE_KEYS[key]] is not None and key != "Enabled":
                log(f"warning: feature_importance.{key} overrides {IMPORTANCE_KEYS[key]}")
            values[IMPORTANCE_KEYS[key]] = value
    flag = values["feature_importance"]
    enabled = True if flag is None else parse_bool("feature_importance", flag)
    time_limit = values["feature_importance_time_limit"]
    subsample = values["feature_importance_subsample_size"]
    return Importance(
        enabled=enabled,
        time_limit=DEFAULT_IMPORTANCE_TIME_LIMIT if time_limit in (None, "") else parse_number(
            "feature_importance_time_limit", time_limit, integer=False, minimum=0, strict=True),
        subsample_size=DEFAULT_IMPORTANCE_SUBSAMPLE_SIZE if subsample in (None, "") else parse_number(
            "feature_importance_subsample_size", subsample, integer=True, minimum=1, strict=False),
    )


def parse_hyperparameters(hps: dict) -> tuple[dict, dict, Importance]:
    """Return (init_args, fit_args, feature importance options) from the SM_HPS object."""
    if not isinstance(hps, dict):
        raise UserError(f"hyperparameters must be a JSON object, got {_json_type(hps)}")
    for key in sorted(hps):
        if not key.startswith("sagemaker_") and key not in KNOWN_HYPERPARAMETERS:
            log(f"warning: ignoring unknown hyperparameter {key!r}")
    if "init_args" not in hps:
        raise UserError("hyperparameter init_args is required (a JSON object with at least \"label\")")
    init_args = decode_json_object("init_args", hps.get("init_args"))
    fit_args = decode_json_object("fit_args", hps.get("fit_args"), default={})
    feature_importance = parse_importance(hps)
    label = init_args.get("label")
    if label is None or label == "":
        raise UserError(
            "hyperparameter init_args has no \"label\": name the target column, e.g. "
            '{"label": "y"}'
        )
    if not isinstance(label, str):
        raise UserError(f"init_args.label must be a column name (a string), got {json.dumps(label)}")
    return init_args, fit_args, feature_importance


def load_hyperparameters(env) -> dict:
    raw = env.get("SM_HPS")
    source = "SM_HPS"
    if raw is None:
        config_dir = Path(env.get("SM_INPUT_CONFIG_DIR", "/opt/ml/input/config"))
        path = config_dir / "hyperparameters.json"
        if not path.is_file():
            raise UserError("no hyperparameters: set SM_HPS to a JSON object such as "
                            '{"init_args": {"label": "y"}}')
        raw = path.read_text(encoding="utf-8")
        source = str(path)
    try:
        hps = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as err:
        raise UserError(f"{source} is not valid JSON: {err.msg} at character {err.pos}") from None
    if not isinstance(hps, dict):
        raise UserError(f"{source} must be a JSON object, got {_json_type(hps)}")
    return hps


# --------------------------------------------------------------------------- data


def _env_path(env, name: str, container_default: str, *, required: bool) -> Path | None:
    value = env.get(name)
    if value:
        return Path(value)
    if Path(container_default).exists():
        return Path(container_default)
    if required:
        raise UserError(f"{name} is not set (the {container_default} directory it defaults to "
                        "in a SageMaker container does not exist)")
    return None


def list_csv_files(location: Path, channel: str) -> list[Path]:
    if not location.exists():
        raise UserError(f"channel {channel}: {location} does not exist")
    if location.is_file():
        return [location]
    found, ignored = [], []
    for path in sorted(location.rglob("*"), key=lambda p: p.relative_to(location).as_posix()):
        rel = path.relative_to(location)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        name = path.name.lower()
        if name.endswith(".csv") or name.endswith(".csv.gz"):
            found.append(path)
        else:
            ignored.append(rel.as_posix())
    if ignored:
        log(f"warning: channel {channel}: ignoring non-CSV files: {_short(', '.join(ignored))}")
    if not found:
        what = f" (found only: {_short(', '.join(ignored))})" if ignored else " (it is empty)"
        raise UserError(f"channel {channel}: no CSV file (*.csv, *.csv.gz) in {location}{what}")
    return found


def read_channel(location: Path, channel: str):
    """Read every CSV of a channel into one DataFrame; return (frame, [file names])."""
    import io

    import pandas as pd

    files = list_csv_files(location, channel)
    names = [f.name if location.is_file() else f.relative_to(location).as_posix() for f in files]

    def read(path: Path, **kwargs):
        try:
            # round_trip: decimal text -> the correctly rounded double, as Python's float()
            # and json parse it when serving. pandas' default parser may be one ulp off,
            # which is enough to flip a tree split whose threshold is a training value.
            return pd.read_csv(path, low_memory=False, float_precision="round_trip", **kwargs)
        except pd.errors.EmptyDataError:
            raise UserError(f"channel {channel}: {path.name} is empty (no header, no rows)") from None
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
            raise UserError(f"channel {channel}: cannot parse {path.name} as CSV: {_one_line(err)}") from None

    if len(files) == 1:
        frame = read(files[0])
    else:
        # Read as text and let pandas infer the types once over all rows, exactly as if the
        # files were one CSV (per-file inference can disagree between files).
        parts = [read(f, dtype=str) for f in files]
        columns = list(parts[0].columns)
        for name, part in zip(names[1:], parts[1:]):
            if set(part.columns) != set(columns):
                raise UserError(
                    f"channel {channel}: {name} has different columns from {names[0]}: "
                    f"{_column_diff(columns, list(part.columns))}"
                )
        combined = pd.concat([p[columns] for p in parts], ignore_index=True)
        buffer = io.StringIO()
        combined.to_csv(buffer, index=False)
        buffer.seek(0)
        frame = pd.read_csv(buffer, low_memory=False, float_precision="round_trip")
    _check_columns(frame, channel)
    if len(frame) == 0:
        raise UserError(f"channel {channel}: no data rows in {', '.join(names)} (only a header)")
    return frame, names


def _check_columns(frame, channel: str) -> None:
    duplicated = [c for c in frame.columns if isinstance(c, str) and c.rpartition(".")[0] in frame.columns
                  and c.rpartition(".")[2].isdigit()]
    unnamed = [c for c in frame.columns if isinstance(c, str) and c.startswith("Unnamed: ")]
    if unnamed:
        log(f"warning: channel {channel}: columns without a name in the header ({', '.join(unnamed)}): "
            "a CSV written with its index? They are used as features like any other column")
    if duplicated:
        log(f"warning: channel {channel}: columns that look like duplicates renamed by pandas: "
            f"{', '.join(duplicated)}")


def check_test_columns(train, test, label: str):
    """Return ``test`` with the training column order, or raise when the columns differ."""
    train_cols, test_cols = list(train.columns), list(test.columns)
    if set(train_cols) != set(test_cols):
        raise UserError(
            "the test set's columns differ from the training set's: "
            f"{_column_diff(train_cols, test_cols)} (the test set needs every training column, "
            f"label {label!r} included)"
        )
    return test[train_cols]


def feature_type(dtype) -> str:
    kind = getattr(dtype, "kind", "O")
    if kind in "iu":
        return "integer"
    if kind == "f":
        return "float"
    if kind == "b":
        return "bool"
    return "string"


# --------------------------------------------------------------------------- training


def train(env=None, cluster=None) -> dict:
    """``cluster``: the head's ray_cluster.Cluster when the job has several hosts."""
    env = os.environ if env is None else env
    hps = load_hyperparameters(env)
    init_args, fit_args, want_importance = parse_hyperparameters(hps)
    label = init_args["label"]

    serve_script = Path(__file__).resolve().with_name(SERVING_SCRIPT)
    if not serve_script.is_file():
        raise RuntimeError(f"{SERVING_SCRIPT} is missing beside {Path(__file__).name} "
                           f"({serve_script.parent}); the scripts archive is incomplete")

    train_loc = _env_path(env, "SM_CHANNEL_TRAIN", "/opt/ml/input/data/train", required=True)
    test_loc = _env_path(env, "SM_CHANNEL_TEST", "/opt/ml/input/data/test", required=False)
    model_dir = _env_path(env, "SM_MODEL_DIR", "/opt/ml/model", required=True)
    output_dir = _env_path(env, "SM_OUTPUT_DATA_DIR", "/opt/ml/output/data", required=True)

    train_df, train_files = read_channel(train_loc, "train")
    if label not in train_df.columns:
        raise UserError(
            f"label {label!r} (init_args.label) is not a column of the training data; "
            f"columns: {_short(', '.join(map(str, train_df.columns)))}"
        )
    features = [c for c in train_df.columns if c != label]
    if not features:
        raise UserError(f"the training data has no feature column besides the label {label!r}")
    if train_df[label].notna().sum() == 0:
        raise UserError(f"label column {label!r} of the training data has no values")

    test_df, test_files = None, []
    if test_loc is not None:
        test_df, test_files = read_channel(test_loc, "test")
        test_df = check_test_columns(train_df, test_df, label)
        missing = int(test_df[label].isna().sum())
        if missing:
            log(f"warning: dropping {missing} test rows without a label value")
            test_df = test_df[test_df[label].notna()].reset_index(drop=True)
            if len(test_df) == 0:
                raise UserError(f"no test row has a value in label column {label!r}")
    else:
        log("warning: no test channel (SM_CHANNEL_TEST): scores.json and predictions.csv are not written")

    if init_args.get("path") not in (None, str(model_dir)):
        log(f"warning: init_args.path {init_args['path']!r} ignored: the predictor is saved in {model_dir}")
    # Several hosts: fitted where every host writes the same path, copied to model_dir after.
    fit_dir = model_dir if cluster is None else cluster.fit_dir
    init_args = {**init_args, "path": str(fit_dir)}
    model_dir.mkdir(parents=True, exist_ok=True)
    output_dir.mkdir(parents=True, exist_ok=True)

    log(f"training on {len(train_df)} rows x {len(features)} features from {', '.join(train_files)}"
        + (f"; testing on {len(test_df)} rows" if test_df is not None else ""))
    log(f"init_args={json.dumps(init_args, sort_keys=True)} fit_args={json.dumps(fit_args, sort_keys=True)}")

    import autogluon.tabular
    from autogluon.tabular import TabularPredictor

    try:
        predictor = TabularPredictor(**init_args)
    except (TypeError, ValueError, AssertionError, KeyError) as err:
        raise UserError(f"init_args rejected by TabularPredictor: {_one_line(err)}") from None
    started = time.monotonic()
    try:
        if cluster is None:
            predictor.fit(train_df, **fit_args)
        else:
            with cluster.fitting():
                predictor.fit(train_df, **cluster.fit_args(fit_args))
    except TypeError as err:
        raise UserError(f"fit_args rejected by TabularPredictor.fit: {_one_line(err)}") from None
    fit_seconds = time.monotonic() - started
    if cluster is not None:
        predictor = cluster.collect(predictor, model_dir)
    log(f"fit done in {fit_seconds:.1f} s; best model {predictor.model_best}")

    # What serving needs beside the predictor.
    class_labels = _class_labels(predictor)
    metadata = {
        "format_version": FORMAT_VERSION,
        "label": label,
        "feature_columns": features,
        "feature_types": {c: feature_type(train_df[c].dtype) for c in features},
        "problem_type": predictor.problem_type,
        "class_labels": class_labels,
        "autogluon_version": autogluon.tabular.__version__,
    }
    _write_json(model_dir / SERVING_METADATA_FILE, metadata)
    code_dir = model_dir / "code"
    code_dir.mkdir(exist_ok=True)
    shutil.copyfile(serve_script, code_dir / SERVING_SCRIPT)

    summary = write_reports(
        predictor, output_dir, train_df=train_df, test_df=test_df, label=label,
        features=features, class_labels=class_labels, importance=want_importance,
        extra={"train_files": train_files, "test_files": test_files,
               "fit_seconds": round(fit_seconds, 3),
               "autogluon_version": autogluon.tabular.__version__},
        cluster=cluster,
    )
    log(f"model saved in {model_dir}; reports in {output_dir}")
    return summary


# --------------------------------------------------------------------------- reports


def write_reports(predictor, output_dir: Path, *, train_df, test_df, label: str, features: list,
                  class_labels, importance: Importance, extra: dict, cluster=None) -> dict:
    """Write everything SM_OUTPUT_DATA_DIR holds (see Outputs); return training_summary."""
    scores, dropped = {}, []
    if test_df is not None:
        raw_scores = predictor.evaluate(test_df)
        for name, value in raw_scores.items():
            number = _finite_float(value)
            if number is None:
                dropped.append(str(name))
            else:
                scores[str(name)] = number
        if dropped:
            log(f"warning: scores without a finite value left out of scores.json: {', '.join(dropped)}")
        # The evaluation Lambda reads this file and only this one: flat metric -> number.
        _write_json(output_dir / "scores.json", scores)
        _write_predictions(predictor, test_df, label, class_labels, output_dir / "predictions.csv")
    _write_leaderboard(predictor, test_df, output_dir / "leaderboard.csv")

    importance_info = {"computed": False, "data": None, "time_limit": None,
                       "subsample_size": None, "seconds": None, "shuffle_sets": None, "rows": None}
    if importance.enabled:
        importance_info = _write_feature_importance(
            predictor, test_df if test_df is not None else train_df,
            "test" if test_df is not None else "train", importance,
            output_dir / "feature_importance.csv", cluster)

    _write_json(output_dir / "data_summary.json", {
        "format_version": FORMAT_VERSION,
        "label": label,
        "train": _data_set_summary(train_df, label, extra["train_files"]),
        "test": None if test_df is None else _data_set_summary(test_df, label, extra["test_files"]),
    })

    summary = {
        "problem_type": predictor.problem_type,
        "label": label,
        "eval_metric": predictor.eval_metric.name,
        "best_model": predictor.model_best,
        "autogluon_version": extra["autogluon_version"],
        "python_version": platform.python_version(),
        "train_rows": int(len(train_df)),
        "test_rows": None if test_df is None else int(len(test_df)),
        "train_files": extra["train_files"],
        "test_files": extra["test_files"],
        "feature_columns": features,
        "class_labels": class_labels,
        "fit_seconds": extra["fit_seconds"],
        "scores": scores if test_df is not None else None,
        "dropped_scores": dropped,
        "feature_importance": importance_info,
    }
    if cluster is not None:
        summary["hosts"] = cluster.summary()
    _write_json(output_dir / "training_summary.json", summary)
    if test_df is not None:
        log("scores: " + json.dumps(scores))
    return summary


def _write_leaderboard(predictor, test_df, path: Path) -> None:
    board = predictor.leaderboard(test_df, extra_info=True)
    board = board[[c for c in LEADERBOARD_COLUMNS if c in board.columns]]
    board.to_csv(path, index=False)


def _write_feature_importance(predictor, data, data_name: str, options: Importance,
                              path: Path, cluster) -> dict:
    if cluster is None:
        table, info, _ = feature_importance.compute(
            predictor, data, time_limit=options.time_limit, subsample_size=options.subsample_size)
    else:
        nodes = [feature_importance.Node(*node) for node in cluster.nodes()]
        with cluster.fitting():
            table, info, blocks = feature_importance.compute(
                predictor, data, time_limit=options.time_limit,
                subsample_size=options.subsample_size, nodes=nodes)
        cluster.record_importance(blocks)
    table.to_csv(path)
    log(f"feature importance on {data_name} ({info['rows']} rows, {info['shuffle_sets']} shuffle "
        f"sets) in {info['seconds']:.1f} s (budget {options.time_limit:g} s)")
    return {"computed": True, "data": data_name, "time_limit": options.time_limit,
            "subsample_size": options.subsample_size, "seconds": info["seconds"],
            "shuffle_sets": info["shuffle_sets"], "rows": info["rows"]}


def _data_set_summary(frame, label: str, files: list) -> dict:
    columns = []
    for name in frame.columns:
        series = frame[name]
        numeric = getattr(series.dtype, "kind", "O") in "iuf"
        values = series.dropna()

        def stat(fn):
            return _finite_float(fn(values)) if numeric and len(values) else None

        columns.append({
            "name": str(name),
            "role": "label" if name == label else "feature",
            "type": feature_type(series.dtype),
            "dtype": str(series.dtype),
            "missing": int(series.isna().sum()),
            "distinct": int(series.nunique(dropna=True)),
            "min": stat(lambda v: v.min()),
            "max": stat(lambda v: v.max()),
            "mean": stat(lambda v: v.mean()),
        })
    return {"rows": int(len(frame)), "columns": int(frame.shape[1]), "files": list(files),
            "column_summaries": columns}


def _class_labels(predictor):
    if predictor.problem_type not in ("binary", "multiclass"):
        return None
    return [_plain(v) for v in predictor.class_labels]


def _write_predictions(predictor, test_df, label, class_labels, path: Path) -> None:
    import pandas as pd

    features = test_df.drop(columns=[label])
    out = pd.DataFrame({"actual": test_df[label].to_numpy()})
    if class_labels is not None:
        proba = predictor.predict_proba(features)
        out["prediction"] = predictor.predict_from_proba(proba).to_numpy()
        for column in proba.columns:
            out[str(column)] = proba[column].to_numpy()
    else:
        prediction = predictor.predict(features)
        if isinstance(prediction, pd.DataFrame):  # quantile regression
            for column in prediction.columns:
                out[f"prediction_{column}"] = prediction[column].to_numpy()
        else:
            out["prediction"] = prediction.to_numpy()
    out.to_csv(path, index=False)


# --------------------------------------------------------------------------- helpers


def _write_json(path: Path, value) -> None:
    # A new temporary file (O_EXCL, random name), never one planted at a predictable name.
    import tempfile

    text = json.dumps(value, indent=2, allow_nan=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _plain(value):
    """numpy scalar -> Python scalar (JSON-serialisable)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _finite_float(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _json_type(value) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def _column_diff(expected: list, got: list) -> str:
    missing = [str(c) for c in expected if c not in got]
    extra = [str(c) for c in got if c not in expected]
    parts = []
    if missing:
        parts.append("missing " + _short(", ".join(missing)))
    if extra:
        parts.append("unexpected " + _short(", ".join(extra)))
    return "; ".join(parts)


def _one_line(err) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def failure_path(env) -> Path | None:
    if "SM_OUTPUT_FAILURE" in env:
        return Path(env["SM_OUTPUT_FAILURE"]) if env["SM_OUTPUT_FAILURE"] else None
    if env.get("SM_OUTPUT_DIR"):
        return Path(env["SM_OUTPUT_DIR"]) / "failure"
    if Path("/opt/ml/output").is_dir():
        return Path("/opt/ml/output/failure")
    return None


_failure_reported = threading.Event()


def _report_failure(message: str, env) -> None:
    # Once per process: with several hosts the head's watching thread may end the job
    # (ray_cluster.py) while the main thread unwinds towards the same report.
    if _failure_reported.is_set():
        return
    _failure_reported.set()
    path = failure_path(env)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(message[:MAX_FAILURE_CHARS], encoding="utf-8")
        except OSError as err:
            log(f"warning: cannot write the failure file {path}: {err}")
    print(f"error: {message}", file=sys.stderr, flush=True)


def _passive_openmp_outside_sagemaker(env) -> None:
    """Outside SageMaker, let idle OpenMP threads sleep instead of spin.

    LightGBM uses every core through OpenMP; on a shared machine (another process busy on
    one of the cores) spinning threads made a 0.5 s fit take 13-30 s. Must run before
    LightGBM is imported. Left alone inside the container (cores dedicated to the job) and
    when the variable is already set.
    """
    if "OMP_WAIT_POLICY" not in env and not Path("/opt/ml").exists():
        env["OMP_WAIT_POLICY"] = "PASSIVE"


def _finish_cluster(cluster, err) -> None:
    """On the head's failure: tell the workers, stop the cluster (nothing with one host)."""
    if cluster is not None and cluster.is_head:
        cluster.finish(_one_line(err))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0
    env = os.environ
    _passive_openmp_outside_sagemaker(env)
    cluster = None
    try:
        cluster = ray_cluster.join(env)
        if cluster is not None and not cluster.is_head:
            return 0  # a worker: the head has the model and the reports
        if cluster is not None:
            cluster.report_failure = lambda message: _report_failure(message, env)
        train(env, cluster)
        if cluster is not None:
            cluster.finish(None)
    except ray_cluster.ClusterError as err:
        _finish_cluster(cluster, err)
        _report_failure(_one_line(err), env)
        return 1
    except UserError as err:
        _finish_cluster(cluster, err)
        _report_failure(_one_line(err), env)
        return 2
    except (KeyboardInterrupt, SystemExit) as err:
        _finish_cluster(cluster, err)
        _report_failure("interrupted" if isinstance(err, KeyboardInterrupt) else "stopped (SIGTERM)", env)
        return 130 if isinstance(err, KeyboardInterrupt) else 143
    except Exception as err:  # noqa: BLE001 - report every failure in one line
        _finish_cluster(cluster, err)
        traceback.print_exc(file=sys.stderr)
        _report_failure(f"training failed: {type(err).__name__}: {_one_line(err)}", env)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
