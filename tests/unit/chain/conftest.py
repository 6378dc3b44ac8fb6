"""Fixtures of the chain's pure tests."""

from __future__ import annotations

import pytest

from tests.unit.chain.fake_node import FakeNode


@pytest.fixture
def node() -> FakeNode:
    return FakeNode()
