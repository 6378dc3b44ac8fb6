"""CloudFormation intrinsic functions, parameters, conditions and pseudo parameters, resolved locally."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from veriflow.local.errors import TemplateError


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Final = _NoValue()
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LIST_TYPES = ("CommaDelimitedList", "List<")

RefLookup = Callable[[str], Any]
GetAttLookup = Callable[[str, str], Any]


def parameter_values(declared: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Each declared parameter's value (override, else default), validated like CloudFormation does."""
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(f"parameters not declared by the template: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in overrides:
            raw = overrides[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise TemplateError(f"parameter {name} has no default: pass a value for it")
        is_list = str(spec.get("Type", "String")).startswith(_LIST_TYPES)
        value: Any = _as_list(raw) if is_list else str(raw)
        for member in value if is_list else [value]:
            _validate(name, spec, member)
        values[name] = value
    return values


def _as_list(raw: Any) -> list[str]:
    if isinstance(raw, list):
        return [str(item) for item in raw]
    return [item.strip() for item in str(raw).split(",")]


def _validate(name: str, spec: Mapping[str, Any], value: str) -> None:
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(a) for a in allowed]:
        raise TemplateError(f"parameter {name}={value!r} is not one of {allowed}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and re.fullmatch(str(pattern), value) is None:
        raise TemplateError(f"parameter {name}={value!r} does not match {pattern!r}")


class Resolver:
    """Resolves intrinsics in template values; resources are looked up through callbacks."""

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, Any],
        pseudo: Mapping[str, Any],
        ref: RefLookup,
        get_att: GetAttLookup,
    ) -> None:
        self._template = template
        self._names = {**parameters, **pseudo, "AWS::NoValue": NO_VALUE}
        self._ref = ref
        self._get_att = get_att
        self._conditions: dict[str, bool] = {}

    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic replaced; AWS::NoValue drops the key or list item it sits in."""
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return self._intrinsic(key, arg)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def condition(self, name: str) -> bool:
        """The value of a named condition of the template."""
        if name not in self._conditions:
            definitions = self._template.get("Conditions", {})
            if name not in definitions:
                raise TemplateError(f"unknown condition {name}")
            self._conditions[name] = self._truth(definitions[name])
        return self._conditions[name]

    def is_enabled(self, resource: Mapping[str, Any]) -> bool:
        """False when the resource's Condition is false: such a resource does not exist."""
        name = resource.get("Condition")
        return name is None or self.condition(str(name))

    def _truth(self, expression: Any) -> bool:
        if isinstance(expression, dict) and len(expression) == 1:
            (key, arg), = expression.items()
            if key == "Condition":
                return self.condition(str(arg))
            if key == "Fn::Not":
                return not self._truth(arg[0])
            if key == "Fn::And":
                return all(self._truth(item) for item in arg)
            if key == "Fn::Or":
                return any(self._truth(item) for item in arg)
            if key == "Fn::Equals":
                left, right = (self.resolve(item) for item in arg)
                return _scalar(left) == _scalar(right)
        raise TemplateError(f"not a condition expression: {expression!r}")

    def _intrinsic(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            name = str(self.resolve(arg))
            return self._names[name] if name in self._names else self._ref(name)
        if key in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
            return str(self._truth({key: arg})).lower()
        handler = _FUNCTIONS.get(key)
        if handler is None:
            raise TemplateError(f"{key} is not supported by the local cloud")
        return handler(self, arg)

    def _get_att_of(self, arg: Any) -> Any:
        parts = arg.split(".", 1) if isinstance(arg, str) else [self.resolve(part) for part in arg]
        return self._get_att(str(parts[0]), str(parts[1]))

    def _if(self, arg: list[Any]) -> Any:
        name, when_true, when_false = arg
        return self.resolve(when_true if self.condition(str(name)) else when_false)

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return _scalar(variables[name])
            if name in self._names:
                return _scalar(self._names[name])
            if "." in name:
                return _scalar(self._get_att_of(name))
            return _scalar(self._ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    def _find_in_map(self, arg: list[Any]) -> Any:
        map_name, top, second = (str(self.resolve(part)) for part in arg[:3])
        try:
            return self._template["Mappings"][map_name][top][second]
        except KeyError:
            raise TemplateError(f"Fn::FindInMap: no {map_name}/{top}/{second}") from None


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, dict)) or value is NO_VALUE:
        raise TemplateError(f"expected a string, got {value!r}")
    return str(value)


def _join(resolver: Resolver, arg: list[Any]) -> str:
    delimiter, items = arg
    return str(delimiter).join(_scalar(item) for item in resolver.resolve(items))


def _select(resolver: Resolver, arg: list[Any]) -> Any:
    index, items = resolver.resolve(arg[0]), resolver.resolve(arg[1])
    return items[int(index)]


def _split(resolver: Resolver, arg: list[Any]) -> list[str]:
    delimiter, text = arg
    return _scalar(resolver.resolve(text)).split(str(delimiter))


_FUNCTIONS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Fn::GetAtt": Resolver._get_att_of,
    "Fn::If": Resolver._if,
    "Fn::Sub": Resolver._sub,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::Base64": lambda r, a: base64.b64encode(_scalar(r.resolve(a)).encode()).decode(),
    "Fn::GetAZs": lambda r, a: [f"{r.resolve({'Ref': 'AWS::Region'})}{zone}" for zone in "abc"],
    "Fn::ToJsonString": lambda r, a: json.dumps(r.resolve(a), separators=(",", ":")),
    "Fn::Length": lambda r, a: len(r.resolve(a)),
}
