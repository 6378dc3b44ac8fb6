"""The migration function: what a deployed stage runs (inside its VPC) to bring its schema to head."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from veriflow.core.migrations import current_revision, head_revision
from veriflow.local import MOTO_CONFIG, LocalCloud

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        local = LocalCloud(ROOT / "template.yaml").deploy()
        try:
            yield local
        finally:
            local.close()


def test_migrate_function_brings_an_empty_database_to_head_and_readiness_turns_green(cloud: LocalCloud) -> None:
    # GIVEN the stack with a database that has no schema yet: readiness says so
    assert current_revision() is None
    assert cloud.invoke("HealthApiFunction", _ready())["statusCode"] == 503

    # WHEN the migration function is invoked (twice: it is idempotent)
    event = json.loads((ROOT / "events" / "migrate" / "head.json").read_text())
    first = cloud.invoke("MigrateFunction", event)
    again = cloud.invoke("MigrateFunction", event)

    # THEN the database is at the newest revision, and readiness answers 200
    assert first == {"from": None, "to": head_revision(), "head": head_revision()}
    assert again["from"] == again["to"] == head_revision()
    assert cloud.invoke("HealthApiFunction", _ready())["statusCode"] == 200


def _ready() -> dict[str, object]:
    event: dict[str, object] = json.loads((ROOT / "events" / "health" / "ready.json").read_text())
    return event
