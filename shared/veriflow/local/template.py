"""Load a SAM template and translate it to CloudFormation offline, remembering local code paths."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from veriflow.local.errors import TemplateError

# The translator insists on S3 locations; these placeholders stand in for local folders and files.
ARTIFACT_BUCKET = "veriflow-local-artifacts"

_LOCAL_URI_PROPERTIES: dict[str, tuple[str, ...]] = {
    "AWS::Serverless::Function": ("CodeUri",),
    "AWS::Serverless::LayerVersion": ("ContentUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",),
    "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",),
}


class _CfnLoader(yaml.SafeLoader):  # type: ignore[misc]
    """A SafeLoader that understands CloudFormation's short tags, without touching SafeLoader itself."""


def _construct_intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = tag_suffix if tag_suffix in ("Ref", "Condition") else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_intrinsic)


def parse_template(text: str) -> dict[str, Any]:
    """Parse SAM/CloudFormation YAML (or JSON) with the short intrinsic tags."""
    document = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError("the template has no Resources mapping")
    return document


@dataclass(frozen=True)
class Template:
    """A SAM template, its CloudFormation translation and the local paths its artifacts came from."""

    path: Path
    sam: dict[str, Any]
    cfn: dict[str, Any]
    local_paths: dict[str, Path] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def local_path(self, bucket: str, key: str) -> Path | None:
        """The local folder or file a translated S3 location stands for, if it was a local path."""
        return self.local_paths.get(f"s3://{bucket}/{key}")

    def resources(self, *types: str) -> dict[str, dict[str, Any]]:
        """Translated resources, optionally only those of the given types."""
        found: dict[str, dict[str, Any]] = self.cfn.get("Resources", {})
        return {lid: res for lid, res in found.items() if not types or res.get("Type") in types}


def load_template(
    path: str | Path, region: str = "us-east-1", parameters: Mapping[str, Any] | None = None
) -> Template:
    """Read a SAM template and translate it to CloudFormation with aws-sam-translator, offline.

    The translation takes a second or more for the real template, so it is done once per process
    for each file version (path, size, modification time), region and parameters; the local cloud
    only reads a Template, never changes it."""
    path = Path(path).resolve()
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, region, json.dumps(dict(parameters or {}), sort_keys=True))
    with _cache_lock:
        found = _translated.get(key)
    if found is None:
        found = _load(path, region, parameters)
        with _cache_lock:
            _translated[key] = found
    return found


_cache_lock = threading.Lock()
_translated: dict[tuple[str, int, int, str, str], Template] = {}


def _load(path: Path, region: str, parameters: Mapping[str, Any] | None) -> Template:
    sam = parse_template(path.read_text(encoding="utf-8"))
    work = copy.deepcopy(sam)
    local_paths = _replace_local_uris(work, path.parent)
    if "Transform" not in work:
        return Template(path, sam, work, local_paths)
    return Template(path, sam, _translate(work, region, dict(parameters or {})), local_paths)


def _replace_local_uris(template: dict[str, Any], base: Path) -> dict[str, Path]:
    local_paths: dict[str, Path] = {}

    def replace(props: dict[str, Any], key: str) -> None:
        value = props.get(key)
        if not isinstance(value, str) or value.startswith("s3://"):
            return
        uri = f"s3://{ARTIFACT_BUCKET}/{value.strip('/') or '.'}"
        local_paths[uri] = (base / value).resolve()
        props[key] = uri

    function_globals = template.get("Globals", {}).get("Function", {})
    if isinstance(function_globals, dict):
        replace(function_globals, "CodeUri")
    for resource in template["Resources"].values():
        props = resource.get("Properties") if isinstance(resource, dict) else None
        if isinstance(props, dict):
            for key in _LOCAL_URI_PROPERTIES.get(resource.get("Type", ""), ()):
                replace(props, key)
    return local_paths


def _translate(template: dict[str, Any], region: str, parameters: dict[str, Any]) -> dict[str, Any]:
    import boto3
    from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    # A session with only a region: the translator reads it for pseudo parameters, never calls AWS.
    session = boto3.session.Session(region_name=region)
    # Its metrics go nowhere, but must be published or the translator warns when it is collected.
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator(None, Parser(), boto_session=session, metrics=metrics)
    try:
        translated: dict[str, Any] = translator.translate(
            template, parameter_values=parameters, get_managed_policy_map=dict
        )
    except InvalidDocumentException as exc:
        causes = "; ".join(str(cause) for cause in exc.causes)
        raise TemplateError(f"the SAM template does not translate: {causes}") from exc
    finally:
        metrics.publish()
    return translated
