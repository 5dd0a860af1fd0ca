"""IAM, evaluated: scripts/iam-lint/authorize.py asks moto's IAM policy evaluator whether
the role that makes each recorded call may make it (the local flow tests run it on their
histories), and checks that every action a role is granted is used by one of its Task
states or explained. Here: the grants of the template are all used, and the check is live
(a call without the stack's tag, a role passed that is not the SageMaker role, a job
of another stack described, an
operation with no IAM mapping and a history that holds no call each fail, with a message
saying what and where).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MOTO_PYTHON = REPO / "target" / "tools" / "moto" / "bin" / "python"
AUTHORIZE = REPO / "scripts" / "iam-lint" / "authorize.py"
MACHINE = "arn:aws:states:local:000000000000:stateMachine:automl-TrainStateMachine"


def authorize(*args: str) -> subprocess.CompletedProcess:
    if not MOTO_PYTHON.is_file():
        pytest.fail(f"{MOTO_PYTHON} is missing: run `bash tests/tools/install-moto.sh` (moto, pinned)")
    return subprocess.run([str(MOTO_PYTHON), str(AUTHORIZE), *args], capture_output=True, text=True, timeout=120)


def history(directory: Path, *tasks: tuple[str, str, dict]) -> Path:
    """A history.json of the Train machine with one TaskScheduled event per task."""
    events = [{"id": 1, "previousEventId": 0, "type": "ExecutionStarted",
               "executionStartedEventDetails": {"input": "{}", "stateMachineArn": MACHINE,
                                                "roleArn": "arn:aws:iam::000000000000:role/automl-states"}}]
    for resource_type, resource, parameters in tasks:
        events.append({"id": len(events) + 1, "previousEventId": len(events), "type": "TaskScheduled",
                       "taskScheduledEventDetails": {"resourceType": resource_type, "resource": resource,
                                                     "region": "local", "parameters": json.dumps(parameters)}})
    path = directory / "executions" / "t-train" / "history.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"events": events}))
    return directory


def model(role: str = "arn:aws:iam::000000000000:role/automl-sagemaker", stack: str = "automl") -> dict:
    return {"ModelName": "automl-t-train", "ExecutionRoleArn": role,
            "PrimaryContainer": {"Image": "local/autogluon-inference:1.4.0"},
            "Tags": [{"Key": "automl:stack", "Value": stack}]}


def test_every_grant_is_used_or_explained():
    proc = authorize("--least-privilege")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_call_the_policy_allows_passes(tmp_path):
    proc = authorize(str(history(tmp_path, ("sagemaker", "createModel", model()))))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 authorizations" in proc.stdout  # CreateModel, AddTags, PassRole


def test_a_create_without_the_stack_tag_is_denied(tmp_path):
    proc = authorize(str(history(tmp_path, ("sagemaker", "createModel", model(stack="other")))))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "TrainStateMachineRole may not sagemaker:CreateModel on " \
           "arn:aws:sagemaker:local:000000000000:model/automl-t-train" in proc.stdout


def test_a_rerun_may_describe_its_stacks_training_jobs_only(tmp_path):
    """The Train machine's DescribeFirstAttemptJob (a rerun reading the first attempt's job)."""
    own = authorize(str(history(tmp_path / "own", ("aws-sdk:sagemaker", "describeTrainingJob",
                                                   {"TrainingJobName": "automl-t-train"}))))
    assert own.returncode == 0, own.stdout + own.stderr
    assert "1 authorizations" in own.stdout, own.stdout
    other = authorize(str(history(tmp_path / "other", ("aws-sdk:sagemaker", "describeTrainingJob",
                                                       {"TrainingJobName": "other-t-train"}))))
    assert other.returncode == 1, other.stdout + other.stderr
    assert "TrainStateMachineRole may not sagemaker:DescribeTrainingJob on " \
           "arn:aws:sagemaker:local:000000000000:training-job/other-t-train" in other.stdout


def test_passing_another_role_is_denied(tmp_path):
    proc = authorize(str(history(tmp_path, ("sagemaker", "createModel",
                                            model(role="arn:aws:iam::000000000000:role/admin")))))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "may not iam:PassRole on arn:aws:iam::000000000000:role/admin" in proc.stdout


def test_an_operation_without_iam_mapping_says_where_to_add_it(tmp_path):
    proc = authorize(str(history(tmp_path, ("aws-sdk:sagemaker", "deleteModel", {"ModelName": "x"}))))
    assert proc.returncode != 0
    assert "add it to RESOURCES in scripts/aws-models/cases.py" in proc.stdout, proc.stdout


def test_no_call_at_all_is_not_a_pass(tmp_path):
    proc = authorize(str(tmp_path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
