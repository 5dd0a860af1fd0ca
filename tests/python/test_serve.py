"""tabular_serve.py as the inference container uses it: model_fn + transform_fn, in process."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import tarfile
import types

import numpy as np
import pytest

from conftest import CASES, PYTHON, json_records, json_values

ALL = list(CASES)
CLASSIFICATION = [n for n in ALL if CASES[n].problem_type != "regression"]


def csv_body(frame) -> bytes:
    return frame.to_csv(header=False, index=False).encode()


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def reference(model, features):
    """What the predictor itself says for these rows (read from a CSV with a header)."""
    predictor = model.predictor
    predictions = list(predictor.predict(features))
    proba = predictor.predict_proba(features) if model.is_classification else None
    return predictions, proba


# --------------------------------------------------------------------------- happy paths


@pytest.mark.parametrize("name", ALL)
def test_headerless_csv_as_batch_transform_sends_it(serve_module, loaded, name):
    run, model = loaded(name)
    features = run.features
    body, content_type = serve_module.transform_fn(model, csv_body(features), "text/csv", "text/csv")
    assert content_type == "text/csv"
    assert not body.endswith("\n")  # AssembleWith=Line adds the newline
    rows = parse_csv(body)
    assert len(rows) == len(features)
    predictions, proba = reference(model, features)
    if model.is_classification:
        assert [r[0] for r in rows] == [str(p) for p in predictions]
        assert all(len(r) == 1 + len(model.class_labels) for r in rows)
        got = np.array([[float(x) for x in r[1:]] for r in rows])
        np.testing.assert_allclose(got, proba.to_numpy(), rtol=1e-6)
        np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)
    else:
        assert all(len(r) == 1 for r in rows)
        np.testing.assert_allclose([float(r[0]) for r in rows], predictions, rtol=1e-6)


@pytest.mark.parametrize("name", ["mixed", "binary"])
def test_a_csv_with_a_header_row_is_read_by_its_names(serve_module, loaded, name):
    """A first row naming the columns: any order, the label column ignored (a test CSV as it
    is), the predictions those of the headerless training-order rows."""
    run, model = loaded(name)
    rows = run.test_df.head(9)
    expected = serve_module.transform_fn(model, csv_body(run.features.head(9)), "text/csv", "application/json")[0]
    shuffled = rows[list(reversed(rows.columns))]
    with_label = shuffled.to_csv(index=False).encode()
    without_label = shuffled.drop(columns=[run.case.label]).to_csv(index=False).encode()
    for body in (with_label, without_label):
        got = serve_module.transform_fn(model, body, "text/csv", "application/json")[0]
        assert json.loads(got) == json.loads(expected)
    header_only = ",".join(model.feature_columns).encode()
    with pytest.raises(serve_module.RequestError, match="only a header row"):
        serve_module.transform_fn(model, header_only, "text/csv", "text/csv")
    short = (",".join(model.feature_columns) + "\n1,2\n").encode()
    with pytest.raises(serve_module.RequestError, match="row 2 has 2 columns, expected .* as its header names"):
        serve_module.transform_fn(model, short, "text/csv", "text/csv")


def test_missing_values_and_text_survive_headerless_csv(loaded):
    run, model = loaded("mixed")
    features = run.features
    assert features.isna().any().any(), "the mixed data set must have missing values"
    assert features["field_notes"].str.contains(",").any(), "and text with commas (quoted in CSV)"
    assert model.feature_types["field_notes"] == "string" and model.feature_types["year"] == "integer"


@pytest.mark.parametrize("name", ALL)
def test_json_request_forms_agree(serve_module, loaded, name):
    run, model = loaded(name)
    features = run.features.head(7)
    records = json_records(features)
    values = json_values(features)
    expected = json.loads(serve_module.transform_fn(model, csv_body(features), "text/csv", "application/json")[0])

    bodies = {
        "instances of arrays": json.dumps({"instances": values}),
        "instances of objects": json.dumps({"instances": records}),
        "array of objects": json.dumps(records),
        "array of arrays": json.dumps(values),
    }
    for form, body in bodies.items():
        doc, content_type = serve_module.transform_fn(model, body, "application/json", "application/json")
        assert content_type == "application/json"
        got = json.loads(doc)
        if model.is_classification:
            assert got["predictions"] == expected["predictions"], form
            assert got["probabilities"] == expected["probabilities"], form
        else:
            assert got["predictions"] == pytest.approx(expected["predictions"], rel=1e-9), form

    single = json.loads(serve_module.transform_fn(model, json.dumps(records[0]), "application/json", None)[0])
    assert single["predictions"] == expected["predictions"][:1]
    single_array = json.loads(serve_module.transform_fn(model, json.dumps(values[0]), "application/json", None)[0])
    assert single_array["predictions"] == expected["predictions"][:1]

    lines = "\n".join(json.dumps(r) for r in records)
    out, content_type = serve_module.transform_fn(model, lines.encode(), "application/jsonlines", "application/jsonlines")
    assert content_type == "application/jsonlines"
    docs = [json.loads(line) for line in out.split("\n")]
    assert [d["prediction"] for d in docs] == expected["predictions"]


@pytest.mark.parametrize("name", ALL)
def test_json_response_shape(serve_module, loaded, name):
    run, model = loaded(name)
    doc = json.loads(serve_module.transform_fn(model, csv_body(run.features.head(5)), "text/csv", "application/json")[0])
    assert len(doc["predictions"]) == 5
    if model.is_classification:
        assert set(doc) == {"predictions", "probabilities"}
        labels = [str(c) for c in model.class_labels]
        for prediction, probs in zip(doc["predictions"], doc["probabilities"]):
            assert list(probs) == labels
            assert sum(probs.values()) == pytest.approx(1.0, abs=1e-5)
            assert str(prediction) == max(probs, key=probs.get)
    else:
        assert set(doc) == {"predictions"}
        assert all(isinstance(p, float) for p in doc["predictions"])


@pytest.mark.parametrize(
    "accept, expected",
    [(None, "application/json"), ("*/*", "application/json"), ("text/csv", "text/csv"),
     ("text/csv; charset=utf-8", "text/csv"), ("application/xml, text/csv;q=0.9", "text/csv"),
     ("application/jsonlines", "application/jsonlines"), ("application/json", "application/json")],
)
def test_accept_negotiation(serve_module, loaded, accept, expected):
    run, model = loaded("binary")
    _, content_type = serve_module.transform_fn(model, csv_body(run.features.head(2)), "text/csv", accept)
    assert content_type == expected


def test_content_type_with_charset_and_bytes(serve_module, loaded):
    run, model = loaded("binary")
    out, _ = serve_module.transform_fn(model, bytearray(csv_body(run.features.head(3))),
                                       "text/csv; charset=utf-8", "text/csv")
    assert len(out.split("\n")) == 3


# --------------------------------------------------------------------------- bad requests

# The mixed model: 8 features (island, bill_length_mm, bill_depth_mm, flipper_length_mm,
# body_mass_g, sex, year, field_notes); label species.
GOOD = "Dream,36.0,17.8,195.0,3450.0,female,2009,\"seen near the Dream colony, calm\""
BAD_REQUESTS = [
    ("too few columns", "Dream,36.0,17.8", "text/csv", 400, ["row 1", "3 columns", "expected 8", "island"]),
    ("too many columns", GOOD + ",1", "text/csv", 400, ["row 1", "9 columns", "expected 8"]),
    ("header naming some columns", "island,sex\nDream,male", "text/csv", 400, ["header row lacks", "bill_length_mm", "in any order"]),
    ("label included", "Dream,36.0,Adelie,17.8,195.0,3450.0,female,2009,x", "text/csv", 400, ["9 columns", "species"]),
    ("bad row among good", "\n".join([GOOD, GOOD, "Dream,1,2"]), "text/csv", 400, ["row 3", "3 columns"]),
    ("text in numeric column", GOOD.replace("36.0", "long"), "text/csv", 400, ["bill_length_mm", "number", "long"]),
    ("empty body", "", "text/csv", 400, ["empty"]),
    ("blank body", "  \n", "text/csv", 400, ["empty"]),
    ("invalid JSON", "{\"instances\": [", "application/json", 400, ["not valid JSON"]),
    ("JSON row of wrong length", json.dumps({"instances": [[1, 2]]}), "application/json", 400, ["row 1", "2 values", "expected 8"]),
    ("JSON record missing columns", json.dumps([{"island": "Dream"}]), "application/json", 400, ["lacks", "bill_length_mm"]),
    ("JSON bool for a number", json.dumps([["Dream", True, 1, 1, 1, "male", 2009, "x"]]), "application/json", 400, ["bill_length_mm"]),
    ("JSON nested value", json.dumps([["Dream", [1], 1, 1, 1, "male", 2009, "x"]]), "application/json", 400, ["nested"]),
    ("JSON scalar", "5", "application/json", 400, ["object or an array"]),
    ("JSON no rows", json.dumps({"instances": []}), "application/json", 400, ["no rows"]),
    ("JSON empty array", "[]", "application/json", 400, ["no rows"]),
    ("jsonlines bad line", json.dumps(["Dream"]) + "\nnope", "application/jsonlines", 400, ["line 1", "1 values"]),
    ("unsupported content type", GOOD, "application/x-parquet", 415, ["Content-Type", "text/csv"]),
]


@pytest.mark.parametrize("case", BAD_REQUESTS, ids=[c[0] for c in BAD_REQUESTS])
def test_bad_requests_are_client_errors(serve_module, loaded, case):
    _, body, content_type, status, words = case
    _, model = loaded("mixed")
    with pytest.raises(serve_module.RequestError) as err:
        serve_module.transform_fn(model, body, content_type, "application/json")
    assert err.value.status_code == status
    for word in words:
        assert word in err.value.message, err.value.message


def test_unsupported_accept_is_406(serve_module, loaded):
    _, model = loaded("mixed")
    with pytest.raises(serve_module.RequestError) as err:
        serve_module.transform_fn(model, GOOD, "text/csv", "application/xml")
    assert err.value.status_code == 406


def test_good_row_of_the_bad_request_table_is_good(serve_module, loaded):
    _, model = loaded("mixed")
    doc = json.loads(serve_module.transform_fn(model, GOOD, "text/csv", "application/json")[0])
    assert doc["predictions"][0] in model.class_labels


# --------------------------------------------------------------------------- model dir


def test_model_reloads_from_an_untarred_copy(serve_module, loaded, tmp_path):
    """SageMaker tars /opt/ml/model and untars it elsewhere: nothing may point at the old path."""
    run, model = loaded("mixed")
    body = csv_body(run.features)
    before = serve_module.transform_fn(model, body, "text/csv", "text/csv")[0]
    archive = tmp_path / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for item in sorted(run.model_dir.iterdir()):
            tar.add(item, arcname=item.name)
    moved = run.model_dir.with_name("model-moved-away")
    run.model_dir.rename(moved)
    try:
        target = tmp_path / "opt" / "ml" / "model"
        target.mkdir(parents=True)
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
        reloaded = serve_module.model_fn(str(target))
        assert serve_module.transform_fn(reloaded, body, "text/csv", "text/csv")[0] == before
        from autogluon.tabular import TabularPredictor

        assert len(TabularPredictor.load(str(target)).predict(run.features)) == len(run.features)
    finally:
        moved.rename(run.model_dir)


def test_model_without_serving_metadata(serve_module, loaded, tmp_path):
    """A model dir from elsewhere (no serving_metadata.json): the predictor's own feature list."""
    run, model = loaded("mixed")
    copy = tmp_path / "model"
    shutil.copytree(run.model_dir, copy)
    (copy / "serving_metadata.json").unlink()
    bare = serve_module.model_fn(str(copy))
    assert bare.feature_columns == model.feature_columns
    body = csv_body(run.features)
    assert serve_module.transform_fn(bare, body, "text/csv", "text/csv") == \
        serve_module.transform_fn(model, body, "text/csv", "text/csv")


