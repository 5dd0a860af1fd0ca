"""AWS's service models, as committed, are what the pinned botocore publishes.

- src/awsmodel/*.json (the input shapes the Rust validator checks requests against) are
  byte for byte what scripts/aws-models/extract.py writes from the botocore pinned in
  tests/tools/install-aws-models.sh;
- tests/fixtures/service-model-cases.json (the requests rendered from templates/*.asl.json
  and their breakages, with botocore's verdicts) is what scripts/aws-models/cases.py writes
  from the same botocore and the current templates. The Rust unit test
  `awsmodel::tests::the_validator_agrees_with_botocore_on_every_recorded_case` then checks
  the Rust validator gives the same verdict and path on every case.

Both scripts run in the pinned venv (target/tools/awsmodel), not in this interpreter, so the
AutoGluon environment's own botocore (whatever AutoGluon pulls in) does not matter.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_PYTHON = REPO / "target" / "tools" / "awsmodel" / "bin" / "python"
INSTALL = REPO / "tests" / "tools" / "install-aws-models.sh"
MODELS = REPO / "src" / "awsmodel"
CASES = REPO / "tests" / "fixtures" / "service-model-cases.json"


def pinned_botocore() -> str:
    match = re.search(r"^BOTOCORE=(\S+)$", INSTALL.read_text(), re.MULTILINE)
    assert match, f"{INSTALL} pins no BOTOCORE="
    return match.group(1)


@pytest.fixture(scope="module")
def venv_python() -> Path:
    if not VENV_PYTHON.is_file():
        pytest.fail(f"{VENV_PYTHON} is missing: run `bash {INSTALL.relative_to(REPO)}` (installs the pinned botocore)")
    version = subprocess.run([str(VENV_PYTHON), "-c", "import botocore; print(botocore.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if version != pinned_botocore():
        pytest.fail(f"{VENV_PYTHON} has botocore {version}, the pin is {pinned_botocore()}: "
                    f"run `bash {INSTALL.relative_to(REPO)}`")
    return VENV_PYTHON


def run(python: Path, script: str, out: Path) -> None:
    proc = subprocess.run([str(python), str(REPO / "scripts" / "aws-models" / script), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{script} failed:\n{proc.stderr[-4000:]}"


def test_extract_is_what_the_pinned_botocore_publishes(venv_python, tmp_path):
    run(venv_python, "extract.py", tmp_path)
    fresh = sorted(p.name for p in tmp_path.glob("*.json"))
    committed = sorted(p.name for p in MODELS.glob("*.json"))
    assert fresh == committed, f"extract.py writes {fresh}, src/awsmodel has {committed}"
    for name in fresh:
        assert (tmp_path / name).read_text() == (MODELS / name).read_text(), (
            f"src/awsmodel/{name} is stale: run target/tools/awsmodel/bin/python scripts/aws-models/extract.py")
        source = json.loads((MODELS / name).read_text())["_source"]
        assert source["botocore"] == pinned_botocore()
        assert source["file"].startswith(f"botocore/data/{name[:-5]}/")


def test_extract_holds_every_operation_and_the_instance_type_enums():
    operations = {name[:-5]: set(json.loads((MODELS / name).read_text())["operations"])
                  for name in (p.name for p in MODELS.glob("*.json"))}
    assert operations["sagemaker"] >= {"CreateTrainingJob", "CreateModel", "CreateEndpointConfig",
                                       "CreateEndpoint", "DescribeEndpoint", "CreateTransformJob"}
    assert operations["lambda"] == {"Invoke"}
    assert operations["stepfunctions"] == {"StartExecution"}
    shapes = json.loads((MODELS / "sagemaker.json").read_text())["shapes"]
    enums = {name: set(shapes[name]["enum"])
             for name in ("TrainingInstanceType", "ProductionVariantInstanceType", "TransformInstanceType")}
    assert all("ml.m5.xlarge" in values for values in enums.values())
    # They differ: each use is checked against its own list.
    assert enums["TrainingInstanceType"] != enums["ProductionVariantInstanceType"]


def test_cases_are_what_botocore_says_of_the_current_templates(venv_python, tmp_path):
    out = tmp_path / "cases.json"
    run(venv_python, "cases.py", out)
    assert out.read_text() == CASES.read_text(), (
        "tests/fixtures/service-model-cases.json is stale (templates or botocore changed): run "
        "target/tools/awsmodel/bin/python scripts/aws-models/cases.py, then cargo test --lib awsmodel")
    document = json.loads(CASES.read_text())
    assert document["_source"]["botocore"] == pinned_botocore()
    names = {case["name"] for case in document["cases"]}
    # Every Task of every machine is a case.
    for machine in ("Main", "Train", "Deploy"):
        definition = json.loads((REPO / "templates" / f"{machine}.asl.json").read_text())
        for state, body in definition["States"].items():
            if body["Type"] == "Task":
                assert f"{machine}.{state}" in names, f"{machine}.{state} has no recorded case"
