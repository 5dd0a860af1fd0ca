#!/usr/bin/env python3
"""Serve a model trained by tabular_train.py: the inference entry point of `automl`.

Three ways to run it, all with the same parsing and output formats:

1. In the SageMaker AutoGluon inference container (AutoGluon 1.4 - 1.6; TorchServe with
   the SageMaker inference toolkit), as SAGEMAKER_PROGRAM=tabular_serve.py, from
   ``code/tabular_serve.py`` inside model.tar.gz. The toolkit imports this module (no side
   effects at import) and calls ``model_fn(model_dir)`` once and
   ``transform_fn(model, body, content_type, accept)`` per request. (The toolkit forbids
   input_fn/predict_fn/output_fn next to transform_fn, so there are none.) Bad requests
   raise ``RequestError``, which subclasses the toolkit's BaseInferenceToolkitError when
   the toolkit is installed, so the client gets its 4xx status; anything else is a 500.

2. As a local HTTP server speaking the SageMaker inference protocol:
       python tabular_serve.py serve --model-dir DIR --port PORT [--host 127.0.0.1]
   Port 0 picks a free port. Once the model is loaded it prints exactly one line,
   ``listening on http://HOST:PORT``, to stdout. Routes: GET /ping -> 200;
   POST /invocations (Content-Type, Accept headers) -> 200 with predictions;
   GET /execution-parameters -> batch transform settings. Errors: 4xx with a JSON body
   {"error": "..."}; 5xx only for internal failures. Stops on SIGTERM or SIGINT.

3. As a local batch transform, like SageMaker batch transform with SplitType=Line and
   AssembleWith=Line (one output line per input line, same order):
       python tabular_serve.py transform --model-dir DIR --input FILE --output FILE
              [--content-type text/csv] [--accept text/csv]
   text/csv and application/jsonlines input: one row per line. application/json input:
   each line is one request document. With Accept application/json each input line gets
   its own JSON document (as with BatchStrategy=SingleRecord). Exit status 2 and
   ``error: ...`` on stderr on bad input (the line number is named), 1 on other failures.
   Note for real SageMaker batch jobs: with BatchStrategy=MultiRecord and Accept
   application/json, each mini-batch is answered by ONE JSON document, so output lines no
   longer match input lines; text/csv and application/jsonlines always stay line-aligned.

Outside SageMaker (no /opt/ml), the serve and transform commands set OMP_WAIT_POLICY=PASSIVE
unless it is set: LightGBM's spinning OpenMP threads are many times slower on a shared
machine.

Model directory
---------------
The AutoGluon predictor (``TabularPredictor.load(model_dir)``) plus serving_metadata.json
written by tabular_train.py: {"label", "feature_columns" (order of headerless CSV rows),
"feature_types" ({column: "integer"|"float"|"bool"|"string"}), "problem_type",
"class_labels"}. Without that file (a model from elsewhere), the predictor's own list of
original features is used and value types are inferred as pandas would.

Request formats (Content-Type; parameters such as charset are ignored; none = text/csv)
---------------------------------------------------------------------------------------
text/csv                 one row per line; exactly the feature columns in
                         training order (the label column is not sent). Or a first row
                         naming every feature column (in any order; a label column named
                         there is ignored, so a test CSV works as it is). Empty fields and
                         pandas' missing-value markers (NA, NaN, null, ...) are missing.
                         Values are converted to the column's training type (a non-number
                         in a numeric column is a 400).
application/json         {"instances": [row, ...]}, or [row, ...], or a single row. A row is
                         either an array of the feature values in training order (exactly
                         that many) or an object {column: value} (every feature column
                         required, other keys ignored; null = missing).
application/jsonlines    one row (array or object, as above) per line.

Response formats (Accept; */* or none = application/json, the first supported type of a
list wins)
-----------------------------------------------------------------------------------------
application/json         {"predictions": [p, ...],
                          "probabilities": [{"<class>": prob, ...}, ...]}
                         "probabilities" only for classification (binary, multiclass);
                         class labels are the object keys, as strings.
text/csv                 one line per row, no header: ``prediction[,prob_class_1,...]``,
                         probabilities in the order of serving_metadata.json's class_labels
                         (AutoGluon's predictor.class_labels). No trailing newline.
application/jsonlines    one line per row: {"prediction": p, "probabilities": {...}}.
Rows come back in request order.

Errors: 400 malformed body, wrong number of columns, missing columns, bad values;
406 unsupported Accept; 413 body too large (HTTP server only); 415 unsupported Content-Type.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import signal
import sys
import threading
import time
from pathlib import Path

SERVING_METADATA_FILE = "serving_metadata.json"

CSV = "text/csv"
JSON = "application/json"
JSONLINES = "application/jsonlines"
_CONTENT_TYPE_ALIASES = {
    "text/csv": CSV,
    "application/csv": CSV,
    "application/json": JSON,
    "application/jsonlines": JSONLINES,
    "application/x-jsonlines": JSONLINES,
    "application/jsonl": JSONLINES,
    "application/x-ndjson": JSONLINES,
}
# pandas.read_csv's default missing-value markers: headerless rows are read like the
# training CSV was.
NA_STRINGS = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
# SageMaker's real-time payload limit: InvokeEndpoint's Body is a BodyBlob with
# "max": 6291456 (botocore 1.44.8, data/sagemaker-runtime/2017-05-13/service-2.json).
MAX_BODY_BYTES = 6291456
# Idle or slow connections are closed after this many seconds (a thread each otherwise).
CONNECTION_TIMEOUT_SECONDS = 60
# Pending connections the kernel queues before refusing (socketserver's default is 5).
LISTEN_BACKLOG = 256

try:  # inside the SageMaker container: make our 4xx errors reach the client as 4xx
    from sagemaker_inference.errors import BaseInferenceToolkitError as _ErrorBase

    _TOOLKIT = True
except Exception:  # noqa: BLE001 - any import problem means "no toolkit"
    _ErrorBase = Exception
    _TOOLKIT = False


class RequestError(_ErrorBase):
    """A client error: carries the HTTP status code and a one-line message."""

    def __init__(self, message: str, status_code: int = 400):
        self.status_code = status_code
        self.message = message
        self.phrase = message
        if _TOOLKIT:
            super().__init__(status_code, message, message)
        else:
            super().__init__(message)

    def __str__(self) -> str:
        return self.message


class ServingModel:
    """The loaded predictor plus what is needed to read rows and write answers."""

    def __init__(self, predictor, feature_columns, feature_types, label, problem_type, class_labels):
        self.predictor = predictor
        self.feature_columns = list(feature_columns)
        self.feature_types = dict(feature_types)
        self.label = label
        self.problem_type = problem_type
        self.class_labels = class_labels
        self.lock = threading.Lock()

    @property
    def is_classification(self) -> bool:
        return self.problem_type in ("binary", "multiclass")


# --------------------------------------------------------------------------- SageMaker API


def model_fn(model_dir):
    """Load the predictor saved by tabular_train.py from ``model_dir``."""
    from autogluon.tabular import TabularPredictor

    model_dir = str(model_dir)
    predictor = TabularPredictor.load(model_dir)
    meta_path = Path(model_dir) / SERVING_METADATA_FILE
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        columns = meta["feature_columns"]
        types = meta.get("feature_types") or {}
        label = meta.get("label", predictor.label)
    else:
        columns = list(predictor.original_features)
        raw = predictor.feature_metadata_in.type_map_raw
        kinds = {"int": "integer", "float": "float", "bool": "bool", "object": "string", "category": "string"}
        types = {c: kinds[raw[c]] for c in columns if raw.get(c) in kinds}
        label = predictor.label
    try:  # keep the models in memory: much faster per request
        predictor.persist()
    except Exception:  # noqa: BLE001 - an optimisation only
        pass
    problem_type = predictor.problem_type
    class_labels = None
    if problem_type in ("binary", "multiclass"):
        class_labels = [_plain(v) for v in predictor.class_labels]
    return ServingModel(predictor, columns, types, label, problem_type, class_labels)


def transform_fn(model, request_body, content_type, accept):
    """Parse ``request_body``, predict, and return ``(body, content_type)``."""
    response_type = negotiate_accept(accept)
    frame = parse_request(model, request_body, content_type)
    result = predict(model, frame)
    return format_response(model, result, response_type), response_type


# --------------------------------------------------------------------------- parsing


def media_type(value) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def negotiate_accept(accept) -> str:
    """The response type for an Accept header value (default application/json)."""
    if accept is None or not str(accept).strip():
        return JSON
    for item in str(accept).split(","):
        kind = media_type(item)
        if kind in _CONTENT_TYPE_ALIASES:
            return _CONTENT_TYPE_ALIASES[kind]
        if kind in ("*/*", "application/*"):
            return JSON
        if kind == "text/*":
            return CSV
    raise RequestError(
        f"unsupported Accept {accept!r}: use text/csv, application/json or application/jsonlines", 406
    )


def parse_request(model: ServingModel, body, content_type):
    """Request body -> DataFrame of the feature columns, typed as at training."""
    kind = media_type(content_type) or CSV
    if kind not in _CONTENT_TYPE_ALIASES:
        raise RequestError(
            f"unsupported Content-Type {content_type!r}: use text/csv, application/json or "
            "application/jsonlines", 415
        )
    kind = _CONTENT_TYPE_ALIASES[kind]
    text = _text(body)
    if not text.strip():
        raise RequestError("empty request body: send at least one row")
    if kind == CSV:
        rows = _csv_rows(model, text)
    elif kind == JSON:
        rows = _json_rows(model, _load_json(text, "request body"))
    else:
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                raise RequestError(f"line {number} is empty")
            rows.append(_json_row(model, _load_json(line, f"line {number}"), f"line {number}"))
    return _frame(model, rows)


def _text(body) -> str:
    if isinstance(body, (bytes, bytearray, memoryview)):
        try:
            return bytes(body).decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise RequestError(f"request body is not UTF-8: {err}") from None
    if isinstance(body, str):
        return body[1:] if body.startswith("\ufeff") else body
    raise RequestError(f"unsupported request body type {type(body).__name__}")


def _csv_header(model: ServingModel, fields: list):
    """The column order a first row names: every feature column once, in any order, and
    perhaps the label (a test CSV as it is); None when the row is data."""
    names = [f.strip() for f in fields]
    wanted = set(model.feature_columns)
    if len(set(names)) != len(names) or not wanted <= set(names):
        return None
    extra = set(names) - wanted
    return names if extra <= {model.label} else None


def _partial_header(model: ServingModel, fields: list) -> list:
    """The feature columns a first row misses when every field of it is a column name: a
    header that names only some columns, worth saying so rather than counting columns."""
    names = {f.strip() for f in fields}
    known = set(model.feature_columns) | {model.label}
    if not names or not names <= known:
        return []
    return [c for c in model.feature_columns if c not in names]


def _csv_rows(model: ServingModel, text: str) -> list:
    expected = len(model.feature_columns)
    rows = []
    header = None
    try:
        for number, fields in enumerate(csv.reader(io.StringIO(text), strict=True), start=1):
            if not fields:
                raise RequestError(f"row {number} is empty")
            if number == 1 and (header := _csv_header(model, fields)) is not None:
                continue
            if number == 1 and (missing := _partial_header(model, fields)):
                raise RequestError(
                    f"the header row lacks the feature column(s) {_names(missing)}: a header "
                    f"must name every feature column ({_names(model.feature_columns)}), in any "
                    f"order, and may name the label {model.label!r}"
                )
            if header is not None:
                if len(fields) != len(header):
                    raise RequestError(
                        f"row {number} has {len(fields)} columns, expected {len(header)} "
                        f"as its header names ({_names(header)})"
                    )
                by_name = dict(zip(header, fields))
                fields = [by_name[c] for c in model.feature_columns]
            elif len(fields) != expected:
                raise RequestError(
                    f"row {number} has {len(fields)} columns, expected {expected} "
                    f"({_names(model.feature_columns)}), without the label column "
                    f"{model.label!r}; or start with a header row naming them"
                )
            rows.append([None if f in NA_STRINGS else f for f in fields])
    except csv.Error as err:
        raise RequestError(f"malformed CSV: {err}") from None
    if not rows:
        raise RequestError("only a header row: send at least one row of values")
    return rows


def _load_json(text: str, where: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise RequestError(f"{where} is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except RecursionError:
        raise RequestError(f"{where} nests too deeply to be rows of features") from None
    except ValueError as err:  # e.g. an integer of more than 4300 digits
        raise RequestError(f"{where} cannot be read: {err}") from None


def _json_rows(model: ServingModel, doc) -> list:
    if isinstance(doc, dict) and "instances" in doc:
        rows = doc["instances"]
        if not isinstance(rows, list):
            raise RequestError('"instances" must be an array of rows')
    elif isinstance(doc, list) and not doc:
        raise RequestError("no rows in the request")
    elif isinstance(doc, list) and all(isinstance(r, (list, dict)) for r in doc):
        rows = doc
    elif isinstance(doc, (list, dict)):
        rows = [doc]
    else:
        raise RequestError("JSON request must be an object or an array")
    if not rows:
        raise RequestError("no rows in the request")
    return [_json_row(model, row, f"row {i}") for i, row in enumerate(rows, start=1)]


def _json_row(model: ServingModel, row, where: str) -> list:
    columns = model.feature_columns
    if isinstance(row, list):
        if len(row) != len(columns):
            raise RequestError(
                f"{where} has {len(row)} values, expected {len(columns)} ({_names(columns)}), "
                f"without the label {model.label!r}"
            )
        values = row
    elif isinstance(row, dict):
        missing = [c for c in columns if c not in row]
        if missing:
            raise RequestError(f"{where} lacks feature columns: {_names(missing)}")
        values = [row[c] for c in columns]
    else:
        raise RequestError(f"{where} must be an array of values or an object, got {type(row).__name__}")
    for column, value in zip(columns, values):
        if isinstance(value, (list, dict)):
            raise RequestError(f"{where}: column {column!r} holds a nested {type(value).__name__}")
    return list(values)


def _frame(model: ServingModel, rows: list):
    """Rows of raw values -> DataFrame with the training column types."""
    import pandas as pd

    columns = model.feature_columns
    data = {}
    for j, column in enumerate(columns):
        values = [row[j] for row in rows]
        data[column] = _convert(column, values, model.feature_types.get(column))
    return pd.DataFrame(data, columns=columns)


def _convert(column: str, values: list, kind):
    import numpy as np
    import pandas as pd

    def bad(i, value, what):
        return RequestError(f"row {i + 1}: column {column!r} expects {what}, got {json.dumps(value)}")

    if kind in ("integer", "float"):
        out = np.empty(len(values), dtype=float)
        for i, v in enumerate(values):
            if v is None:
                out[i] = np.nan
            elif isinstance(v, bool):
                raise bad(i, v, "a number")
            elif isinstance(v, (int, float)):
                out[i] = float(v)
            else:
                try:
                    out[i] = float(str(v).strip())
                except ValueError:
                    raise bad(i, v, "a number") from None
        if kind == "integer" and not np.isnan(out).any() and np.all(out == np.round(out)):
            return out.astype(np.int64)
        return out
    if kind == "bool":
        out = []
        for i, v in enumerate(values):
            if v is None or isinstance(v, bool):
                out.append(v)
            elif isinstance(v, str) and v.strip() in _TRUE:
                out.append(True)
            elif isinstance(v, str) and v.strip() in _FALSE:
                out.append(False)
            else:
                raise bad(i, v, "true or false")
        return pd.Series(out, dtype=bool if None not in out else object).to_numpy()
    if kind == "string":
        return np.array([None if v is None else (v if isinstance(v, str) else _json_scalar_text(v))
                         for v in values], dtype=object)
    # Unknown type (a model without serving_metadata.json): infer as pandas would.
    series = pd.Series([np.nan if v is None else v for v in values], dtype=object)
    numeric = pd.to_numeric(series, errors="coerce")
    if numeric.notna().sum() == series.notna().sum():
        return numeric.to_numpy()
    return series.where(series.notna(), None).to_numpy()


def _json_scalar_text(value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


# --------------------------------------------------------------------------- predicting


def predict(model: ServingModel, frame) -> dict:
    """DataFrame -> {"predictions": [...], "probabilities": DataFrame | None}."""
    predictor = model.predictor
    with model.lock:
        if model.is_classification:
            proba = predictor.predict_proba(frame)
            predictions = predictor.predict_from_proba(proba)
        else:
            proba = None
            predictions = predictor.predict(frame)
    return {"predictions": predictions, "probabilities": proba}


def _prediction_values(result) -> list:
    import pandas as pd

    predictions = result["predictions"]
    if isinstance(predictions, pd.DataFrame):  # quantile regression: one value per level
        return [[_plain(v) for v in row] for row in predictions.itertuples(index=False)]
    return [_plain(v) for v in predictions.tolist()]


def _probability_rows(result) -> list | None:
    proba = result["probabilities"]
    if proba is None:
        return None
    keys = [str(_plain(c)) for c in proba.columns]
    return [dict(zip(keys, (float(v) for v in row))) for row in proba.itertuples(index=False)]


def format_response(model: ServingModel, result, response_type: str) -> str:
    predictions = _prediction_values(result)
    probabilities = _probability_rows(result)
    if response_type == JSON:
        doc = {"predictions": predictions}
        if probabilities is not None:
            doc["probabilities"] = probabilities
        return json.dumps(doc, allow_nan=False, default=_json_default)
    if response_type == JSONLINES:
        lines = []
        for i, prediction in enumerate(predictions):
            doc = {"prediction": prediction}
            if probabilities is not None:
                doc["probabilities"] = probabilities[i]
            lines.append(json.dumps(doc, allow_nan=False, default=_json_default))
        return "\n".join(lines)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for i, prediction in enumerate(predictions):
        row = list(prediction) if isinstance(prediction, list) else [prediction]
        if probabilities is not None:
            row += list(probabilities[i].values())
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue().rstrip("\n")


def _csv_value(value):
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return "" if value is None else value


def _json_default(value):
    plain = _plain(value)
    if plain is not value:
        return plain
    return str(value)


def _plain(value):
    """numpy / pandas scalar -> Python scalar; NaN -> None."""
    item = getattr(value, "item", None)
    if callable(item):
        value = item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _names(columns, limit: int = 10) -> str:
    shown = ", ".join(map(str, columns[:limit]))
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > limit else "")


# --------------------------------------------------------------------------- HTTP server


def _positive_env(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return max(1, int(value)) if value.strip() else default
    except ValueError:
        raise SystemExit(f"{name}={value!r} is not a whole number") from None


def make_server(model: ServingModel, host: str, port: int):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import socket

    # As the inference toolkit's model server: at most SAGEMAKER_MODEL_SERVER_WORKERS
    # predictions at once (here threads sharing one loaded predictor, there processes
    # each loading its own), and a request that cannot get a worker within
    # SAGEMAKER_MODEL_SERVER_TIMEOUT seconds is answered 503.
    workers = _positive_env("SAGEMAKER_MODEL_SERVER_WORKERS", 1)
    timeout = _positive_env("SAGEMAKER_MODEL_SERVER_TIMEOUT", 60)
    slots = threading.BoundedSemaphore(workers)

    class Handler(BaseHTTPRequestHandler):
        server_version = "automl-tabular-serve"
        protocol_version = "HTTP/1.1"
        timeout = CONNECTION_TIMEOUT_SECONDS

        def log_message(self, fmt, *args):  # noqa: D401 - stderr, one line per request
            sys.stderr.write("tabular_serve: %s %s\n" % (self.address_string(), fmt % args))

        def _send(self, status: int, body: str | bytes, content_type: str) -> None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _error(self, status: int, message: str) -> None:
            self._send(status, json.dumps({"error": message}), JSON)

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/ping":
                self._send(200, "", JSON)
            elif path == "/execution-parameters":
                self._send(200, json.dumps({"MaxConcurrentTransforms": 1, "BatchStrategy": "MULTI_RECORD",
                                            "MaxPayloadInMB": 6}), JSON)
            elif path == "/invocations":
                self._error(405, "use POST /invocations")
            else:
                self._error(404, f"no route {path}: use GET /ping or POST /invocations")

        do_HEAD = do_GET

        def do_POST(self):
            path = self.path.split("?", 1)[0]
            length = self.headers.get("Content-Length")
            if path != "/invocations":
                self.close_connection = True
                self._error(404 if path != "/ping" else 405, f"no route POST {path}: use POST /invocations")
                return
            if length is None:
                self.close_connection = True
                self._error(411, "Content-Length required")
                return
            try:
                size = int(length)
            except ValueError:
                self.close_connection = True
                self._error(400, "bad Content-Length")
                return
            if size < 0:
                self.close_connection = True
                self._error(400, f"bad Content-Length {size}: a length is 0 or more")
                return
            if size > MAX_BODY_BYTES:
                self.close_connection = True
                self._error(413, f"request body over {MAX_BODY_BYTES} bytes (6 MB, SageMaker's real-time payload limit)")
                return
            body = self.rfile.read(size)
            if not slots.acquire(timeout=timeout):
                self._error(503, f"all {workers} model-server workers stayed busy for {timeout} s "
                                 "(SAGEMAKER_MODEL_SERVER_WORKERS, SAGEMAKER_MODEL_SERVER_TIMEOUT)")
                return
            try:
                response, response_type = transform_fn(
                    model, body, self.headers.get("Content-Type"), self.headers.get("Accept")
                )
            except RequestError as err:
                self._error(err.status_code, err.message)
                return
            except RecursionError:
                self._error(400, "the request nests too deeply")
                return
            except Exception as err:  # noqa: BLE001 - a real internal failure
                import traceback

                traceback.print_exc(file=sys.stderr)
                self._error(500, f"internal error: {type(err).__name__}: {err}")
                return
            finally:
                slots.release()
            self._send(200, response, response_type)

        def do_PUT(self):
            self._error(405, "use GET /ping or POST /invocations")

        do_DELETE = do_PATCH = do_PUT

    class Server(ThreadingHTTPServer):
        # Stopping (SIGTERM, e.g. when an update in place hands the endpoint to a new
        # server) answers the requests in flight first: server_close() joins them.
        daemon_threads = False
        block_on_close = True
        request_queue_size = LISTEN_BACKLOG
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    return Server((host, port), Handler)


# --------------------------------------------------------------------------- batch transform


def transform_file(model: ServingModel, input_path: Path, output_path: Path, content_type: str, accept: str) -> int:
    """Local batch transform (SplitType=Line, AssembleWith=Line); returns rows written."""
    import pandas as pd

    response_type = negotiate_accept(accept)
    kind = media_type(content_type) or CSV
    if kind not in _CONTENT_TYPE_ALIASES:
        raise RequestError(f"unsupported content type {content_type!r}", 415)
    kind = _CONTENT_TYPE_ALIASES[kind]
    text = _text(input_path.read_bytes())
    if not text.strip():
        raise RequestError(f"{input_path} holds no rows")
    if kind == JSON:
        # Each line is one request document, which may hold several rows.
        units = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                raise RequestError(f"line {number} is empty")
            try:
                units.append(parse_request(model, line, kind))
            except RequestError as err:
                raise RequestError(f"line {number}: {err.message}", err.status_code) from None
        frame = pd.concat(units, ignore_index=True) if len(units) > 1 else units[0]
        sizes = [len(unit) for unit in units]
    else:
        # One row per line (errors name the row, which is the line number).
        frame = parse_request(model, text, kind)
        sizes = [1] * len(frame)
    result = predict(model, frame)
    if response_type == JSON:
        out_lines, start = [], 0
        for size in sizes:
            out_lines.append(format_response(model, _slice(result, start, start + size), JSON))
            start += size
    else:
        out_lines = [format_response(model, result, response_type)]
    _replace_with(output_path, "\n".join(out_lines) + "\n")
    return len(frame)


def _replace_with(path: Path, text: str) -> None:
    """Writes `text` to a new temporary file beside `path` (O_EXCL, a random name: never
    a file or link planted at a predictable name) and renames it onto `path`."""
    import tempfile

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


def _slice(result, start: int, stop: int) -> dict:
    proba = result["probabilities"]
    return {"predictions": result["predictions"].iloc[start:stop],
            "probabilities": None if proba is None else proba.iloc[start:stop]}


# --------------------------------------------------------------------------- command line


def _load_for_cli(model_dir: str) -> ServingModel:
    path = Path(model_dir)
    if not path.is_dir():
        raise RequestError(f"model directory {model_dir} does not exist")
    try:
        return model_fn(str(path))
    except Exception as err:  # noqa: BLE001
        raise RuntimeError(f"cannot load the model from {model_dir}: {type(err).__name__}: "
                           f"{' '.join(str(err).split())}") from err


def _stop_at_expiry(path: Path, stop: threading.Event, server) -> None:
    """Stops the server once the expiry written in ``path`` has passed (it may appear later)."""
    while not stop.wait(0.5):
        try:
            expiry = float(path.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            continue
        if time.time() >= expiry:
            print(f"expired: the endpoint's time to live ended at {expiry:.0f}", flush=True)
            stop.set()
            server.shutdown()
            return


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="tabular_serve.py",
        description="Serve an AutoGluon model trained by tabular_train.py (see the module docstring "
                    "for formats).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="HTTP server speaking the SageMaker inference protocol")
    serve.add_argument("--model-dir", required=True)
    serve.add_argument("--port", type=int, required=True, help="0 picks a free port")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--expiry-file", help="stop when the time (epoch seconds) this file holds has passed "
                       "(the endpoint's time to live)")
    batch = sub.add_parser("transform", help="batch transform a file, one output line per input line")
    batch.add_argument("--model-dir", required=True)
    batch.add_argument("--input", required=True)
    batch.add_argument("--output", required=True)
    batch.add_argument("--content-type", default=CSV)
    batch.add_argument("--accept", default=CSV)
    args = parser.parse_args(argv)
    # Outside SageMaker, idle OpenMP (LightGBM) threads sleep instead of spinning: on a
    # shared machine spinning made predictions and fits many times slower.
    if "OMP_WAIT_POLICY" not in os.environ and not Path("/opt/ml").exists():
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

    try:
        model = _load_for_cli(args.model_dir)
        if args.command == "serve":
            server = make_server(model, args.host, args.port)
            host, port = server.server_address[:2]
            shown = f"[{host}]" if ":" in host else host
            stop = threading.Event()

            def on_signal(signum, frame):  # noqa: ARG001
                if not stop.is_set():
                    stop.set()
                    threading.Thread(target=server.shutdown, daemon=True).start()

            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
            if args.expiry_file:
                threading.Thread(target=_stop_at_expiry, args=(Path(args.expiry_file), stop, server),
                                 daemon=True).start()
            print(f"listening on http://{shown}:{port}", flush=True)
            try:
                server.serve_forever()
            finally:
                server.server_close()
            # The requests are answered (server_close joined them) and the log flushed:
            # exit now, without the interpreter's teardown of AutoGluon's modules, which
            # took seconds on a loaded machine and kept an expired endpoint's port open.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        count = transform_file(model, Path(args.input), Path(args.output), args.content_type, args.accept)
        print(f"tabular_serve: {count} rows -> {args.output}", file=sys.stderr)
        return 0
    except RequestError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2 if isinstance(err, (FileNotFoundError, PermissionError, IsADirectoryError)) else 1
    except Exception as err:  # noqa: BLE001
        import traceback

        traceback.print_exc(file=sys.stderr)
        print(f"error: {type(err).__name__}: {' '.join(str(err).split())}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
