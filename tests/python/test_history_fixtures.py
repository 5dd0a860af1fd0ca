"""The recorded AWS histories in tests/fixtures/aws-history hold SageMaker API responses
(createTrainingJob.sync returns DescribeTrainingJob's, the aws-sdk describeEndpoint task
DescribeEndpoint's). The report reads billing fields from them: check every field name and
nesting against botocore's own SageMaker service model, so the fixtures cannot drift from
what AWS returns."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.loaders
import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "aws-history"
SHAPES = botocore.loaders.Loader().load_service_model("sagemaker", "service-2")["shapes"]
# Task resource -> the API output shape its TaskSucceeded output is.
OUTPUTS = {"createTrainingJob.sync": "DescribeTrainingJobResponse",
           "describeEndpoint": "DescribeEndpointOutput"}


def check(value, shape_name: str, where: str) -> None:
    shape = SHAPES[shape_name]
    kind = shape["type"]
    if kind == "structure":
        assert isinstance(value, dict), where
        unknown = set(value) - set(shape["members"])
        assert not unknown, f"{where}: not members of {shape_name}: {sorted(unknown)}"
        for key, item in value.items():
            check(item, shape["members"][key]["shape"], f"{where}.{key}")
    elif kind == "list":
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            check(item, shape["member"]["shape"], f"{where}[{i}]")
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), where
    elif kind in ("float", "double"):
        assert isinstance(value, (int, float)), where
    elif kind == "timestamp":
        assert isinstance(value, (int, float, str)), where
    elif kind == "string":
        assert isinstance(value, str), where
        if "enum" in shape:
            assert value in shape["enum"], f"{where}: {value!r} not in {shape_name}"


def outputs():
    for path in sorted(FIXTURES.glob("*.json")):
        for event in json.loads(path.read_text())["events"]:
            details = event.get("taskSucceededEventDetails")
            if details and details.get("resource") in OUTPUTS:
                yield pytest.param(details["resource"], json.loads(details["output"]),
                                   id=f"{path.stem}-{event['id']}")


CASES = list(outputs())


def test_the_fixtures_hold_both_kinds_of_output():
    assert {case.values[0] for case in CASES} == set(OUTPUTS)


@pytest.mark.parametrize("resource, output", CASES)
def test_outputs_have_the_api_shape(resource, output):
    shape = OUTPUTS[resource]
    check(output, shape, shape)
    missing = set(SHAPES[shape].get("required", [])) - set(output)
    assert not missing, f"{shape} requires {sorted(missing)}"