def test_import_has_no_side_effects(trained):
    run = trained("binary")
    code = run.model_dir / "code"
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import tabular_serve; "
              "print('autogluon.tabular' in sys.modules, hasattr(tabular_serve, 'model_fn'), "
              "hasattr(tabular_serve, 'transform_fn'), hasattr(tabular_serve, 'input_fn'))")
    proc = subprocess.run([PYTHON, "-c", script, str(code)], capture_output=True, text=True, timeout=60,
                          cwd=str(run.root))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False True True False"
    assert proc.stderr == ""
    assert sorted(p.name for p in code.iterdir() if p.name != "__pycache__") == ["tabular_serve.py"]


# --------------------------------------------------------------------------- inference toolkit


class FakeContext:
    """The parts of the model server's context that sagemaker_inference's Transformer uses."""

    def __init__(self, model_dir, headers):
        self.system_properties = {"model_dir": str(model_dir)}
        self.request_processor = [types.SimpleNamespace(get_request_properties=lambda: headers)]
        self.status = None
        self.content_type = None

    def set_response_status(self, code, phrase):
        self.status = (code, phrase)

    def set_response_content_type(self, index, content_type):
        self.content_type = content_type


def test_through_the_sagemaker_inference_toolkit(trained, monkeypatch, serve_module, loaded):
    """The container's toolkit imports code/tabular_serve.py by SAGEMAKER_PROGRAM and calls it."""
    from sagemaker_inference.transformer import Transformer

    run, model = loaded("binary")
    monkeypatch.setenv("SAGEMAKER_PROGRAM", "tabular_serve.py")
    monkeypatch.delenv("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", raising=False)
    monkeypatch.syspath_prepend(str(run.model_dir / "code"))
    monkeypatch.delitem(sys.modules, "tabular_serve", raising=False)
    transformer = Transformer()
    body = csv_body(run.features.head(4))

    ok = FakeContext(run.model_dir, {"Content-Type": "text/csv", "Accept": "text/csv"})
    response = transformer.transform([{"body": bytearray(body)}], ok)
    assert ok.status is None and ok.content_type == "text/csv"
    assert response == [serve_module.transform_fn(model, body, "text/csv", "text/csv")[0]]

    default = FakeContext(run.model_dir, {"content-type": "text/csv; charset=utf-8", "Accept": "*/*"})
    response = transformer.transform([{"body": bytearray(body)}], default)
    assert default.status is None and default.content_type == "application/json"
    assert len(json.loads(response[0])["predictions"]) == 4

    bad = FakeContext(run.model_dir, {"Content-Type": "text/csv", "Accept": "application/json"})
    response = transformer.transform([{"body": bytearray(b"1,2,3\n")}], bad)
    assert bad.status[0] == 400
    assert "row 1 has 3 columns" in bad.status[1] and "row 1 has 3 columns" in response[0]

    unsupported = FakeContext(run.model_dir, {"Content-Type": "image/png", "Accept": "application/json"})
    transformer.transform([{"body": bytearray(b"\x89PNG")}], unsupported)
    assert unsupported.status[0] == 415
    monkeypatch.delitem(sys.modules, "tabular_serve", raising=False)



