#!/usr/bin/env python3
"""Every AWS call the machines make, authorized against the policy of the role that makes
it, by an IAM evaluator nobody here wrote (moto's `IAMPolicy.is_action_permitted`).

Usage:
    authorize.py [--template T] [--data-bucket B] DIR [DIR ...]   the calls in histories
    authorize.py [--template T] --least-privilege                  the grants, statically

Calls: every `TaskScheduled` event in the `history.json` files under DIR (what `automl run
--local` records, as GetExecutionHistory returns it). Each Task resource names an API
operation (`cases.RESOURCES`, the same table the botocore request check uses); AUTHORIZED
below says which IAM actions AWS authorizes for that operation and on which ARNs, read
from the request, each entry citing the AWS page it comes from. A `.sync` integration also
polls and stops what it started and keeps an EventBridge managed rule (SYNC below). The
evaluation Lambda's own call (GetObject of the scores archive) is checked against the
function's role the same way.

Role: the template's role of the machine that ran the state (the history's
stateMachineArn names the machine), its inline policies with the intrinsics resolved for
the region, account and stack the local runner uses (src/local/machines.rs), so the ARNs
in the recorded requests and in the policies agree. The tests keep their data in the bucket
`--data-bucket` (default `data`), which plays the stack's DataBucket.

A call denied, or one whose operation has no AUTHORIZED entry, fails (exit status 1) with
the call, the ARNs and where to add the entry. No call found at all: exit status 2.

--least-privilege: for each machine role, the actions its Task states can use (AUTHORIZED
and SYNC, from the template's definitions) against the actions its policies grant; a grant
no state uses fails unless UNUSED_GRANTS explains it, and so does an explanation that no
longer matches a grant.

moto's evaluator, as read from moto/iam/access_control.py: `*` wildcards in actions and
resources (case-sensitive), Deny over Allow, StringEquals conditions over the context keys
given (aws:RequestTag/..., iam:PassedToService); a statement whose condition fails answers
DENIED for the whole policy, which is stricter than IAM (where the statement merely does
not apply) and so never lets a call through that IAM would refuse.

Runs in the moto venv (tests/tools/install-moto.sh):
    target/tools/moto/bin/python scripts/iam-lint/authorize.py target/tmp/state
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

logging.disable(logging.CRITICAL)

from moto.iam.access_control import IAMPolicy, PermissionResult  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
from resolve import Resolver  # noqa: E402

_spec = importlib.util.spec_from_file_location("cases", REPO / "scripts" / "aws-models" / "cases.py")
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)

THIS = "scripts/iam-lint/authorize.py"


@dataclass
class Access:
    """One authorization AWS makes for a call: an action on one ARN, with the request's
    condition context."""
    action: str
    resource: str
    context: dict = field(default_factory=dict)


@dataclass
class Call:
    """Where a request came from, and the values its ARNs are built from."""
    where: str
    region: str
    account: str
    request: dict


def tag_context(request: dict) -> dict:
    """aws:RequestTag/<key> for each tag of the request (IAM User Guide, "Controlling access
    during AWS requests": https://docs.aws.amazon.com/IAM/latest/UserGuide/access_tags.html)."""
    return {f"aws:RequestTag/{t['Key']}": t["Value"] for t in request.get("Tags", []) or []}


def sagemaker_arn(call: Call, kind: str, name: str) -> str:
    # SageMaker ARNs hold the resource name in lower case (DescribeTrainingJob's
    # TrainingJobArn, etc.); the policy's `<stack>-*` patterns are matched against that.
    return f"arn:aws:sagemaker:{call.region}:{call.account}:{kind}/{name.lower()}"


def sagemaker_create(kind: str, name_member: str, role_member: str | None = None,
                     also: tuple[tuple[str, str], ...] = ()):
    """A SageMaker Create* call: the action on the new resource (and on each `also`
    resource the Service Authorization Reference lists for it), with the request's tags;
    tag-on-create is also authorized as sagemaker:AddTags on the new resource ("Amazon
    SageMaker AI API permissions reference": "If you specify tags, you must also have
    sagemaker:AddTags", https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html);
    a role in the request is passed (iam:PassRole on it, iam:PassedToService sagemaker)."""

    def accesses(operation: str, call: Call) -> list[Access]:
        request = call.request
        arn = sagemaker_arn(call, kind, request[name_member])
        context = tag_context(request)
        out = [Access(f"sagemaker:{operation}", arn, context)]
        out += [Access(f"sagemaker:{operation}", sagemaker_arn(call, other_kind, request[member]), context)
                for other_kind, member in also]
        if request.get("Tags"):
            out.append(Access("sagemaker:AddTags", arn, context))
        if role_member:
            out.append(Access("iam:PassRole", request[role_member],
                              {"iam:PassedToService": "sagemaker.amazonaws.com"}))
        return out

    actions = ["sagemaker:{operation}", "sagemaker:AddTags"] + (["iam:PassRole"] if role_member else [])
    return actions, accesses


def sagemaker_read(kind: str, name_member: str):
    def accesses(operation: str, call: Call) -> list[Access]:
        return [Access(f"sagemaker:{operation}", sagemaker_arn(call, kind, call.request[name_member]))]

    return ["sagemaker:{operation}"], accesses


def function_arn(call: Call, name: str) -> str:
    """Lambda's FunctionName takes a name, a partial ARN (`account:function:name`) or a full
    ARN, with an optional qualifier (Invoke API reference); IAM authorizes the function's
    ARN (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html)."""
    if name.startswith("arn:"):
        return name
    parts = name.split(":")
    if len(parts) >= 3 and parts[1] == "function":
        return f"arn:aws:lambda:{call.region}:{name}"
    return f"arn:aws:lambda:{call.region}:{call.account}:function:{name}"


def lambda_invoke(operation: str, call: Call) -> list[Access]:
    return [Access("lambda:InvokeFunction", function_arn(call, call.request["FunctionName"]))]


def states_start(operation: str, call: Call) -> list[Access]:
    return [Access("states:StartExecution", call.request["StateMachineArn"])]


def sagemaker_package_arn(call: Call, name: str) -> str:
    """DescribeModelPackage's ModelPackageName is a version's ARN (what the Main machine
    sends) or an unversioned name."""
    return name if name.startswith("arn:") else sagemaker_arn(call, "model-package", name)


def describe_model_package(operation: str, call: Call) -> list[Access]:
    return [Access("sagemaker:DescribeModelPackage",
                   sagemaker_package_arn(call, call.request["ModelPackageName"]))]


def create_model_package(operation: str, call: Call) -> list[Access]:
    """A version in a group: authorized on the group (the version's ARN does not exist
    before the call; the Service Authorization Reference lists model-package-group for
    CreateModelPackage)."""
    group = call.request["ModelPackageGroupName"]
    arn = group if group.startswith("arn:") else sagemaker_arn(call, "model-package-group", group)
    return [Access("sagemaker:CreateModelPackage", arn, tag_context(call.request))]


def update_endpoint(operation: str, call: Call) -> list[Access]:
    """UpdateEndpoint acts on the endpoint and on the new endpoint config (both resource
    types listed for it in the Service Authorization Reference)."""
    request = call.request
    return [Access("sagemaker:UpdateEndpoint", sagemaker_arn(call, "endpoint", request["EndpointName"])),
            Access("sagemaker:UpdateEndpoint",
                   sagemaker_arn(call, "endpoint-config", request["EndpointConfigName"]))]


def scalable_target(operation: str, call: Call) -> list[Access]:
    """Application Auto Scaling authorizes RegisterScalableTarget and PutScalingPolicy on
    `scalable-target` (its ARN is made by the service; policies scope it with the
    service-namespace and scalable-dimension condition keys: Service Authorization
    Reference, "Actions, resources, and condition keys for Application Auto Scaling",
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_applicationautoscaling.html)."""
    request = call.request
    context = {"application-autoscaling:service-namespace": request["ServiceNamespace"],
               "application-autoscaling:scalable-dimension": request["ScalableDimension"]}
    arn = f"arn:aws:application-autoscaling:{call.region}:{call.account}:scalable-target/*"
    return [Access(f"application-autoscaling:{operation}", arn, context)]


def create_schedule(operation: str, call: Call) -> list[Access]:
    """scheduler:CreateSchedule on schedule/<group>/<name> (group `default` when none is
    given), and iam:PassRole of the target's role to scheduler.amazonaws.com ("Set up the
    execution role", EventBridge Scheduler User Guide,
    https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role)."""
    request = call.request
    group = request.get("GroupName") or "default"
    arn = f"arn:aws:scheduler:{call.region}:{call.account}:schedule/{group}/{request['Name']}"
    return [Access("scheduler:CreateSchedule", arn),
            Access("iam:PassRole", request["Target"]["RoleArn"],
                   {"iam:PassedToService": "scheduler.amazonaws.com"})]


# (botocore service, operation) -> (the actions it may use, for --least-privilege, and the
# accesses of one request). "{operation}" stands for the operation's own name.
AUTHORIZED = {
    # Step Functions' SageMaker integration, "IAM policies for calling Amazon SageMaker AI"
    # (https://docs.aws.amazon.com/step-functions/latest/dg/sagemaker-iam.html); resource
    # types from the Service Authorization Reference for SageMaker
    # (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemakerai.html).
    ("sagemaker", "CreateTrainingJob"): sagemaker_create("training-job", "TrainingJobName", "RoleArn"),
    ("sagemaker", "CreateModel"): sagemaker_create("model", "ModelName", "ExecutionRoleArn"),
    ("sagemaker", "CreateEndpointConfig"): sagemaker_create("endpoint-config", "EndpointConfigName"),
    # CreateEndpoint acts on the endpoint and on the endpoint config it reads (both resource
    # types are listed for it in the Service Authorization Reference).
    ("sagemaker", "CreateEndpoint"): sagemaker_create(
        "endpoint", "EndpointName", also=(("endpoint-config", "EndpointConfigName"),)),
    ("sagemaker", "CreateTransformJob"): sagemaker_create("transform-job", "TransformJobName"),
    ("sagemaker", "DescribeEndpoint"): sagemaker_read("endpoint", "EndpointName"),
    # The Train machine's rerun reads its first attempt's job (DescribeTrainingJob: resource
    # type training-job in the Service Authorization Reference).
    ("sagemaker", "DescribeTrainingJob"): sagemaker_read("training-job", "TrainingJobName"),
    ("sagemaker", "UpdateEndpoint"): (["sagemaker:UpdateEndpoint"], update_endpoint),
    ("sagemaker", "DeleteEndpointConfig"): sagemaker_read("endpoint-config", "EndpointConfigName"),
    ("sagemaker", "CreateModelPackageGroup"): sagemaker_create("model-package-group", "ModelPackageGroupName"),
    ("sagemaker", "CreateModelPackage"): (["sagemaker:CreateModelPackage"], create_model_package),
    ("sagemaker", "DescribeModelPackage"): (["sagemaker:DescribeModelPackage"], describe_model_package),
    ("application-autoscaling", "RegisterScalableTarget"): (["application-autoscaling:{operation}"], scalable_target),
    ("application-autoscaling", "PutScalingPolicy"): (["application-autoscaling:{operation}"], scalable_target),
    ("scheduler", "CreateSchedule"): (["scheduler:CreateSchedule", "iam:PassRole"], create_schedule),
    # "IAM policies for AWS Lambda" (https://docs.aws.amazon.com/step-functions/latest/dg/lambda-iam.html).
    ("lambda", "Invoke"): (["lambda:InvokeFunction"], lambda_invoke),
    # "IAM policies for AWS Step Functions" (https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html).
    ("stepfunctions", "StartExecution"): (["states:StartExecution"], states_start),
}


def events_rule(call: Call, rule: str) -> list[Access]:
    arn = f"arn:aws:events:{call.region}:{call.account}:rule/{rule}"
    return [Access(action, arn) for action in ("events:PutTargets", "events:PutRule", "events:DescribeRule")]


def sync_sagemaker(kind: str, name_member: str, describe: str, stop: str, rule: str):
    """A `.sync` SageMaker job: Step Functions describes it, stops it when the execution
    stops, reads its tags, and keeps its managed EventBridge rule (sagemaker-iam.html)."""

    def accesses(call: Call) -> list[Access]:
        arn = sagemaker_arn(call, kind, call.request[name_member])
        return ([Access(f"sagemaker:{action}", arn) for action in (describe, stop, "ListTags")]
                + events_rule(call, rule))

    actions = [f"sagemaker:{describe}", f"sagemaker:{stop}", "sagemaker:ListTags",
               "events:PutTargets", "events:PutRule", "events:DescribeRule"]
    return actions, accesses


def sync_execution(call: Call) -> list[Access]:
    """startExecution.sync(:2): DescribeExecution and StopExecution on the child execution,
    and the managed rule StepFunctionsGetEventsForStepFunctionsExecutionRule
    (stepfunctions-iam.html)."""
    machine = call.request["StateMachineArn"]
    _, _, _, region, account, _, name = machine.split(":", 6)
    execution = f"arn:aws:states:{region}:{account}:execution:{name}:{call.request['Name']}"
    return ([Access(action, execution) for action in ("states:DescribeExecution", "states:StopExecution")]
            + events_rule(call, "StepFunctionsGetEventsForStepFunctionsExecutionRule"))


# Task resource (after arn:aws:states:::) -> what its `.sync` pattern adds.
SYNC = {
    "sagemaker:createTrainingJob.sync": sync_sagemaker(
        "training-job", "TrainingJobName", "DescribeTrainingJob", "StopTrainingJob",
        "StepFunctionsGetEventsForSageMakerTrainingJobsRule"),
    "sagemaker:createTransformJob.sync": sync_sagemaker(
        "transform-job", "TransformJobName", "DescribeTransformJob", "StopTransformJob",
        "StepFunctionsGetEventsForSageMakerTransformJobsRule"),
    "states:startExecution.sync:2": (
        ["states:DescribeExecution", "states:StopExecution",
         "events:PutTargets", "events:PutRule", "events:DescribeRule"], sync_execution),
}

# Grants no Task state's call uses, each with the reason it is there anyway.
UNUSED_GRANTS = {
    # The Lambda service writes the function's logs with the function's role ("Lambda
    # execution role", https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html).
    ("EvaluateFunctionRole", "logs:CreateLogStream"): "the Lambda service writes the function's logs with its role",
    ("EvaluateFunctionRole", "logs:PutLogEvents"): "the Lambda service writes the function's logs with its role",
    # Without s3:ListBucket, S3 answers a GetObject of a missing key with AccessDenied instead
    # of NoSuchKey ("GetObject", Permissions: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html);
    # the function tells "no output.tar.gz" from "not allowed" by that answer.
    ("EvaluateFunctionRole", "s3:ListBucket"): "GetObject of a missing key answers NoSuchKey only with s3:ListBucket",
    # RegisterScalableTarget creates Application Auto Scaling's service-linked role for
    # SageMaker on first use, with the caller's permission ("Service-linked roles for
    # Application Auto Scaling", https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-service-linked-roles.html).
    ("DeployStateMachineRole", "iam:CreateServiceLinkedRole"): "RegisterScalableTarget creates the autoscaling service-linked role on first use",
}


def operation_of(resource: str, where: str) -> tuple[str, str]:
    if resource not in cases.RESOURCES:
        raise Unknown(f"{where}: Task resource {resource} names no API operation: add it to RESOURCES "
                      f"in scripts/aws-models/cases.py (and its request shape to scripts/aws-models/extract.py)")
    return cases.RESOURCES[resource]


def entry_of(service: str, operation: str, where: str):
    if (service, operation) not in AUTHORIZED:
        raise Unknown(f"{where}: no IAM mapping for {service}.{operation}: add an entry to AUTHORIZED in {THIS} "
                      "(the IAM actions AWS authorizes for it and the ARNs, from the service's page of the "
                      "Service Authorization Reference, cited)")
    return AUTHORIZED[(service, operation)]


class Unknown(Exception):
    pass


def accesses_of(resource: str, call: Call) -> list[Access]:
    service, operation = operation_of(resource, call.where)
    _, accesses = entry_of(service, operation, call.where)
    out = accesses(operation, call)
    if ".sync" in resource:
        if resource not in SYNC:
            raise Unknown(f"{call.where}: {resource} is a .sync integration with no entry in SYNC in {THIS}")
        out += SYNC[resource][1](call)
    return out


def actions_of(resource: str, where: str) -> set[str]:
    service, operation = operation_of(resource, where)
    actions, _ = entry_of(service, operation, where)
    out = {a.format(operation=operation) for a in actions}
    if ".sync" in resource:
        if resource not in SYNC:
            raise Unknown(f"{where}: {resource} is a .sync integration with no entry in SYNC in {THIS}")
        out |= set(SYNC[resource][0])
    return out


# ------------------------------------------------------------------------- the template


class LocalResolver(Resolver):
    """The names the local runner gives the stack's resources (src/local/machines.rs:
    machine_arn, role_arn, evaluate_function_arn), so resolved policies name what the
    recorded requests name."""

    def __init__(self, template: dict, region: str, account: str, stack: str, data_bucket: str):
        super().__init__(template, {"AWS::Partition": "aws", "AWS::Region": region, "AWS::AccountId": account,
                                    "AWS::StackName": stack, "AWS::URLSuffix": "amazonaws.com"})
        self.data_bucket = data_bucket

    # The roles the local runner passes in requests (src/local/machines.rs, placeholders
    # SageMakerRoleArn and EndpointExpiryRoleArn).
    PASSED_ROLES = {"SageMakerExecutionRole": "sagemaker", "EndpointExpiryRole": "endpoint-expiry"}

    def role_name(self, name: str) -> str:
        if name in self.PASSED_ROLES:
            return f"{self.stack}-{self.PASSED_ROLES[name]}"
        return super().role_name(name)

    def bucket_name(self, name: str) -> str:
        return self.data_bucket if name == "DataBucket" else super().bucket_name(name)


def role_policies(template: dict, resolver: Resolver, role: str) -> list[dict]:
    properties = template["Resources"][role]["Properties"]
    policies = [resolver.resolve(p["PolicyDocument"]) for p in properties.get("Policies", [])]
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy":
            roles = resource["Properties"].get("Roles", [])
            if {"Ref": role} in roles:
                policies.append(resolver.resolve(resource["Properties"]["PolicyDocument"]))
    return policies


def role_of(template: dict, logical_id: str, attribute: str) -> str:
    role = template["Resources"][logical_id]["Properties"][attribute]
    assert list(role) == ["Fn::GetAtt"], f"{logical_id}.{attribute} is not a GetAtt of a role: {role}"
    name = role["Fn::GetAtt"]
    return name[0] if isinstance(name, list) else name.split(".")[0]


def machines(template: dict) -> dict[str, dict]:
    """Logical id -> definition (placeholders left in place) of each state machine."""
    out = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::StepFunctions::StateMachine":
            continue
        definition = resource["Properties"]["DefinitionString"]
        text = definition["Fn::Sub"][0] if isinstance(definition["Fn::Sub"], list) else definition["Fn::Sub"]
        out[name] = json.loads(text)
    return out


def task_resources(definition: dict) -> set[str]:
    found = set()

    def walk(states: dict):
        for state in states.values():
            if state.get("Type") == "Task":
                found.add(state["Resource"].split(":::", 1)[1])
            for branch in state.get("Branches", []):
                walk(branch["States"])
            for key in ("Iterator", "ItemProcessor"):
                if key in state:
                    walk(state[key]["States"])

    walk(definition["States"])
    return found


def permitted(policies: list[dict], access: Access) -> bool:
    verdicts = [IAMPolicy(json.dumps(p)).is_action_permitted(access.action, access.resource,
                                                            incoming_condition_values=access.context)
                for p in policies]
    return PermissionResult.DENIED not in verdicts and PermissionResult.PERMITTED in verdicts


# ------------------------------------------------------------------------- the histories


def recorded_calls(directory: Path):
    for history in sorted(directory.rglob("history.json")):
        events = json.loads(history.read_text())["events"]
        started = next((e["executionStartedEventDetails"] for e in events if e["type"] == "ExecutionStarted"), None)
        if started is None or "stateMachineArn" not in started:
            raise Unknown(f"{history}: no ExecutionStarted event with a stateMachineArn")
        machine_arn = started["stateMachineArn"]
        for event in events:
            if event.get("type") == "TaskScheduled":
                details = event["taskScheduledEventDetails"]
                resource = f"{details['resourceType']}:{details['resource']}"
                yield (history, event["id"], machine_arn, resource, json.loads(details["parameters"]))


def machine_of(template: dict, machine_arn: str) -> tuple[str, str, str, str]:
    """(logical id, region, account, stack) from a local machine ARN
    `arn:aws:states:<region>:<account>:stateMachine:<stack>-<LogicalId>`."""
    _, _, _, region, account, _, name = machine_arn.split(":", 6)
    for logical_id in machines(template):
        if name.endswith(f"-{logical_id}"):
            return logical_id, region, account, name[: -len(logical_id) - 1]
    raise Unknown(f"{machine_arn}: names none of the template's state machines {sorted(machines(template))}")


def check_histories(template: dict, directories: list[Path], data_bucket: str) -> tuple[int, list[str]]:
    checked, findings = 0, []
    for directory in directories:
        for history, event_id, machine_arn, resource, request in recorded_calls(directory):
            where = f"{history} event {event_id} ({resource})"
            try:
                logical_id, region, account, stack = machine_of(template, machine_arn)
                resolver = LocalResolver(template, region, account, stack, data_bucket)
                call = Call(where, region, account, request)
                calls = [(role_of(template, logical_id, "RoleArn"), accesses_of(resource, call))]
                calls += downstream(template, resolver, resource, call)
            except Unknown as unknown:
                findings.append(str(unknown))
                continue
            for role, accesses in calls:
                policies = role_policies(template, resolver, role)
                for access in accesses:
                    checked += 1
                    if not permitted(policies, access):
                        findings.append(f"{where}: {role} may not {access.action} on {access.resource}"
                                        f"{' with ' + json.dumps(access.context) if access.context else ''}")
    return checked, findings


def downstream(template: dict, resolver: Resolver, resource: str, call: Call) -> list[tuple[str, list[Access]]]:
    """Calls a Task's target makes with its own role: the evaluation Lambda reads
    `output.tar.gz` beside the event's ModelPath (lambdas/evaluate/src/lib.rs,
    `archive_location`) with s3:GetObject on the object's ARN
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html)."""
    if resource != "lambda:invoke":
        return []
    target = function_arn(call, call.request["FunctionName"])
    functions = [name for name, res in template["Resources"].items() if res["Type"] == "AWS::Lambda::Function"]
    if target not in {resolver.get_att(name, "Arn") for name in functions} or "EvaluateFunction" not in functions:
        raise Unknown(f"{call.where}: invokes {target}, which is not the template's EvaluateFunction: "
                      f"say what it calls in `downstream` in {THIS}")
    model_path = call.request["Payload"]["ModelPath"]
    if not model_path.startswith("s3://"):
        # A plain path: the local runner's data outside any bucket (a local-runner feature,
        # as check_histories.py says); on AWS a model's data is always an s3:// URI.
        return []
    bucket, _, key = model_path.removeprefix("s3://").partition("/")
    archive = key.rsplit("/", 1)[0] + "/output.tar.gz"
    return [(role_of(template, "EvaluateFunction", "Role"), [Access("s3:GetObject", f"arn:aws:s3:::{bucket}/{archive}")])]


# ------------------------------------------------------------------------- least privilege


def granted_actions(policies: list[dict]) -> set[str]:
    out = set()
    for policy in policies:
        statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
        for statement in statements:
            if statement.get("Effect") == "Allow":
                actions = statement.get("Action", [])
                out |= set(actions if isinstance(actions, list) else [actions])
    return out


def check_least_privilege(template: dict) -> tuple[int, list[str]]:
    findings, explained = [], set()
    resolver = LocalResolver(template, "local", "000000000000", "automl", "data")
    used_by_role: dict[str, set[str]] = {}
    for logical_id, definition in machines(template).items():
        role = role_of(template, logical_id, "RoleArn")
        for resource in task_resources(definition):
            try:
                used_by_role.setdefault(role, set()).update(actions_of(resource, f"{logical_id} ({resource})"))
            except Unknown as unknown:
                findings.append(str(unknown))
        if "lambda:invoke" in task_resources(definition):
            used_by_role.setdefault(role_of(template, "EvaluateFunction", "Role"), set()).add("s3:GetObject")
    checked = 0
    for role, used in sorted(used_by_role.items()):
        granted = granted_actions(role_policies(template, resolver, role))
        checked += len(granted)
        for action in sorted(granted - used):
            if (role, action) in UNUSED_GRANTS:
                explained.add((role, action))
            else:
                findings.append(f"{role} grants {action}, which no call of its Task states uses: remove the grant, "
                                f"or explain it in UNUSED_GRANTS in {THIS}")
        for action in sorted(used - granted):
            findings.append(f"{role} lacks {action}, which its Task states use")
    for stale in sorted(set(UNUSED_GRANTS) - explained):
        findings.append(f"UNUSED_GRANTS explains {stale}, which is granted and unused no more: remove the entry")
    return checked, findings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", type=Path, default=REPO / "templates" / "automl.template.json")
    parser.add_argument("--data-bucket", default="data")
    parser.add_argument("--least-privilege", action="store_true")
    parser.add_argument("directories", nargs="*", type=Path)
    args = parser.parse_args(argv)
    template = json.loads(args.template.read_text())
    if args.least_privilege:
        checked, findings = check_least_privilege(template)
        what = "grants checked for use"
    else:
        if not args.directories:
            parser.error("give the directories holding history.json files, or --least-privilege")
        checked, findings = check_histories(template, args.directories, args.data_bucket)
        what = "authorizations of recorded calls checked with moto's IAM evaluator"
    for finding in findings:
        print(finding)
    print(f"{checked} {what}: {len(findings)} findings")
    if checked == 0:
        return 2
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
