"""Paths of the templates the local-cloud tests use."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def fixture_template() -> Path:
    """The test-only template: one of each trigger, with tiny functions that record what they saw."""
    return ROOT / "tests" / "fixtures" / "localcloud" / "template.yaml"


@pytest.fixture
def repo_template() -> Path:
    return ROOT / "template.yaml"
