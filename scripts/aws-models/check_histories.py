#!/usr/bin/env python3
"""Check every Task request recorded in execution histories against AWS's service models.

Usage: check_histories.py DIR [DIR ...]

Walks DIR for `history.json` files (as `automl run --local` writes them, in the shape
GetExecutionHistory returns), takes the parameters of every `TaskScheduled` event, turns
them into the request the API receives (Step Functions' member-name case, serialised
Payload/Input: `cases.api_form`), and validates it with botocore's own ParamValidator
(required members, unknown members, types, minimums) and against what botocore leaves to
the service (maximums, enums, patterns: `cases.service_side_verdict`, read from the same
models). The botocore pinned by tests/tools/install-aws-models.sh is the oracle; nothing
here is our own expectation of AWS.

Local runs fill data locations with plain paths where AWS needs `s3://` URIs (a local-
runner feature), so a pattern failure on a value that is an existing local path is not a
finding. Prints every invalid request with its problems; exit status 1 if there is one,
2 if no request was found at all (a check that saw nothing proves nothing).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import botocore.session

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("cases", HERE / "cases.py")
cases = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cases)


def task_requests(directory: Path):
    for history in sorted(directory.rglob("history.json")):
        events = json.loads(history.read_text())["events"]
        for event in events:
            if event.get("type") != "TaskScheduled":
                continue
            details = event["taskScheduledEventDetails"]
            resource = f"{details['resourceType']}:{details['resource']}"
            yield history, event["id"], resource, json.loads(details["parameters"])


def local_path_problem(problem: list[str], request: dict) -> bool:
    """A pattern problem on a value that is a local file system path (see the module doc)."""
    path, message = problem[0], problem[1] if len(problem) > 1 else ""
    value = request
    for part in path.replace("]", "").replace("[", ".").split("."):
        if part == "":
            continue
        if isinstance(value, list):
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value.get(part)
    return isinstance(value, str) and ("pattern" in message.lower()) and (
        os.path.isabs(value) or Path(value).exists()
    ) and not value.startswith("s3://")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    session = botocore.session.get_session()
    models: dict = {}
    checked = 0
    findings = []
    for directory in map(Path, argv):
        for history, event_id, resource, parameters in task_requests(directory):
            if resource not in cases.RESOURCES:
                findings.append(f"{history} event {event_id}: {resource} is not a resource of the models")
                continue
            service, operation = cases.RESOURCES[resource]
            if service not in models:
                models[service] = session.get_service_model(service)
            shape = models[service].operation_model(operation).input_shape
            request = cases.api_form(service, operation, parameters, shape)
            problems = cases.botocore_verdict(request, shape) + [
                p for p in cases.service_side_verdict(request, shape) if not local_path_problem(p, request)
            ]
            checked += 1
            if problems:
                findings.append(f"{history} event {event_id}: {service}.{operation} {json.dumps(request)}: {problems}")
    for finding in findings:
        print(finding)
    print(f"{checked} Task requests checked against botocore {botocore.__version__}: {len(findings)} invalid")
    if checked == 0:
        return 2
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
