"""Reads template.yaml for the checks in scripts/ and for bench/.

Short tags (!Ref, !Sub, ...) arrive in their long form ({"Ref": x}, {"Fn::Sub": x}, ...), which
is all the checks need: they read literal properties and only recognise intrinsics, never
resolve them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from veriflow.local.template import parse_template

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
# Lambda's limit for a function and all its layers, unzipped (AWS counts 250 MiB).
UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024


def load_template(path: Path) -> dict[str, Any]:
    """The template as data, short tags in their long form (the local cloud's parser)."""
    return parse_template(path.read_text(encoding="utf-8"))


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _INTRINSIC_KEYS


_FUNCTIONS = ["Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select"]
_FUNCTIONS += ["Split", "Sub", "Transform", "And", "Equals", "If", "Not", "Or", "ToJsonString", "Length"]
_INTRINSIC_KEYS = {"Ref", "Condition"} | {f"Fn::{name}" for name in _FUNCTIONS}


@dataclass(frozen=True)
class Function:
    """One AWS::Serverless::Function with the template's Globals applied."""

    logical_id: str
    code_uri: Path | None
    handler: str | None
    layer_ids: list[str] = field(default_factory=list)  # layers defined in this template
    external_layers: list[Any] = field(default_factory=list)  # ARNs or intrinsics we cannot size
    environment: dict[str, Any] = field(default_factory=dict)

    @property
    def module_file(self) -> Path | None:
        """The file Lambda imports for `Handler` (module part, dots as directories)."""
        if self.code_uri is None or not self.handler or "." not in self.handler:
            return None
        module = self.handler.rsplit(".", 1)[0]
        return self.code_uri / (module.replace(".", "/") + ".py")

    @property
    def handler_attr(self) -> str | None:
        return self.handler.rsplit(".", 1)[1] if self.handler and "." in self.handler else None


def functions(template: dict[str, Any], root: Path) -> list[Function]:
    """Every serverless function, Globals merged the way SAM merges them."""
    glob = (template.get("Globals") or {}).get("Function") or {}
    found = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, dict) or resource.get("Type") != SERVERLESS_FUNCTION:
            continue
        props = resource.get("Properties") or {}
        code_uri = props.get("CodeUri", glob.get("CodeUri"))
        # SAM: lists in Globals come first, maps merge with the resource winning.
        layers = list(glob.get("Layers") or []) + list(props.get("Layers") or [])
        env = dict((glob.get("Environment") or {}).get("Variables") or {})
        env.update((props.get("Environment") or {}).get("Variables") or {})
        env = {name: _resolve_parameter(value, template) for name, value in env.items()}
        layer_ids = [layer["Ref"] for layer in layers if isinstance(layer, dict) and "Ref" in layer]
        external = [layer for layer in layers if not (isinstance(layer, dict) and "Ref" in layer)]
        found.append(
            Function(
                logical_id=logical_id,
                code_uri=(root / code_uri) if isinstance(code_uri, str) else None,
                handler=props.get("Handler", glob.get("Handler")),
                layer_ids=layer_ids,
                external_layers=external,
                environment=env,
            )
        )
    return found


def _resolve_parameter(value: Any, template: dict[str, Any]) -> Any:
    """A !Ref to a parameter with a default becomes that default; anything else is kept."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        parameter = (template.get("Parameters") or {}).get(value["Ref"]) or {}
        if "Default" in parameter:
            return str(parameter["Default"])
    return value


def local_environment(function: Function, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The function's environment for a run on this machine.

    Literal values and parameter defaults from the template, placeholders for what only
    CloudFormation can resolve (resource names, ARNs), then STAGE=local, fake AWS credentials
    and tracing off, then `overrides`.
    """
    env = {
        name: value if isinstance(value, str) else f"local-{name.lower().replace('_', '-')}"
        for name, value in function.environment.items()
    }
    env.update(
        STAGE="local",
        AWS_DEFAULT_REGION=os.environ.get("AWS_DEFAULT_REGION", "eu-west-1"),
        AWS_REGION=os.environ.get("AWS_DEFAULT_REGION", "eu-west-1"),
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - fake credentials, never sent anywhere
        AWS_SESSION_TOKEN="testing",  # noqa: S106
        POWERTOOLS_TRACE_DISABLED="true",
    )
    env.update(overrides or {})
    return env
