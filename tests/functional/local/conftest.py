"""A local cloud deployed from the test template inside moto, and ways to read what functions saw."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from veriflow.local import MOTO_CONFIG, LocalCloud

ROOT = Path(__file__).resolve().parents[3]

Recorded = Callable[[str], dict[str, dict[str, Any]]]


@pytest.fixture
def fixture_template() -> Path:
    """The test-only template: one of each trigger, with tiny functions that record what they saw."""
    return ROOT / "tests" / "fixtures" / "localcloud" / "template.yaml"


@pytest.fixture
def repo_template() -> Path:
    return ROOT / "template.yaml"


@pytest.fixture
def cloud(fixture_template: Path) -> Iterator[LocalCloud]:
    """The test template, deployed in-process."""
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        local = LocalCloud(fixture_template).deploy()
        try:
            yield local
        finally:
            local.close()


@pytest.fixture
def recorded(cloud: LocalCloud) -> Recorded:
    """Items the test functions wrote to the calls table, by key, for keys starting with a prefix."""
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(cloud.resources["CallsTable"].name)

    def read(prefix: str) -> dict[str, dict[str, Any]]:
        return {item["pk"]: item for item in table.scan()["Items"] if str(item["pk"]).startswith(prefix)}

    return read
