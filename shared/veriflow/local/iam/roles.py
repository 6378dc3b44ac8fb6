"""Each function's IAM principal from the translated template: its role's inline policies (SAM
policy templates already expanded by the translator), the managed policies it attaches (AWS's,
as moto ships them, or the template's own) and standalone policies naming the role."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from veriflow.local.errors import TemplateError
from veriflow.local.iam.enforce import Principal
from veriflow.local.iam.policy import NamedPolicy
from veriflow.local.stack import Stack

_AWS_MANAGED = "arn:aws:iam::aws:policy/"


@cache
def _aws_managed() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    data: dict[str, Any] = json.loads(aws_managed_policies_data)
    return data


def _managed(stack: Stack, arn: str, own: Mapping[str, NamedPolicy]) -> NamedPolicy:
    if arn in own:
        return own[arn]
    if arn.startswith(_AWS_MANAGED):
        found = _aws_managed().get(arn.rsplit("/", 1)[-1])
        if found is not None:
            return NamedPolicy(arn, found["Document"])
    raise TemplateError(f"managed policy {arn} is neither AWS's nor the template's")


def _role_of(stack: Stack, function_lid: str) -> str | None:
    role = stack.template.resources()[function_lid].get("Properties", {}).get("Role")
    if isinstance(role, Mapping) and "Fn::GetAtt" in role:
        target = role["Fn::GetAtt"]
        return str(target[0] if isinstance(target, list) else str(target).split(".", 1)[0])
    return None


def role_policies(stack: Stack, role_lid: str) -> tuple[NamedPolicy, ...]:
    """Every identity policy of one role of the template, resolved."""
    own = {stack.physical(lid).ref: NamedPolicy(lid, stack.properties(lid)["PolicyDocument"])
           for lid in stack.resources("AWS::IAM::ManagedPolicy")}
    props = stack.properties(role_lid)
    policies = [NamedPolicy(str(p["PolicyName"]), p["PolicyDocument"]) for p in props.get("Policies", [])]
    policies += [_managed(stack, str(arn), own) for arn in props.get("ManagedPolicyArns", [])]
    for lid in stack.resources("AWS::IAM::Policy"):
        raw_roles = stack.template.resources()[lid].get("Properties", {}).get("Roles", [])
        if {"Ref": role_lid} in raw_roles:
            policy = stack.properties(lid)
            policies.append(NamedPolicy(str(policy["PolicyName"]), policy["PolicyDocument"]))
    return tuple(policies)


def function_principals(stack: Stack, secret_arns: Mapping[str, str] | None = None) -> dict[str, Principal]:
    """Logical id → principal of every function. A function whose role is not the template's gets
    no policies, so each of its calls is refused until the role is declared in the template."""
    secrets = dict(secret_arns if secret_arns is not None else secret_lookup(stack))
    principals: dict[str, Principal] = {}
    for lid in stack.resources("AWS::Lambda::Function"):
        role_lid = _role_of(stack, lid)
        policies = role_policies(stack, role_lid) if role_lid else ()
        role_name = stack.physical(role_lid).name if role_lid else f"{lid}-external-role"
        principals[lid] = Principal(lid, stack.physical(lid).name, role_name, policies, stack.region,
                                    stack.account_id, secrets)
    return principals


def secret_lookup(stack: Stack) -> dict[str, str]:
    """Each secret of the stack by name and by its ARN without the random suffix."""
    found: dict[str, str] = {}
    for lid in stack.resources("AWS::SecretsManager::Secret"):
        physical = stack.physical(lid)
        partial = f"arn:aws:secretsmanager:{stack.region}:{stack.account_id}:secret:{physical.name}"
        found[physical.name] = found[partial] = physical.arn
    return found
