#!/usr/bin/env python3
"""Extract, from botocore's service models, the input shapes of exactly the AWS operations
the state machines call, for the Rust validator in src/awsmodel/.

botocore ships AWS's machine-readable API models (botocore/data/<service>/<version>/
service-2.json.gz, the same Smithy-derived models the AWS SDKs are generated from). For each
operation below this writes its input shape and every shape reachable from it, keeping only
what constrains a request: type, required, members, list member, map key/value, min, max,
enum, pattern, and the flags botocore's ParamValidator reads (document, union, hostLabel,
jsonvalue). Documentation and output shapes are dropped. The instance-type enums `validate`
uses (training, endpoint, transform) are reachable from the operations and are asserted here.

Output: one file per service, src/awsmodel/<service>.json, sorted and indented so that the
same botocore gives the same bytes. Run with the pinned botocore (tests/tools/install-aws-models.sh):

    target/tools/awsmodel/bin/python scripts/aws-models/extract.py            # rewrite
    target/tools/awsmodel/bin/python scripts/aws-models/extract.py --out DIR  # elsewhere
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import botocore
from botocore.loaders import Loader

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "src" / "awsmodel"

# Every AWS operation a state machine Task makes (templates/*.asl.json), plus the ones the
# model-registry, auto-scaling and scheduling work adds. Keys are botocore service names.
OPERATIONS = {
    "sagemaker": [
        "CreateEndpoint",  # sagemaker:createEndpoint
        "CreateEndpointConfig",  # sagemaker:createEndpointConfig
        "CreateModel",  # sagemaker:createModel
        "CreateModelPackage",  # aws-sdk:sagemaker:createModelPackage (model registry)
        "CreateModelPackageGroup",  # aws-sdk:sagemaker:createModelPackageGroup
        "CreateTrainingJob",  # sagemaker:createTrainingJob.sync
        "CreateTransformJob",  # sagemaker:createTransformJob.sync
        "DeleteEndpointConfig",  # replacing an endpoint's configuration
        "DescribeEndpoint",  # aws-sdk:sagemaker:describeEndpoint
        "DescribeModelPackage",  # aws-sdk:sagemaker:describeModelPackage (deploy a version)
        "DescribeTrainingJob",  # aws-sdk:sagemaker:describeTrainingJob (a rerun reuses a finished job)
        "UpdateEndpoint",  # replacing an endpoint's configuration
        "UpdateModelPackage",  # automl models approve
    ],
    "lambda": ["Invoke"],  # lambda:invoke
    "stepfunctions": ["StartExecution"],  # states:startExecution.sync:2
    "application-autoscaling": ["PutScalingPolicy", "RegisterScalableTarget"],
    "scheduler": ["CreateSchedule"],
}

# The instance types each kind of SageMaker resource accepts: they differ (a training-only
# family, an inference-only family), so `validate` checks each against its own enum.
INSTANCE_TYPE_SHAPES = {
    "sagemaker": ["ProductionVariantInstanceType", "TrainingInstanceType", "TransformInstanceType"],
}

# What a shape keeps: the constraints on a value, nothing about documentation or wire format.
SHAPE_KEYS = ("type", "required", "min", "max", "enum", "pattern", "document", "union")
MEMBER_KEYS = ("hostLabel", "jsonvalue")


def model_file(loader: Loader, service: str) -> tuple[Path, str]:
    """The service-2 file botocore itself loads for ``service``: its newest API version."""
    version = max(loader.list_api_versions(service, "service-2"))
    data = Path(botocore.__file__).parent / "data" / service / version
    for name in ("service-2.json.gz", "service-2.json"):
        if (data / name).is_file():
            return data / name, version
    sys.exit(f"botocore {botocore.__version__} has no service-2 model in {data}")


def load(path: Path) -> dict:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def reference(ref: dict) -> dict:
    """A member/element reference: the shape it names and the flags the validator reads."""
    out = {"shape": ref["shape"]}
    for key in MEMBER_KEYS:
        if key in ref:
            out[key] = ref[key]
    return out


def slim(shape: dict) -> dict:
    out = {key: shape[key] for key in SHAPE_KEYS if key in shape}
    if "required" in out:
        out["required"] = sorted(out["required"])
    if "enum" in out:
        out["enum"] = sorted(out["enum"])
    if shape["type"] == "structure":
        out["members"] = {name: reference(ref) for name, ref in sorted(shape.get("members", {}).items())}
    elif shape["type"] == "list":
        out["member"] = reference(shape["member"])
    elif shape["type"] == "map":
        out["key"] = reference(shape["key"])
        out["value"] = reference(shape["value"])
    return out


def reachable(shapes: dict, roots: list[str]) -> dict:
    seen: dict[str, dict] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        shape = slim(shapes[name])
        seen[name] = shape
        refs = list(shape.get("members", {}).values())
        refs += [shape[key] for key in ("member", "key", "value") if key in shape]
        todo.extend(ref["shape"] for ref in refs)
    return dict(sorted(seen.items()))


def extract(service: str, operations: list[str], loader: Loader) -> dict:
    path, version = model_file(loader, service)
    model = load(path)
    shapes = model["shapes"]
    ops = {}
    for name in sorted(operations):
        if name not in model["operations"]:
            sys.exit(f"{service}: botocore {botocore.__version__} has no operation {name} in {path}")
        ops[name] = {"input": model["operations"][name]["input"]["shape"]}
    roots = [op["input"] for op in ops.values()]
    for name in INSTANCE_TYPE_SHAPES.get(service, []):
        if name not in shapes or "enum" not in shapes[name]:
            sys.exit(f"{service}: botocore {botocore.__version__} has no enum shape {name}")
    kept = reachable(shapes, roots)
    missing = [n for n in INSTANCE_TYPE_SHAPES.get(service, []) if n not in kept]
    if missing:
        sys.exit(f"{service}: {missing} are not reachable from {sorted(ops)}")
    meta = model["metadata"]
    return {
        "_source": {
            "botocore": botocore.__version__,
            "file": f"botocore/data/{service}/{version}/{path.name}",
            "note": "generated by scripts/aws-models/extract.py; do not edit",
        },
        "metadata": {key: meta[key] for key in ("apiVersion", "protocol", "serviceId") if key in meta},
        "operations": ops,
        "shapes": kept,
    }


def render(document: dict) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory to write <service>.json into")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    loader = Loader()
    for service, operations in sorted(OPERATIONS.items()):
        target = args.out / f"{service}.json"
        target.write_text(render(extract(service, operations, loader)), encoding="utf-8")
        print(f"wrote {target} ({len(operations)} operations)", file=sys.stderr)


if __name__ == "__main__":
    main()
