"""The local cloud: a SAM template's resources created in moto, its functions run in-process."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from veriflow.local import iam, moto_hooks, outbox, provision, provision_compute
from veriflow.local.apigw import Route, http_routes
from veriflow.local.clients import Clients
from veriflow.local.errors import LocalCloudError
from veriflow.local.executions import Execution, run_execution
from veriflow.local.http_server import LocalHttpApi
from veriflow.local.naming import PhysicalResource
from veriflow.local.runtime import LocalFunction
from veriflow.local.scheduler import Firing, Scheduler, scheduled_rules
from veriflow.local.sqs import QueuePoller, queue_triggers
from veriflow.local.stack import DEFAULT_ACCOUNT_ID, Stack
from veriflow.local.template import load_template

# Every function runs as STAGE=local, on DATABASE_URL or the local SQLite file (DESIGN §5): the
# template's database secret does not exist here.
LOCAL_ENV: dict[str, str] = {"STAGE": "local", "DATABASE_SECRET_ARN": "", "DATABASE_HOST": ""}


class FunctionFailed(LocalCloudError):
    """A direct invocation ended in an error; `payload` is Lambda's error document."""

    def __init__(self, function: str, payload: Any) -> None:
        error = payload if isinstance(payload, dict) else {}
        super().__init__(f"{function} failed: {error.get('errorType')}: {error.get('errorMessage')}")
        self.payload = payload


