"""Run a template's Python handlers in-process, the way the Lambda runtime would call them."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys
import threading
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from veriflow.local import environ
from veriflow.local.errors import LocalCloudError
from veriflow.local.iam import Principal, acting_as

log = logging.getLogger("veriflow-local")

Handler = Callable[[Any, Any], Any]


class LambdaContext:
    """The context object Lambda passes to Python handlers (the attributes handlers and Powertools read)."""

    def __init__(self, function_name: str, function_arn: str, memory_mb: int, timeout_s: float) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
        self.identity: Any = None
        self.client_context: Any = None
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class FunctionConfig:
    """A function's configuration as Lambda holds it (moto's copy is the source of truth)."""

    name: str
    arn: str
    handler: str
    region: str
    memory_mb: int = 128
    timeout_s: float = 3.0
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass
class LocalFunction:
    """One function of the template: its code folder, its configuration and local overrides."""

    logical_id: str
    code_dir: Path | None
    config: FunctionConfig
    overrides: Mapping[str, str] = field(default_factory=dict)
    # Who its AWS calls are made by (its role's policies); None leaves them unchecked.
    principal: Principal | None = None
    _module: ModuleType | None = field(default=None, init=False, repr=False)
    # Per function, so a handler importing another function's module at import time cannot deadlock.
    _load_lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    def environment(self, config: FunctionConfig | None = None) -> dict[str, str]:
        """The function's variables, then the runtime's reserved ones, then local overrides."""
        config = config or self.config
        return {
            **config.variables,
            "AWS_LAMBDA_FUNCTION_NAME": config.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.name}",
            "AWS_REGION": config.region,
            "AWS_DEFAULT_REGION": config.region,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "LAMBDA_TASK_ROOT": str(self.code_dir or ""),
            "_HANDLER": config.handler,
            # What `sam local` sets: Powertools then skips X-Ray instead of failing without a daemon.
            "AWS_SAM_LOCAL": "true",
            **self.overrides,
        }

    def invoke(self, event: Any, config: FunctionConfig | None = None) -> tuple[Any, bool]:
        """(result, False), or ({"errorMessage", "errorType", ...}, True) when the handler raised."""
        if _loop_running():
            # Called from async code on its loop's thread (a Lambda would be another process): a
            # handler driving its own loop, as Mangum does, cannot run on a thread whose loop runs.
            return _in_new_thread(lambda: self.invoke(event, config))
        config = config or self.config
        context = LambdaContext(config.name, config.arn, config.memory_mb, config.timeout_s)
        with environ.overlay(self.environment(config)), acting_as(self.principal), handler_event_loop():
            try:
                return self._handler(config.handler)(event, context), False
            except BaseException as exc:
                # Anything that ends a real invocation early is its error, as when the process dies;
                # only the developer's own Ctrl-C and interpreter exit stop the local cloud.
                if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                    raise
                log.warning("%s raised %s: %s", self.logical_id, type(exc).__name__, exc, exc_info=True)
                return {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "requestId": context.aws_request_id,
                    "stackTrace": traceback.format_tb(exc.__traceback__),
                }, True

    def module(self) -> ModuleType:
        """The handler's module, imported once, inside the function's environment like a cold start."""
        with self._load_lock:
            if self._module is None:
                module_path = self.config.handler.rpartition(".")[0]
                with environ.overlay(self.environment()), acting_as(self.principal):
                    self._module = self._load(module_path)
            return self._module

    def _handler(self, handler: str) -> Handler:
        attribute = handler.rpartition(".")[2]
        found = getattr(self.module(), attribute, None)
        if not callable(found):
            raise LocalCloudError(f"{self.logical_id}: handler {handler!r} is not a function")
        return found  # type: ignore[no-any-return]

    def _load(self, module_path: str) -> ModuleType:
        if self.code_dir is None:
            raise LocalCloudError(f"{self.logical_id}: its code is not a local folder")
        path = self.code_dir.joinpath(*module_path.split(".")).with_suffix(".py")
        # Every function's module is called `app`: a unique name keeps them apart in sys.modules.
        name = f"_veriflow_local_fn__{self.logical_id}__{module_path.replace('.', '__')}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None or not path.is_file():
            raise LocalCloudError(f"{self.logical_id}: no handler module at {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return module


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _in_new_thread(call: Callable[[], tuple[Any, bool]]) -> tuple[Any, bool]:
    results: list[tuple[Any, bool]] = []
    thread = threading.Thread(target=lambda: results.append(call()), name="local-invocation")
    thread.start()
    thread.join()
    return results[0]


@contextmanager
def handler_event_loop() -> Iterator[None]:
    """Lambda calls handlers on its main thread, where `asyncio.get_event_loop()` works (Mangum
    relies on it); here they run on worker threads, which get a loop for the invocation."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            asyncio.get_event_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            yield
        finally:
            asyncio.set_event_loop(None)
            loop.close()
    else:
        yield
