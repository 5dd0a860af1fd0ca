#!/usr/bin/env python3
"""Write tests/fixtures/service-model-cases.json: requests the state machines send to AWS,
valid and deliberately broken, each with the verdict of AWS's models as botocore reads them.

The requests are the Task states' Parameters in templates/*.asl.json, rendered as Step
Functions renders them (`.$` paths resolved against the example inputs in examples/,
`${...}` definition substitutions filled with plausible values), then put in the API's own
form (Step Functions serialises a Lambda `Payload` and a `StartExecution` `Input` given as
JSON). The operations the model-registry, auto-scaling and scheduling work adds get
hand-built requests in the form their documentation gives. Each valid request is then
broken one way at a time: a required member removed, an unknown member, a wrong type, a
value below a minimum, a bad enum value, a name too long, a pattern violated.

Each case records two verdicts, as (path, constraint, member) triples:
- "botocore": botocore.validate.ParamValidator's own report (required, unknown, types,
  min; paths as botocore names them);
- "service_side": what botocore leaves to the service and AWS checks on receipt (max
  length/value, enum, pattern matched against the whole value, map entry counts), read
  from the same botocore Shape objects; patterns are Java regexes, matched here with PyPI
  `regex` after java_pattern() (Java's \\d \\w \\s and POSIX classes are ASCII, \\p{L} is Unicode).
The Rust validator (src/awsmodel/tests.rs) must report exactly their union.

    target/tools/awsmodel/bin/python scripts/aws-models/cases.py           # rewrite
    target/tools/awsmodel/bin/python scripts/aws-models/cases.py --out F   # elsewhere
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
from pathlib import Path

import botocore
import botocore.session
import regex
from botocore.validate import ParamValidator

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "fixtures" / "service-model-cases.json"

ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK = "automl"
EXECUTION = "run-2026-12-01-a1b2"

# The DefinitionString's Fn::Sub variables, as a deploy fills them (src/stack/).
SUBSTITUTIONS = {
    "AWS::Region": REGION,
    "AWS::StackName": STACK,
    "AWS::Partition": "aws",
    "AWS::AccountId": ACCOUNT,
    "SageMakerRoleArn": f"arn:aws:iam::{ACCOUNT}:role/automl-SageMakerRole-1A2B3C4D5E6F",
    "TrainingImage": f"763104351884.dkr.ecr.{REGION}.amazonaws.com/autogluon-training:1.4.0-cpu-py311-ubuntu22.04",
    "InferenceImage": f"763104351884.dkr.ecr.{REGION}.amazonaws.com/autogluon-inference:1.4.0-cpu-py311-ubuntu22.04",
    "ScriptsUri": f"s3://automl-assets-{ACCOUNT}-{REGION}/scripts/0123abcd.tar.gz",
    "EvaluateFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:automl-Evaluate-1A2B3C",
    "TrainStateMachineArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:automl-Train",
    "DeployStateMachineArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:automl-Deploy",
    "EndpointExpiryRoleArn": f"arn:aws:iam::{ACCOUNT}:role/automl-EndpointExpiryRole-1A2B3C4D5E6F",
}

# Resource (after arn:aws:states:::) -> (botocore service, operation).
RESOURCES = {
    "sagemaker:createTrainingJob.sync": ("sagemaker", "CreateTrainingJob"),
    "aws-sdk:sagemaker:describeTrainingJob": ("sagemaker", "DescribeTrainingJob"),
    "sagemaker:createModel": ("sagemaker", "CreateModel"),
    "sagemaker:createEndpointConfig": ("sagemaker", "CreateEndpointConfig"),
    "sagemaker:createEndpoint": ("sagemaker", "CreateEndpoint"),
    "aws-sdk:sagemaker:describeEndpoint": ("sagemaker", "DescribeEndpoint"),
    "sagemaker:createTransformJob.sync": ("sagemaker", "CreateTransformJob"),
    "sagemaker:updateEndpoint": ("sagemaker", "UpdateEndpoint"),
    "aws-sdk:sagemaker:deleteEndpointConfig": ("sagemaker", "DeleteEndpointConfig"),
    "aws-sdk:applicationautoscaling:registerScalableTarget": ("application-autoscaling", "RegisterScalableTarget"),
    "aws-sdk:applicationautoscaling:putScalingPolicy": ("application-autoscaling", "PutScalingPolicy"),
    "aws-sdk:scheduler:createSchedule": ("scheduler", "CreateSchedule"),
    "lambda:invoke": ("lambda", "Invoke"),
    "states:startExecution.sync:2": ("stepfunctions", "StartExecution"),
    "aws-sdk:sagemaker:createModelPackageGroup": ("sagemaker", "CreateModelPackageGroup"),
    "aws-sdk:sagemaker:createModelPackage": ("sagemaker", "CreateModelPackage"),
    "aws-sdk:sagemaker:describeModelPackage": ("sagemaker", "DescribeModelPackage"),
}


# --------------------------------------------------------------------------- rendering


def substitute(text: str) -> str:
    def fill(match):
        name = match.group(1)
        if name not in SUBSTITUTIONS:
            sys.exit(f"no plausible value for ${{{name}}}: add it to SUBSTITUTIONS")
        return SUBSTITUTIONS[name]

    return re.sub(r"\$\{([^}]+)\}", fill, text)


def lookup(path: str, state: dict, context: dict):
    root, rest = (context, path[2:]) if path.startswith("$$") else (state, path[1:])
    value = root
    for part in filter(None, rest.split(".")):
        value = value[part]
    return value


def split_arguments(raw: str) -> list[str]:
    """The top-level arguments of an intrinsic call: commas inside nested calls or quoted
    strings do not split."""
    args, depth, quoted, current = [], 0, False, ""
    for char in raw:
        if char == "'" and not current.endswith("\\"):
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            args.append(current.strip())
            current = ""
            continue
        current += char
    if current.strip():
        args.append(current.strip())
    return args


def argument(text: str, state: dict, context: dict):
    if text.startswith("'"):
        return text[1:-1]
    if text.startswith("$"):
        return lookup(text, state, context)
    if text.startswith("States."):
        return evaluate(text, state, context)
    return json.loads(text)  # a number, true, false or null


def evaluate(expression: str, state: dict, context: dict):
    """The expressions the machines use: paths and the intrinsics below, nested."""
    if expression.startswith("$"):
        return lookup(expression, state, context)
    call = re.fullmatch(r"States\.(\w+)\((.*)\)", expression, re.S)
    if not call:
        sys.exit(f"cannot evaluate {expression!r}")
    function, raw_args = call.groups()
    values = [argument(a, state, context) for a in split_arguments(raw_args)]
    if function == "Format":
        template, *rest = values
        for value in rest:
            template = template.replace("{}", str(value), 1)
        return template
    if function == "JsonToString":
        return json.dumps(values[0], separators=(",", ":"))
    if function == "Hash":
        return hashlib.new(values[1].lower(), str(values[0]).encode()).hexdigest()
    # The child execution's name (src/stack/machines/main.rs, child_name_expression).
    if function == "Array":
        return values
    if function == "ArrayUnique":
        return [v for i, v in enumerate(values[0]) if v not in values[0][:i]]
    if function == "ArrayLength":
        return len(values[0])
    if function == "ArrayGetItem":
        return values[0][values[1]]
    sys.exit(f"States.{function} is not rendered here: add it to evaluate()")


def render(template, state: dict, context: dict):
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = evaluate(value, state, context)
            else:
                out[key] = render(value, state, context)
        return out
    if isinstance(template, list):
        return [render(item, state, context) for item in template]
    if isinstance(template, str):
        return substitute(template)
    return template


# Members a Task may give as JSON that Step Functions serialises to the API's string/blob:
# https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html (Payload),
# https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html (Input).
SERIALISED = {("lambda", "Invoke", "Payload"), ("stepfunctions", "StartExecution", "input")}


def api_form(service: str, operation: str, request: dict, shape) -> dict:
    """The request as the API receives it from a Task: Step Functions takes member names in
    PascalCase and passes them in the API's own case (Step Functions' API itself is
    camelCase: stateMachineArn, name, input), and serialises the members above."""
    out = {}
    for key, value in request.items():
        member = next((m for m in shape.members if m == key or m[:1].lower() + m[1:] == key[:1].lower() + key[1:]), key)
        if (service, operation, member) in SERIALISED and not isinstance(value, str):
            value = json.dumps(value, separators=(",", ":"))
        out[member] = value
    return out


def tasks(machine: str):
    definition = json.loads((REPO / "templates" / f"{machine}.asl.json").read_text())
    found = []

    def walk(states):
        for name, state in sorted(states.items()):
            if state["Type"] == "Task":
                resource = state["Resource"].split("states:::", 1)[1]
                found.append((name, resource, state.get("Parameters", {})))
            for branch in state.get("Branches", []):
                walk(branch["States"])

    walk(definition["States"])
    return found


def machine_requests() -> list[tuple[str, str, str, dict]]:
    """(case name, service, operation, request) for every Task of every machine."""
    train_example = json.loads((REPO / "examples" / "train_evaluate_endpoint.json").read_text())
    batch_example = json.loads((REPO / "examples" / "pretrained_batch.json").read_text())
    # The first attempt (RedriveCount 0): the child names every example run gets.
    context = {"Execution": {"Name": EXECUTION, "RedriveCount": 0,
                             "Id": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:automl-Main:{EXECUTION}"}}
    name = f"{STACK}-{EXECUTION}"
    # Each machine's state input where its Tasks run (after its naming Pass state).
    main_state = {
        **train_example,
        "Training": {"ModelPath": f"s3://bucket/output/{name}/output/model.tar.gz",
                     "TrainingJobName": f"{name}-train", "Image": SUBSTITUTIONS["InferenceImage"]},
        "Evaluation": {"Metric": "accuracy", "Value": 0.9130434782608695, "Threshold": 0.6},
        # What the registry's Pass states put there (src/stack/machines/registry.rs).
        "Registering": {"Status": "Approved", "ModelPackageGroupName": f"{STACK}-bank"},
        "Package": {"Arn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{STACK}-bank/1",
                    "ModelName": f"{name}-model",
                    "Described": {"ModelPackageArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{STACK}-bank/1",
                                  "ModelApprovalStatus": "Approved"}},
    }
    # What the Train machine's DefaultFeatureImportance fills in before TrainModel runs.
    train_parameters = copy.deepcopy(train_example["Parameters"])
    train_parameters["Train"].setdefault(
        "FeatureImportance", {"Enabled": True, "TimeLimit": 60.0, "SubsampleSize": 5000})
    # What ChooseTrainingImage/ChooseInferenceImage put there for the CPU instance types.
    images = {"Training": {"Uri": SUBSTITUTIONS["TrainingImage"]},
              "Inference": {"Uri": SUBSTITUTIONS["InferenceImage"]}}
    # A rerun's state: the first attempt's job, as the Main machine names it (FirstAttempt).
    train_state = {"JobName": name, "Parameters": train_parameters, "Images": images,
                   "FirstAttempt": {"TrainingJobName": f"{STACK}-{EXECUTION}-train"},
                   "TrainingJob": {"ModelArtifacts": {"S3ModelArtifacts": f"s3://bucket/output/{name}/output/model.tar.gz"}}}
    train_state["TrainingJob"]["ModelArtifacts"] = train_state["TrainingJob"]["ModelArtifacts"]["S3ModelArtifacts"]
    endpoint_parameters = copy.deepcopy(train_example["Parameters"])
    endpoint_parameters["PretrainedModel"] = {"Name": name}
    # Every optional endpoint field, as `automl validate --print` normalises them.
    endpoint_parameters["Deploy"].update({
        "EndpointName": f"{STACK}-live",
        "Serverless": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
        "Update": {"DeploymentConfig": {
            "BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {
                "Type": "CANARY", "WaitIntervalInSeconds": 300,
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10}}},
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "automl-live-errors"}]}}},
        "AutoScaling": {"MinInstances": 1, "MaxInstances": 4, "TargetInvocationsPerInstance": 100.0},
        "ExpiresAt": "2030-01-31T18:00:00",
    })
    states = {
        "Main": main_state,
        "Train": train_state,
        "Deploy": {"ResourceName": name, "Parameters": endpoint_parameters,
                   "Endpoint": {"Name": f"{STACK}-live"},
                   "PreviousEndpoint": {"EndpointConfigName": f"{STACK}-previous-deploy"},
                   "ExpiryTarget": {"EndpointName": f"{STACK}-live"}},
    }
    batch_state = {"ResourceName": name, "Parameters": batch_example["Parameters"]}
    out = []
    for machine in ("Deploy", "Main", "Train"):
        for task, resource, parameters in tasks(machine):
            if resource not in RESOURCES:
                sys.exit(f"{machine}.{task}: no operation known for {resource}: add it to RESOURCES")
            service, operation = RESOURCES[resource]
            state = batch_state if task == "BatchTransform" else states[machine]
            request = render(parameters, state, context)
            out.append((f"{machine}.{task}", service, operation, request))
    return out


def added_requests() -> list[tuple[str, str, str, dict]]:
    """The model registry, endpoint update, auto-scaling and schedule calls, as their API
    references show them."""
    name = f"{STACK}-{EXECUTION}"
    image = SUBSTITUTIONS["InferenceImage"]
    tags = [{"Key": "automl:stack", "Value": STACK}]
    resource_id = f"endpoint/{name}/variant/AllTraffic"
    return [
        ("Registry.CreateModelPackageGroup", "sagemaker", "CreateModelPackageGroup",
         {"ModelPackageGroupName": STACK, "ModelPackageGroupDescription": "AutoGluon models", "Tags": tags}),
        ("Registry.CreateModelPackage", "sagemaker", "CreateModelPackage", {
            "ModelPackageGroupName": STACK,
            "ModelApprovalStatus": "PendingManualApproval",
            "InferenceSpecification": {
                "Containers": [{"Image": image, "ModelDataUrl": f"s3://bucket/output/{name}/output/model.tar.gz",
                                "Environment": {"SAGEMAKER_PROGRAM": "tabular_serve.py"}}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv", "application/json"],
                "SupportedRealtimeInferenceInstanceTypes": ["ml.m5.large"],
                "SupportedTransformInstanceTypes": ["ml.m5.xlarge"],
            },
            "CustomerMetadataProperties": {"execution": EXECUTION},
            "Tags": tags,
        }),
        ("Endpoint.UpdateEndpoint", "sagemaker", "UpdateEndpoint",
         {"EndpointName": name, "EndpointConfigName": f"{name}-2"}),
        ("Endpoint.DeleteEndpointConfig", "sagemaker", "DeleteEndpointConfig", {"EndpointConfigName": name}),
        ("Scaling.RegisterScalableTarget", "application-autoscaling", "RegisterScalableTarget", {
            "ServiceNamespace": "sagemaker", "ResourceId": resource_id,
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "MinCapacity": 1, "MaxCapacity": 4, "Tags": {"automl:stack": STACK},
        }),
        ("Scaling.PutScalingPolicy", "application-autoscaling", "PutScalingPolicy", {
            "PolicyName": f"{name}-invocations", "ServiceNamespace": "sagemaker", "ResourceId": resource_id,
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount", "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 70.0, "ScaleInCooldown": 300, "ScaleOutCooldown": 60,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            },
        }),
        ("Schedule.CreateSchedule", "scheduler", "CreateSchedule", {
            "Name": f"{STACK}-nightly", "ScheduleExpression": "cron(0 3 * * ? *)",
            "ScheduleExpressionTimezone": "Europe/Paris", "StartDate": "2026-12-02T00:00:00Z",
            "FlexibleTimeWindow": {"Mode": "OFF"}, "State": "ENABLED",
            "Target": {"Arn": SUBSTITUTIONS["TrainStateMachineArn"].replace("Train", "Main"),
                       "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/automl-SchedulerRole-1A2B",
                       "Input": json.dumps({"Parameters": {"Flow": {"Train": True}}}),
                       "RetryPolicy": {"MaximumRetryAttempts": 0}},
        }),
    ]


# --------------------------------------------------------------------------- breaking


def set_at(request: dict, path: list, value) -> dict:
    out = copy.deepcopy(request)
    target = out
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


DELETE = object()
VALID = "valid"

# (case suffix, base case, path in the request, new value). Each breaks one constraint of
# a request a machine really sends, on a member whose value comes from the user's input or
# from the execution's name.
BREAKS = [
    ("missing-required", "Train.TrainModel", ["RoleArn"], DELETE),
    ("missing-nested-required", "Train.TrainModel", ["AlgorithmSpecification", "TrainingInputMode"], DELETE),
    ("unknown-member", "Train.TrainModel", ["ResourceConfig", "InstanceKind"], "ml.m5.xlarge"),
    ("bad-instance-type", "Train.TrainModel", ["ResourceConfig", "InstanceType"], "ml.m5.mega"),
    ("endpoint-only-instance-type", "Train.TrainModel", ["ResourceConfig", "InstanceType"], "ml.c5.large"),
    ("count-as-string", "Train.TrainModel", ["ResourceConfig", "InstanceCount"], "1"),
    ("count-negative", "Train.TrainModel", ["ResourceConfig", "InstanceCount"], -1),
    ("count-fraction", "Train.TrainModel", ["ResourceConfig", "InstanceCount"], 1.5),
    ("name-too-long", "Train.TrainModel", ["TrainingJobName"], "a" * 64),
    ("name-underscore", "Train.TrainModel", ["TrainingJobName"], "automl_run"),
    ("name-empty", "Train.TrainModel", ["TrainingJobName"], ""),
    ("hyperparameter-too-long", "Train.TrainModel", ["HyperParameters", "fit_args"], "x" * 2501),
    ("hyperparameter-number", "Train.TrainModel", ["HyperParameters", "fit_args"], 600),
    ("s3-uri-not-s3", "Train.TrainModel", ["InputDataConfig", 0, "DataSource", "S3DataSource", "S3Uri"], "gs://bucket/train.csv"),
    ("channels-empty", "Train.TrainModel", ["InputDataConfig"], []),
    ("tag-value-bad-character", "Train.TrainModel", ["Tags", 1, "Value"], "run#1"),
    ("max-runtime-zero", "Train.TrainModel", ["StoppingCondition", "MaxRuntimeInSeconds"], 0),
    ("volume-not-integer", "Train.TrainModel", ["ResourceConfig", "VolumeSizeInGB"], "30"),
    ("environment-key-bad", "Train.CreateModel", ["PrimaryContainer", "Environment", "1BAD-KEY"], "x"),
    ("model-name-too-long", "Train.CreateModel", ["ModelName"], "m" * 64),
    ("model-url-not-s3", "Train.CreateModel", ["PrimaryContainer", "ModelDataUrl"], "file:///tmp/model.tar.gz"),
    ("variant-bad-instance-type", "Deploy.CreateEndpointConfig", ["ProductionVariants", 0, "InstanceType"], "ml.foo"),
    ("variant-training-only-instance-type", "Deploy.CreateEndpointConfig", ["ProductionVariants", 0, "InstanceType"], "ml.c5n.xlarge"),
    ("variant-count-negative", "Deploy.CreateEndpointConfig", ["ProductionVariants", 0, "InitialInstanceCount"], -1),
    ("variants-empty", "Deploy.CreateEndpointConfig", ["ProductionVariants"], []),
    ("endpoint-name-too-long", "Deploy.CreateEndpoint", ["EndpointName"], "e" * 64),
    ("describe-name-dash-end", "Deploy.DescribeEndpoint", ["EndpointName"], "automl-"),
    ("transform-bad-instance-type", "Deploy.BatchTransform", ["TransformResources", "InstanceType"], "ml.m5.mega"),
    ("transform-split-type-bad", "Deploy.BatchTransform", ["TransformInput", "SplitType"], "Lines"),
    ("transform-missing-output", "Deploy.BatchTransform", ["TransformOutput"], DELETE),
    ("lambda-function-bad", "Main.EvaluateModel", ["FunctionName"], "not a function"),
    # Valid: Step Functions serialises a JSON Payload / Input (see SERIALISED).
    ("lambda-payload-object", "Main.EvaluateModel", ["Payload"], {"ModelPath": "s3://b/k"}, VALID),
    ("lambda-unknown", "Main.EvaluateModel", ["Qualifier2"], "1"),
    ("child-name-too-long", "Main.TrainModel", ["Name"], "n" * 81),
    ("child-input-object", "Main.TrainModel", ["Input"], {"a": 1}, VALID),
    ("child-missing-arn", "Main.TrainModel", ["StateMachineArn"], DELETE),
    ("package-bad-approval", "Registry.CreateModelPackage", ["ModelApprovalStatus"], "Approve"),
    ("package-bad-realtime-type", "Registry.CreateModelPackage", ["InferenceSpecification", "SupportedRealtimeInferenceInstanceTypes", 0], "ml.m5.mega"),
    ("package-metadata-key-empty", "Registry.CreateModelPackage", ["CustomerMetadataProperties", ""], "x"),
    ("group-name-too-long", "Registry.CreateModelPackageGroup", ["ModelPackageGroupName"], "g" * 64),
    ("machine-group-name-underscore", "Main.CreateModelPackageGroup", ["ModelPackageGroupName"], "automl_bank"),
    ("machine-package-score-brace", "Main.CreateModelPackage", ["CustomerMetadataProperties", "Score"], "{0.9}"),
    ("machine-package-token-too-long", "Main.CreateModelPackage", ["ClientToken"], "t" * 37),
    ("machine-package-missing-containers", "Main.CreateModelPackage", ["InferenceSpecification", "Containers"], DELETE),
    ("describe-package-group-arn", "Main.DescribeModelPackage", ["ModelPackageName"], "arn:aws:sagemaker:us-east-1:123456789012:model-package/automl-bank/x"),
    ("model-from-package-bad-name", "Main.CreateModelFromPackage", ["Containers", 0, "ModelPackageName"], "automl_bank/1"),
    ("scaling-bad-namespace", "Scaling.RegisterScalableTarget", ["ServiceNamespace"], "SageMaker"),
    ("scaling-capacity-string", "Scaling.RegisterScalableTarget", ["MinCapacity"], "1"),
    ("policy-target-string", "Scaling.PutScalingPolicy", ["TargetTrackingScalingPolicyConfiguration", "TargetValue"], "70"),
    ("policy-bad-metric", "Scaling.PutScalingPolicy", ["TargetTrackingScalingPolicyConfiguration", "PredefinedMetricSpecification", "PredefinedMetricType"], "Invocations"),
    ("schedule-bad-date", "Schedule.CreateSchedule", ["StartDate"], "tomorrow"),
    ("schedule-date-number", "Schedule.CreateSchedule", ["StartDate"], 1764633600, VALID),  # epoch seconds
    ("schedule-missing-window", "Schedule.CreateSchedule", ["FlexibleTimeWindow"], DELETE),
    ("schedule-retries-too-many", "Schedule.CreateSchedule", ["Target", "RetryPolicy", "MaximumRetryAttempts"], 186),
    ("schedule-name-bad", "Schedule.CreateSchedule", ["Name"], "nightly run"),
    ("schedule-state-bool", "Schedule.CreateSchedule", ["State"], True),
]


# --------------------------------------------------------------------------- verdicts

BOTOCORE_CODES = {
    "missing required field": "missing",
    "unknown field": "unknown",
    "invalid type": "type",
    "invalid type for document": "type",
    "invalid range": "range",
    "invalid length": "length",
    "more than one input": "union",
    "empty input": "union",
}


def botocore_verdict(request: dict, shape) -> list[list[str]]:
    report = ParamValidator().validate(request, shape)
    out = []
    for reason, name, extra in report._errors:
        member = extra.get("required_name") or extra.get("unknown_param") or ""
        out.append([report._get_name(name), BOTOCORE_CODES[reason], member])
    return sorted(out)


# Java's ASCII-only classes (java.util.regex.Pattern without UNICODE_CHARACTER_CLASS, as AWS
# validates), for PyPI regex, whose \d \w \s and POSIX classes are Unicode (and whose
# ASCII flag would also make \p{L} ASCII, unlike Java). Inside a class, V1 nested sets.
JAVA_ASCII = {
    "d": "[0-9]", "D": "[^0-9]", "w": "[0-9A-Za-z_]", "W": "[^0-9A-Za-z_]",
    "s": "[ \\t\\n\\x0B\\f\\r]", "S": "[^ \\t\\n\\x0B\\f\\r]",
    "p{Alnum}": "[0-9A-Za-z]", "p{Alpha}": "[A-Za-z]", "p{ASCII}": "[\\x00-\\x7F]",
    "p{Print}": "[\\x20-\\x7E]", "p{Graph}": "[\\x21-\\x7E]", "p{Digit}": "[0-9]",
}


def java_pattern(pattern: str) -> str:
    """A Java pattern for PyPI regex (V1): the ASCII classes above; a surrogate pair of
    \\u escapes read as one supplementary code point, as Java reads it."""
    def pair(match):
        high, low = int(match.group(1), 16), int(match.group(2), 16)
        return "\\U%08X" % (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))

    pattern = re.sub(r"\\u(D[89ABab][0-9A-Fa-f]{2})\\u(D[C-Fc-f][0-9A-Fa-f]{2})", pair, pattern)
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            key = next((k for k in JAVA_ASCII if pattern.startswith(k, i + 1)), None)
            if key:
                out.append(JAVA_ASCII[key])
                i += 1 + len(key)
            else:
                out.append(pattern[i:i + 2])
                i += 2
            continue
        out.append(pattern[i])
        i += 1
    return "".join(out)


def java_match(pattern: str, value: str) -> bool:
    return regex.fullmatch(java_pattern(pattern), value, flags=regex.V1) is not None


def service_side_verdict(request, shape) -> list[list[str]]:
    """The constraints ParamValidator skips, on the values whose types it accepted."""
    out: list[list[str]] = []

    def name(path: str) -> str:
        return path[1:] if path.startswith(".") else (path or "input")

    def walk(value, shape, path):
        kind = shape.type_name
        meta = shape.metadata
        if kind == "structure":
            if not isinstance(value, dict) or shape.is_document_type:
                return
            for key, item in value.items():
                if key in shape.members:
                    walk(item, shape.members[key], f"{path}.{key}")
        elif kind == "list":
            if not isinstance(value, list):
                return
            if "max" in meta and len(value) > meta["max"]:
                out.append([name(path), "length", ""])
            for i, item in enumerate(value):
                walk(item, shape.member, f"{path}[{i}]")
        elif kind == "map":
            if not isinstance(value, dict):
                return
            # botocore checks no entry count at all; AWS checks both bounds.
            if ("min" in meta and len(value) < meta["min"]) or ("max" in meta and len(value) > meta["max"]):
                out.append([name(path), "length", ""])
            for key, item in value.items():
                walk(key, shape.key, f"{path} (key: {key})")
                walk(item, shape.value, f"{path}.{key}")
        elif kind == "string":
            if not isinstance(value, str):
                return
            if "max" in meta and len(value) > meta["max"]:
                out.append([name(path), "length", ""])
            if shape.enum and value not in shape.enum:
                out.append([name(path), "enum", ""])
            if "pattern" in meta and not java_match(meta["pattern"], value):
                out.append([name(path), "pattern", ""])
        elif kind in ("integer", "long", "double", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return
            if kind in ("integer", "long") and not isinstance(value, int):
                return
            if "max" in meta and value > meta["max"]:
                out.append([name(path), "range", ""])

    walk(request, shape, "")
    return sorted(out)


# Strings every pattern of the extract is matched against, by Python's `regex` here and by
# the Rust translation in the test: names, ARNs, URIs, paths, blanks, Unicode, lengths.
# No \r, \u0085, \u2028 or \u2029: Java's `.` excludes them, Python's does not (the
# Rust unit tests check those against Java's rule).
PROBES = [
    "", " ", "   ", " x ", "a", "A", "0", "-", "_", ".", "/", "$", "*", "a-", "-a", "a_b", "a b", "a--b",
    "automl", "automl-run-1", "automl-" + "a" * 56, "a" * 63, "a" * 64, "a" * 120, "x" * 1025,
    "aws", "aws.sagemaker", "awsx", "aw", "automl.training", "$.detail", "$.detail[0].name", "$.a[*]",
    "arn:aws:iam::123456789012:role/automl-SageMakerRole-1A2B", "arn:aws:iam::123456789012:role/",
    "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/automl",
    "arn:aws:sagemaker:us-east-1:123456789012:model-package/automl/3",
    "arn:aws:lambda:us-east-1:123456789012:function:automl-evaluate",
    "arn:aws:lambda:us-east-1:123456789012:function:automl-evaluate:$LATEST", "automl-evaluate:1",
    "arn:aws:states:us-east-1:123456789012:stateMachine:automl-Train",
    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "s3://bucket/key.csv", "s3://bucket", "https://bucket.s3.amazonaws.com/key", "gs://bucket/key", "s3:///key",
    "/opt/ml/model", "/opt/../etc", "/.", "/", "opt/ml",
    "763104351884.dkr.ecr.us-east-1.amazonaws.com/autogluon-training:1.4.0-cpu-py311-ubuntu22.04",
    "ml.m5.xlarge", "ml.g5.2xlarge", "1.4.0", "12K", "fs-0123abcd", "sha256:" + "a" * 64,
    "SAGEMAKER_PROGRAM", "1BAD", "text/csv", "application/json", "cron(0 3 * * ? *)", "rate(1 day)",
    "Zürich 2026", "naïve", "日本語", "emoji \U0001F600", "tab\tin", "line\nbreak", "bell\x07",
    "a=b+c:d/e@f", "run#1", "{\"a\": 1}", "Europe/Paris", "mig-1g.5gb",
]


def probe_patterns(models: dict) -> dict:
    """For every pattern in the extract: a string of 0/1, whether each probe matches it."""
    patterns = set()
    for path in sorted((REPO / "src" / "awsmodel").glob("*.json")):
        for shape in json.loads(path.read_text())["shapes"].values():
            if "pattern" in shape:
                patterns.add(shape["pattern"])
    return {p: "".join("1" if java_match(p, v) else "0" for v in PROBES) for p in sorted(patterns)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    session = botocore.session.get_session()
    models = {}
    bases = {}
    for case in machine_requests() + added_requests():
        bases[case[0]] = case
    cases = []

    def add(name, service, operation, request):
        if service not in models:
            models[service] = session.get_service_model(service)
        shape = models[service].operation_model(operation).input_shape
        as_task = request
        request = api_form(service, operation, request, shape)
        cases.append({
            "name": name, "service": service, "operation": operation, "request": request,
            # As the Task's Parameters give it (Step Functions' form), when that differs.
            **({"task_parameters": as_task} if as_task != request else {}),
            "botocore": botocore_verdict(request, shape),
            "service_side": service_side_verdict(request, shape),
        })

    for name, service, operation, request in bases.values():
        add(name, service, operation, request)
    expected_valid = set(bases)
    for suffix, base, path, value, *expect in BREAKS:
        _, service, operation, request = bases[base]
        add(f"{base}/{suffix}", service, operation, set_at(request, path, value))
        if expect == [VALID]:
            expected_valid.add(f"{base}/{suffix}")
    for case in cases:
        valid = not case["botocore"] and not case["service_side"]
        is_base = case["name"] in expected_valid
        if valid != is_base:
            sys.exit(f"{case['name']}: expected {'valid' if is_base else 'invalid'}, botocore says "
                     f"{case['botocore']} and the service-side constraints {case['service_side']}")
    document = {
        "_source": {
            "botocore": botocore.__version__,
            "regex": regex.__version__,
            "generator": "scripts/aws-models/cases.py",
            "note": "generated; do not edit. Requests rendered from templates/*.asl.json.",
        },
        "cases": cases,
        "probes": PROBES,
        "patterns": probe_patterns(models),
    }
    args.out.write_text(json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
