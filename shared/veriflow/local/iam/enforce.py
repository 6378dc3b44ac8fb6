"""Every AWS call a function makes in the local cloud is authorized against that function's role.

`install()` wraps botocore's one entry point for API calls (`BaseClient._make_api_call`), so every
client sees it, whichever session made it and whether it talks to in-process moto or a moto server.
The caller is the principal of the invocation running in the current context (`acting_as`); calls
made outside any invocation (provisioning, tests arranging data) are the operator's and pass.
While moto serves an authorized call, no principal is current: what AWS does on its own behalf
(an execution moto starts, a Lambda it invokes) is not the caller's doing.

A call the role does not allow fails as on AWS, with a `ClientError` whose code is the service's
access-denied code and whose message names the function, the action and the resource; the local
cloud also logs it on the `veriflow-local` logger, which `veriflow dev` prints.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final

from veriflow.local import environ
from veriflow.local.iam.policy import Decision, Effect, NamedPolicy, evaluate
from veriflow.local.iam.requests import Where, authorizations

log = logging.getLogger("veriflow-local")

# The access-denied error of each service as its API reports it: (code, HTTP status).
_DENIED: Final[dict[str, tuple[str, int]]] = {
    "s3": ("AccessDenied", 403), "sqs": ("AccessDenied", 403), "ses": ("AccessDenied", 403),
    "sts": ("AccessDenied", 403), "iam": ("AccessDenied", 403), "sns": ("AuthorizationError", 403),
}


@dataclass(frozen=True)
class Principal:
    """A function as IAM sees it: its role and the role's policies, resolved for one stack."""

    logical_id: str
    function_name: str
    role_name: str
    policies: tuple[NamedPolicy, ...]
    region: str
    account: str
    # Secrets by name and by ARN without its random suffix → full ARN, as AWS resolves SecretId.
    secret_arns: Mapping[str, str] = field(default_factory=dict)

    @property
    def session_arn(self) -> str:
        return f"arn:aws:sts::{self.account}:assumed-role/{self.role_name}/{self.function_name}"

    def where(self, region: str) -> Where:
        return Where(region or self.region, self.account, self.secret_arns.get)


_current: Final[ContextVar[Principal | None]] = ContextVar("veriflow_local_principal", default=None)
environ.inherit(_current)

_install_lock = threading.Lock()
_original: Any = None


@contextmanager
def acting_as(principal: Principal | None) -> Iterator[None]:
    """Within the block, in this context, AWS calls are made by `principal` (None: unchecked)."""
    token = _current.set(principal)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> Principal | None:
    return _current.get()


def message(principal: Principal, decision: Decision) -> str:
    why = (f"with an explicit deny in the identity-based policy {decision.policy}"
           if decision.effect is Effect.EXPLICIT_DENY else
           f"because no identity-based policy allows the {decision.action} action")
    return (f"User: {principal.session_arn} is not authorized to perform: {decision.action} on resource: "
            f"{decision.resource} {why} (function {principal.logical_id})")


def authorize(principal: Principal, prefix: str, operation: str, params: Mapping[str, Any], region: str) -> None:
    """Raise the service's access-denied ClientError unless the principal may make this call."""
    for action, resource in authorizations(prefix, operation, params, principal.where(region)):
        decision = evaluate(principal.policies, action, resource)
        if not decision.allowed:
            _refuse(principal, prefix, operation, decision)


def _refuse(principal: Principal, prefix: str, operation: str, decision: Decision) -> None:
    from botocore.exceptions import ClientError

    text = message(principal, decision)
    log.warning("IAM: %s may not %s on %s: grant it in %s's Policies in template.yaml",
                principal.logical_id, decision.action, decision.resource, principal.logical_id)
    code, status = _DENIED.get(prefix, ("AccessDeniedException", 400))
    raise ClientError(
        {"Error": {"Code": code, "Message": text},
         "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0,
                              "RequestId": "", "HostId": ""}},
        operation,
    )


def install() -> None:
    """Authorize every botocore API call made under a principal (once per process)."""
    global _original
    with _install_lock:
        if _original is not None:
            return
        from botocore.client import BaseClient

        _original = BaseClient._make_api_call  # type: ignore[attr-defined]

        def _make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            principal = _current.get()
            if principal is None:
                return _original(self, operation_name, api_params)
            model = self.meta.service_model
            authorize(principal, model.signing_name or model.endpoint_prefix, operation_name, api_params,
                      self.meta.region_name or "")
            token = _current.set(None)
            try:
                return _original(self, operation_name, api_params)
            finally:
                _current.reset(token)

        BaseClient._make_api_call = _make_api_call  # type: ignore[attr-defined]
