"""The moto internals the local cloud relies on, checked loudly, and the Lambda invocation hook.

moto is pinned (requirements/dev.txt) because these are not public API. `check_moto_internals`
names the internal that moved when an upgrade breaks one; a canary test calls it.
"""

from __future__ import annotations

import inspect
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import quote_plus

from veriflow.local.errors import LocalCloudError, MotoInternalsChanged
from veriflow.local.runtime import FunctionConfig, LocalFunction

# What mock_aws(config=...) needs for Step Functions to run their ASL instead of only storing it.
MOTO_CONFIG: Final[dict[str, Any]] = {"stepfunctions": {"execute_state_machine": True}}

_InvokeLambda = Callable[..., tuple[str, bool, str]]

# (account, region, function name) → the local function moto's Lambda model stands for.
_functions: dict[tuple[str, str, str], LocalFunction] = {}
_install_lock = threading.Lock()
_original_invoke: _InvokeLambda | None = None


def check_moto_internals() -> None:
    """Raise MotoInternalsChanged, naming the internal, if this moto no longer fits the hooks."""
    from moto.awslambda.models import LambdaFunction
    from moto.core import config

    original = _original_invoke or getattr(LambdaFunction, "_invoke_lambda", None)
    if original is None:
        raise MotoInternalsChanged("moto.awslambda.models.LambdaFunction._invoke_lambda is gone")
    params = list(inspect.signature(original).parameters)
    if params != ["self", "event"]:
        raise MotoInternalsChanged(
            f"moto.awslambda.models.LambdaFunction._invoke_lambda{tuple(params)} no longer takes (self, event)"
        )
    if "self._invoke_lambda(" not in inspect.getsource(LambdaFunction.invoke):
        raise MotoInternalsChanged("moto.awslambda.models.LambdaFunction.invoke no longer calls _invoke_lambda")
    for attribute in (
        "account_id", "region", "function_name", "function_arn", "handler", "environment_vars", "memory_size", "timeout"
    ):
        if attribute not in inspect.getsource(LambdaFunction.__init__):
            raise MotoInternalsChanged(f"moto.awslambda.models.LambdaFunction has no attribute {attribute!r}")
    sfn = config.default_user_config.get("stepfunctions", {})
    if "execute_state_machine" not in sfn:
        raise MotoInternalsChanged(
            "moto.core.config.default_user_config['stepfunctions']['execute_state_machine'] is gone"
        )
    from moto.s3 import notifications

    get_s3_event = getattr(notifications, "_get_s3_event", None)
    if get_s3_event is None or list(inspect.signature(get_s3_event).parameters) != [
        "event_name", "bucket", "key", "notification_id"
    ]:
        raise MotoInternalsChanged("moto.s3.notifications._get_s3_event(event_name, bucket, key, ...) changed")
    from moto.core import models

    if not hasattr(models.botocore_stubber, "enabled"):
        raise MotoInternalsChanged("moto.core.models.botocore_stubber.enabled is gone")
    try:
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer  # noqa: F401
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends  # noqa: F401
    except ImportError as exc:
        raise MotoInternalsChanged(f"moto module moved: {exc}") from exc


def require_in_process_moto() -> None:
    """In-process mode needs mock_aws active with Step Functions execution turned on."""
    from moto.core import config, models

    if not models.botocore_stubber.enabled:
        raise LocalCloudError(
            "the local cloud runs inside moto.mock_aws(config=MOTO_CONFIG), or against a moto server "
            "(pass endpoint_url): no mock is active, so AWS calls would reach real AWS"
        )
    if not config.default_user_config.get("stepfunctions", {}).get("execute_state_machine"):
        raise LocalCloudError(
            "Step Functions would not execute: start moto.mock_aws(config=MOTO_CONFIG), "
            "i.e. {'stepfunctions': {'execute_state_machine': True}}"
        )


def install_invoke_hook() -> None:
    """Route every moto Lambda invocation of a registered function to its in-process handler."""
    global _original_invoke
    with _install_lock:
        if _original_invoke is not None:
            return
        check_moto_internals()
        from moto.awslambda.models import LambdaFunction

        _original_invoke = LambdaFunction._invoke_lambda
        LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
        _install_s3_event_fix()


def _install_s3_event_fix() -> None:
    from moto.s3 import notifications

    original = notifications._get_s3_event

    def get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        event: dict[str, Any] = original(event_name, bucket, key, notification_id)
        for record in event["Records"]:
            # AWS form-encodes notification keys but keeps "/"; moto's quote_plus encodes it too.
            record["s3"]["object"]["key"] = quote_plus(key.name, safe="/")
            record["s3"]["object"]["sequencer"] = f"{time.time_ns():016X}"
            record.setdefault("userIdentity", {"principalId": "AWS:LOCAL"})
            record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
            record.setdefault("responseElements", {"x-amz-request-id": uuid.uuid4().hex[:16].upper()})
        return event

    notifications._get_s3_event = get_s3_event


def register(account_id: str, region: str, function: LocalFunction) -> None:
    _functions[(account_id, region, function.config.name)] = function


def unregister(account_id: str, region: str, name: str) -> None:
    _functions.pop((account_id, region, name), None)


def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
    """Replaces LambdaFunction._invoke_lambda: returns (payload JSON, errored, log tail)."""
    local = _functions.get((self.account_id, self.region, self.function_name))
    if local is None:
        assert _original_invoke is not None
        return _original_invoke(self, event)
    config = FunctionConfig(
        name=self.function_name,
        arn=self.function_arn,
        handler=self.handler,
        region=self.region,
        memory_mb=int(self.memory_size),
        timeout_s=float(self.timeout),
        variables={key: str(value) for key, value in (self.environment_vars or {}).items()},
    )
    # moto hands over the parsed JSON body, or the string "{}" for an empty one.
    result, errored = local.invoke({} if event is None or event == "{}" else event, config)
    try:
        return json.dumps(result), errored, ""
    except (TypeError, ValueError) as exc:
        error = {"errorMessage": f"Unable to marshal response: {exc}", "errorType": "Runtime.MarshalError"}
        return json.dumps(error), True, ""
