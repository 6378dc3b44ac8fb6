"""The deployed-stack suite: runs against a stack `sam deploy` made, never against the local cloud.

    VERIFLOW_STACK_NAME=veriflow-dev make test-aws        # the API URL from the stack's outputs
    VERIFLOW_API_URL=https://abc.execute-api.eu-west-1.amazonaws.com make test-aws

`make test` never collects this directory (pyproject: norecursedirs).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import httpx
import pytest


def _api_url_from_stack(stack_name: str) -> str:
    import boto3

    stack = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    if "ApiUrl" not in outputs:
        raise pytest.UsageError(f"stack {stack_name} has no ApiUrl output: is it a Veriflow stack?")
    return outputs["ApiUrl"]


@pytest.fixture(scope="session")
def api_url() -> str:
    """The deployed API's base URL (VERIFLOW_API_URL, else the ApiUrl output of VERIFLOW_STACK_NAME)."""
    url = os.environ.get("VERIFLOW_API_URL", "")
    stack_name = os.environ.get("VERIFLOW_STACK_NAME", "")
    if not url and not stack_name:
        raise pytest.UsageError("set VERIFLOW_STACK_NAME (or VERIFLOW_API_URL) to the stack to check")
    return (url or _api_url_from_stack(stack_name)).rstrip("/")


@pytest.fixture(scope="session")
def api(api_url: str) -> Iterator[httpx.Client]:
    # Over 10 s: a paused Aurora resumes in ~15 s (~30 s after a day), and the first request waits.
    with httpx.Client(base_url=api_url, timeout=40, headers={"user-agent": "veriflow-aws-check/1"}) as client:
        yield client


@pytest.fixture
def cleanup() -> Iterator[Callable[[Callable[[], object]], None]]:
    """Register undo steps; they run last-registered first, even when the test failed."""
    steps: list[Callable[[], object]] = []
    yield steps.append
    errors: list[BaseException] = []
    for step in reversed(steps):
        try:
            step()
        except Exception as exc:  # one failed undo must not skip the others
            errors.append(exc)
    if errors:
        raise errors[0]
