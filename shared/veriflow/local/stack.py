"""A translated template bound to parameter values, a region and an account: what Ref and GetAtt give."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from veriflow.local.errors import TemplateError
from veriflow.local.intrinsics import Resolver, parameter_values
from veriflow.local.naming import PhysicalResource, name_property, physical_resource
from veriflow.local.template import Template

DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default account


class Stack:
    """Resolves a template's values; physical identities are computed on first use and cached."""

    def __init__(
        self,
        template: Template,
        *,
        parameters: Mapping[str, Any] | None = None,
        region: str = "us-east-1",
        account_id: str = DEFAULT_ACCOUNT_ID,
        stack_name: str = "veriflow-local",
    ) -> None:
        self.template = template
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self.parameters = parameter_values(template.cfn.get("Parameters", {}), parameters or {})
        pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/local",
            "AWS::NotificationARNs": [],
        }
        self.resolver = Resolver(template.cfn, self.parameters, pseudo, self._ref, self._get_att)
        self._physical: dict[str, PhysicalResource] = {}
        self._in_progress: set[str] = set()

    def resources(self, *types: str) -> dict[str, dict[str, Any]]:
        """The resources that exist (their Condition holds), optionally only of the given types."""
        return {
            lid: res for lid, res in self.template.resources(*types).items() if self.resolver.is_enabled(res)
        }

    def properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's properties with every intrinsic resolved."""
        resolved: dict[str, Any] = self.resolver.resolve(self._resource(logical_id).get("Properties", {}))
        return resolved

    def resolve(self, value: Any) -> Any:
        return self.resolver.resolve(value)

    def physical(self, logical_id: str) -> PhysicalResource:
        """Name, ARN, URL and attributes of one resource."""
        found = self._physical.get(logical_id)
        if found is not None:
            return found
        resource = self._resource(logical_id)
        if logical_id in self._in_progress:
            raise TemplateError(f"the name of {logical_id} depends on itself")
        self._in_progress.add(logical_id)
        try:
            props = resource.get("Properties", {})
            naming = {key: props[key] for key in (name_property(resource["Type"]), "FifoQueue") if key in props}
            found = physical_resource(
                logical_id, resource["Type"], self.resolver.resolve(naming),
                self.stack_name, self.region, self.account_id,
            )
        finally:
            self._in_progress.discard(logical_id)
        self._physical[logical_id] = found
        return found

    def physical_resources(self) -> dict[str, PhysicalResource]:
        """Every existing resource by logical id."""
        return {lid: self.physical(lid) for lid in self.resources()}

    def outputs(self) -> dict[str, Any]:
        """The template's Outputs, resolved (those whose Condition holds)."""
        outputs: dict[str, Any] = self.template.cfn.get("Outputs", {})
        return {
            name: self.resolver.resolve(output.get("Value"))
            for name, output in outputs.items()
            if self.resolver.is_enabled(output)
        }

    def _resource(self, logical_id: str) -> dict[str, Any]:
        resource = self.template.resources().get(logical_id)
        if resource is None:
            raise TemplateError(f"unknown resource or parameter {logical_id}")
        if not self.resolver.is_enabled(resource):
            raise TemplateError(f"{logical_id} is referenced but its condition is false")
        return resource

    def _ref(self, logical_id: str) -> str:
        return self.physical(logical_id).ref

    def _get_att(self, logical_id: str, attribute: str) -> str:
        resource = self._resource(logical_id)
        if resource["Type"] == "AWS::SSM::Parameter" and attribute == "Value":
            # A parameter's value is what the template puts in it (the local cloud creates none).
            return str(self.resolver.resolve(resource.get("Properties", {}).get("Value")))
        return self.physical(logical_id).get_att(attribute)