class LocalCloud:
    """Create with a template, then `deploy()` inside `mock_aws(config=MOTO_CONFIG)` or against a
    moto server (`endpoint_url`). `env` overrides every function's variables (on top of LOCAL_ENV)."""

    def __init__(
        self,
        template: str | Path = "template.yaml",
        *,
        parameters: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        region: str = "us-east-1",
        endpoint_url: str | None = None,
        stack_name: str = "veriflow-local",
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        translated = load_template(template, region, parameters)
        self.stack = Stack(translated, parameters=parameters, region=region, account_id=account_id,
                           stack_name=stack_name)
        self.aws = Clients(region, endpoint_url)
        endpoint = {"AWS_ENDPOINT_URL": endpoint_url} if endpoint_url else {}
        self.env = {**LOCAL_ENV, **endpoint, **(env or {})}
        self.routes: list[Route] = http_routes(self.stack)
        self.functions: dict[str, LocalFunction] = {}
        self.principals: dict[str, iam.Principal] = {}
        self.pollers: list[QueuePoller] = []
        self.scheduler = Scheduler([], self.aws, account_id)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def resources(self) -> dict[str, PhysicalResource]:
        """Logical id → physical name, ARN, URL and attributes of every resource of the template."""
        return self.stack.physical_resources()

    def deploy(self) -> LocalCloud:
        """Create every resource in moto and route its functions' invocations to their handlers."""
        if self.aws.endpoint_url is None:
            moto_hooks.require_in_process_moto()
        moto_hooks.install_invoke_hook()
        iam.install()
        stack, aws = self.stack, self.aws
        role = provision_compute.create_role(stack, aws)
        for create in (provision.create_secrets, provision.create_tables, provision.create_topics,
                       provision.create_queues):
            create(stack, aws)
        # After the secrets: their ARNs (random suffix) appear in the functions' policies.
        self.principals = iam.function_principals(stack)
        self.functions = provision_compute.create_functions(stack, aws, role, self.env, self.principals)
        senders = {f.environment().get("EMAIL_FROM", "") for f in self.functions.values()} - {""}
        outbox.verify_senders(aws("ses"), senders)
        for function in self.functions.values():
            moto_hooks.register(stack.account_id, stack.region, function)
        provision.create_buckets(stack, aws)
        provision_compute.create_state_machines(stack, aws, role)
        for create in (provision_compute.create_event_source_mappings, provision_compute.create_rules,
                       provision_compute.create_subscriptions):
            create(stack, aws)
        self.pollers = [QueuePoller(trigger, aws, self.principals.get(trigger.function_id))
                        for trigger in queue_triggers(stack) if trigger.enabled]
        self.scheduler = Scheduler(scheduled_rules(stack), aws, stack.account_id)
        return self

    def function_name(self, function: str) -> str:
        """The physical name of a function given its logical id, name or ARN."""
        for lid, local in self.functions.items():
            if function in (lid, local.config.name, local.config.arn):
                return local.config.name
        raise LocalCloudError(f"no function {function!r} in the template")

    @contextmanager
    def acting_as(self, function: str) -> Iterator[iam.Principal]:
        """AWS calls in the block are made by this function's role (a test calling a handler directly)."""
        lid = next((lid for lid, local in self.functions.items()
                    if function in (lid, local.config.name, local.config.arn)), None)
        if lid is None:
            raise LocalCloudError(f"no function {function!r} in the template")
        principal = self.principals[lid]
        with iam.acting_as(principal):
            yield principal

    def invoke_raw(self, function: str, event: Any) -> tuple[Any, bool]:
        """Invoke through moto's Lambda API (the one invocation path); returns (payload, errored)."""
        response = self.aws("lambda").invoke(FunctionName=self.function_name(function), Payload=json.dumps(event))
        raw = response["Payload"].read()
        return (json.loads(raw) if raw else None), "FunctionError" in response

    def invoke(self, function: str, event: Any) -> Any:
        """The function's result; raises FunctionFailed with Lambda's error document."""
        payload, errored = self.invoke_raw(function, event)
        if errored:
            raise FunctionFailed(function, payload)
        return payload

    def run_state_machine(self, state_machine: str, payload: Any, timeout: float = 30.0) -> Execution:
        """Start an execution and poll it to its end (moto has no StartSyncExecution)."""
        for lid in self.stack.resources("AWS::StepFunctions::StateMachine"):
            physical = self.stack.physical(lid)
            if state_machine in (lid, physical.name, physical.arn):
                return run_execution(self.aws("stepfunctions"), physical.arn, payload, timeout)
        raise LocalCloudError(f"no state machine {state_machine!r} in the template")

    def drain_queues(self, skip_visibility_timeout: bool = True, max_rounds: int = 1000) -> int:
        """Deliver queued messages until no queue has any left to deliver; returns how many were delivered.

        Failed messages stay invisible for their visibility timeout. With `skip_visibility_timeout`
        that wait is skipped: they are made visible again as soon as nothing else is left, so
        redelivery and redrive to the dead-letter queue happen within the call.
        """
        delivered = 0
        for _ in range(max_rounds):
            batch = sum(poller.poll_once() for poller in self.pollers)
            delivered += batch
            if batch:
                continue
            expired = sum(poller.expire_failed() for poller in self.pollers) if skip_visibility_timeout else 0
            if not expired:
                return delivered
        raise LocalCloudError(f"queues still had messages after {max_rounds} rounds")

    def fire_schedule(self, name: str) -> Firing:
        """Fire a schedule now (by rule logical id or name, or its target's logical id)."""
        return self.scheduler.fire(name)

    def openapi(self) -> dict[str, Any]:
        """One OpenAPI document for every HTTP function, from the routers their apps include."""
        from veriflow.core.http import create_app

        routers: list[Any] = []
        for lid in dict.fromkeys(route.function_id for route in self.routes):
            app = getattr(self.functions[lid].module(), "app", None)
            routers.extend(r for r in getattr(getattr(app, "state", None), "routers", ()) if r not in routers)
        spec: dict[str, Any] = create_app(*routers).openapi()
        return spec

    def http_api(self) -> LocalHttpApi:
        """The local HTTP API for this template's HttpApi routes (call `.start()` on it)."""
        api_ids = [self.stack.physical(lid).ref for lid in self.stack.resources("AWS::ApiGatewayV2::Api")]

        def fire(name: str) -> dict[str, Any]:
            firing = self.fire_schedule(name)
            return {"rule": firing.rule, "at": firing.at.isoformat(), "results": list(firing.results)}

        return LocalHttpApi(self.routes, self.invoke_raw, self.openapi, fire,
                            api_ids[0] if api_ids else "local", self.stack.account_id, self.stack.region)

    def start_background(self, poll_seconds: float = 1.0) -> None:
        """Queue pollers and the schedule runner in threads, until `close()`."""
        for poller in self.pollers:
            thread = threading.Thread(target=poller.run, args=(self._stop,), name=f"poll-{poller.trigger.logical_id}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)
        self.scheduler.start(poll_seconds)

    def close(self) -> None:
        """Stop background threads and forget this cloud's functions."""
        self._stop.set()
        self.scheduler.stop()
        for thread in self._threads:
            thread.join()
        for function in self.functions.values():
            moto_hooks.unregister(self.stack.account_id, self.stack.region, function.config.name)

    def __enter__(self) -> LocalCloud:
        return self.deploy()

    def __exit__(self, *exc: object) -> None:
        self.close()
