"""CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Sub, Fn::FindInMap, Fn::Join) resolved to
the values a deployed stack would have, for a fixed partition, region, account and stack
name: what the IAM checks need to read the template's policies as IAM sees them.

Physical names are a convention (`<stack>-<LogicalId>`); a subclass overrides the
`*_name` / `*_arn` methods where the caller knows better (the local runner's names). No
dependencies beyond the standard library, so every tool venv can import it.
"""

from __future__ import annotations

import re


class Resolver:
    def __init__(self, template: dict, pseudo: dict, parameter_values: dict | None = None):
        self.template = template
        self.resources = template.get("Resources", {})
        self.pseudo = pseudo
        self.parameter_values = parameter_values or {}

    @property
    def stack(self) -> str:
        return self.pseudo["AWS::StackName"]

    @property
    def region(self) -> str:
        return self.pseudo["AWS::Region"]

    @property
    def account(self) -> str:
        return self.pseudo["AWS::AccountId"]

    @property
    def partition(self) -> str:
        return self.pseudo["AWS::Partition"]

    # ---------------------------------------------------------------- physical names

    def bucket_name(self, name: str) -> str:
        return f"{self.stack}-{name.lower()}-{self.account}"

    def state_machine_name(self, name: str) -> str:
        return f"{self.stack}-{name}"

    def role_name(self, name: str) -> str:
        return f"{self.stack}-{name}"

    def function_name(self, name: str) -> str:
        declared = self.resources[name].get("Properties", {}).get("FunctionName")
        return self.resolve(declared) if declared is not None else f"{self.stack}-{name}"

    def log_group_name(self, name: str) -> str:
        declared = self.resources[name].get("Properties", {}).get("LogGroupName")
        return self.resolve(declared) if declared is not None else f"{self.stack}-{name}"

    # ---------------------------------------------------------------- intrinsics

    def ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        parameters = self.template.get("Parameters", {})
        if name in parameters:
            return (self.parameter_values.get(name) or parameters[name].get("Default")
                    or f"{name.lower()}-value")
        kind = self.resources[name]["Type"]
        if kind == "AWS::S3::Bucket":
            return self.bucket_name(name)
        if kind == "AWS::StepFunctions::StateMachine":
            return (f"arn:{self.partition}:states:{self.region}:{self.account}:stateMachine:"
                    f"{self.state_machine_name(name)}")
        if kind == "AWS::Lambda::Function":
            return self.function_name(name)
        if kind == "AWS::IAM::Role":
            return self.role_name(name)
        if kind == "AWS::Logs::LogGroup":
            return self.log_group_name(name)
        return f"{self.stack}-{name}"

    def get_att(self, name: str, attribute: str) -> str:
        kind = self.resources[name]["Type"]
        if attribute == "Arn":
            return {
                "AWS::S3::Bucket": lambda: f"arn:{self.partition}:s3:::{self.ref(name)}",
                "AWS::IAM::Role": lambda: f"arn:{self.partition}:iam::{self.account}:role/{self.role_name(name)}",
                "AWS::Lambda::Function": lambda: (f"arn:{self.partition}:lambda:{self.region}:{self.account}:"
                                                  f"function:{self.function_name(name)}"),
                "AWS::StepFunctions::StateMachine": lambda: self.ref(name),
                "AWS::Logs::LogGroup": lambda: (f"arn:{self.partition}:logs:{self.region}:{self.account}:"
                                                f"log-group:{self.log_group_name(name)}:*"),
            }[kind]()
        if attribute == "Name":
            if kind == "AWS::StepFunctions::StateMachine":
                return self.state_machine_name(name)
            return self.ref(name)
        raise KeyError(f"{name}.{attribute}")

    def resolve(self, value):
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                name, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(name, attribute)
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                variables = {k: self.resolve(v) for k, v in variables.items()}

                def fill(match):
                    name = match.group(1)
                    if name in variables:
                        return str(variables[name])
                    if "." in name:
                        return self.get_att(*name.split(".", 1))
                    return self.ref(name)

                return re.sub(r"\$\{([^}!]+)\}", fill, text)
            if key == "Fn::FindInMap":
                mapping, first, second = (self.resolve(a) for a in arg)
                return self.template["Mappings"][mapping][first][second]
            if key == "Fn::Join":
                separator, items = arg
                return separator.join(str(self.resolve(i)) for i in items)
        return {k: self.resolve(v) for k, v in value.items()}