# --------------------------------------------------------------------------- never a 500

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError as err:  # a missing tool fails, never skips
    raise ImportError(
        "hypothesis is not installed in the test environment: run tests/tools/install-autogluon.sh"
    ) from err

_CONTENT_TYPES = ["text/csv", "text/csv; charset=utf-8", "application/json", "application/jsonlines",
                  "application/x-ndjson", "", None, "text/plain", "application/json; x=\"", "TEXT/CSV"]
_ACCEPTS = [None, "", "*/*", "text/csv", "application/json", "application/jsonlines", "text/*",
            "application/xml", "text/csv;q=0.5, */*", ",,,", "application/*"]

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=9) | st.dictionaries(
        st.sampled_from(["island", "bill_length_mm", "sex", "year", "field_notes", "instances", "x", ""]),
        children, max_size=9),
    max_leaves=40,
)
_CSV_ALPHABET = st.sampled_from(list(",\"\n\r \t\ufeff") + ["Dream", "36.0", "-1e309", "nan", "female", "2009",
                                                          "\x00", "\u00e9", "1" * 30, "True"])
_BODIES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200),
    st.lists(_CSV_ALPHABET, max_size=60).map("".join),
    _JSON.map(json.dumps),
    st.lists(_JSON.map(json.dumps), max_size=5).map("\n".join),
    # Rows of the right width with hostile values in each column.
    st.lists(st.lists(_CSV_ALPHABET, min_size=8, max_size=8).map(lambda r: ",".join(r)), min_size=1, max_size=4)
    .map("\n".join),
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=_BODIES, content_type=st.sampled_from(_CONTENT_TYPES) | st.text(max_size=20),
       accept=st.sampled_from(_ACCEPTS) | st.text(max_size=20))
def test_any_request_is_answered_or_refused_as_a_client_error(serve_module, loaded, body, content_type, accept):
    """Whatever arrives, transform_fn answers it or raises RequestError (4xx): never another
    exception, which the inference toolkit would turn into a 500 with a traceback."""
    _, model = loaded("mixed")
    try:
        out, response_type = serve_module.transform_fn(model, body, content_type, accept)
    except serve_module.RequestError as err:
        assert 400 <= err.status_code < 500, err.status_code
        assert err.message and "Traceback" not in err.message
        return
    assert isinstance(out, str)
    assert response_type in ("text/csv", "application/json", "application/jsonlines")
