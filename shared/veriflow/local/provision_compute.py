"""Create a stack's functions, state machines, event source mappings, rules and subscriptions in moto."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from typing import Any

from veriflow.local.clients import Clients
from veriflow.local.errors import TemplateError
from veriflow.local.iam import Principal
from veriflow.local.runtime import FunctionConfig, LocalFunction
from veriflow.local.stack import Stack

_SUBSTITUTION = re.compile(r"\$\{([^}]+)\}")
_TRUST_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                   "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]}}],
})


def _placeholder_zip() -> bytes:
    # moto wants a package; the code that runs is the template's folder, loaded in-process.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "runs in-process from the template's CodeUri")
    return buffer.getvalue()


def create_role(stack: Stack, aws: Clients) -> str:
    """One role moto's resources name: each function's own role is enforced by `veriflow.local.iam`
    from the template's policies, as moto does not resolve their resources (DESIGN §6)."""
    name = f"{stack.stack_name}-local-execution"[:64]
    iam = aws("iam")
    try:
        return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=_TRUST_POLICY)["Role"]["Arn"])
    except iam.exceptions.EntityAlreadyExistsException:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])


def create_functions(
    stack: Stack, aws: Clients, role_arn: str, overrides: Mapping[str, str],
    principals: Mapping[str, Principal] | None = None,
) -> dict[str, LocalFunction]:
    functions: dict[str, LocalFunction] = {}
    package = _placeholder_zip()
    for lid in stack.resources("AWS::Lambda::Function"):
        props, physical = stack.properties(lid), stack.physical(lid)
        code = props.get("Code", {})
        code_dir = stack.template.local_path(str(code.get("S3Bucket", "")), str(code.get("S3Key", "")))
        variables = {k: _text(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()}
        config = FunctionConfig(
            name=physical.name, arn=physical.arn, handler=str(props.get("Handler", "app.handler")),
            region=stack.region, memory_mb=int(props.get("MemorySize", 128)),
            timeout_s=float(props.get("Timeout", 3)), variables=variables,
        )
        aws("lambda").create_function(
            FunctionName=config.name, Runtime=props.get("Runtime", "python3.13"), Role=role_arn,
            Handler=config.handler, Code={"ZipFile": package}, Timeout=int(config.timeout_s),
            MemorySize=config.memory_mb, Environment={"Variables": variables},
            Description=str(props.get("Description", "")),
        )
        principal = (principals or {}).get(lid)
        functions[lid] = LocalFunction(lid, code_dir, config, dict(overrides), principal)
    return functions


def create_state_machines(stack: Stack, aws: Clients, role_arn: str) -> None:
    for lid in stack.resources("AWS::StepFunctions::StateMachine"):
        props = stack.properties(lid)
        substitutions = {k: _text(v) for k, v in props.get("DefinitionSubstitutions", {}).items()}
        # CloudFormation substitutes in the definition's text; so do we (moto's CloudFormation doesn't).
        definition = _substitute(_definition(stack, lid, props), substitutions)
        aws("stepfunctions").create_state_machine(
            name=stack.physical(lid).name, definition=definition, roleArn=role_arn,
            type=props.get("StateMachineType", "STANDARD"),
        )


def _substitute(definition: str, substitutions: dict[str, str]) -> str:
    return _SUBSTITUTION.sub(lambda match: substitutions.get(match.group(1), match.group(0)), definition)


def _definition(stack: Stack, lid: str, props: dict[str, Any]) -> str:
    if "DefinitionString" in props:
        return str(props["DefinitionString"])
    if "Definition" in props:
        return json.dumps(props["Definition"])
    location = props.get("DefinitionS3Location", {})
    path = stack.template.local_path(str(location.get("Bucket", "")), str(location.get("Key", "")))
    if path is None or not path.is_file():
        raise TemplateError(f"{lid}: its definition is not a local file ({location})")
    return path.read_text(encoding="utf-8")


def create_event_source_mappings(stack: Stack, aws: Clients) -> None:
    for lid in stack.resources("AWS::Lambda::EventSourceMapping"):
        props = stack.properties(lid)
        request: dict[str, Any] = {k: props[k] for k in (
            "EventSourceArn", "FunctionName", "BatchSize", "MaximumBatchingWindowInSeconds",
            "FunctionResponseTypes", "StartingPosition",
        ) if k in props}
        # moto would push SQS messages itself, one per call, ignoring partial batch failures and the
        # visibility timeout: the local poller delivers them instead, so moto's copy stays disabled.
        is_queue = ":sqs:" in str(props["EventSourceArn"])
        request["Enabled"] = False if is_queue else _text(props.get("Enabled", True)) == "true"
        stack.physical(lid).ref = aws("lambda").create_event_source_mapping(**request)["UUID"]


def create_rules(stack: Stack, aws: Clients) -> None:
    events = aws("events")
    for lid in stack.resources("AWS::Events::Rule"):
        props, name = stack.properties(lid), stack.physical(lid).name
        request = {"Name": name, "State": props.get("State", "ENABLED")}
        for key in ("ScheduleExpression", "Description", "EventBusName"):
            if key in props:
                request[key] = props[key]
        if "EventPattern" in props:
            pattern = props["EventPattern"]
            request["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
        events.put_rule(**request)
        targets = [
            {k: t[k] for k in ("Id", "Arn", "Input", "InputPath", "RoleArn") if k in t}
            for t in props.get("Targets", [])
        ]
        if targets:
            bus = {"EventBusName": props["EventBusName"]} if "EventBusName" in props else {}
            events.put_targets(Rule=name, Targets=targets, **bus)


def create_subscriptions(stack: Stack, aws: Clients) -> None:
    for lid in stack.resources("AWS::SNS::Subscription"):
        props = stack.properties(lid)
        attributes = {k: props[k] if isinstance(props[k], str) else json.dumps(props[k])
                      for k in ("FilterPolicy", "RawMessageDelivery") if k in props}
        aws("sns").subscribe(
            TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"],
            Attributes=attributes,
        )


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
