"""Canary: the moto internals the local cloud hooks into are still there (fails loudly on upgrade)."""

from __future__ import annotations

import pytest
from moto.awslambda.models import LambdaFunction
from moto.core import config

from veriflow.local import MOTO_CONFIG, MotoInternalsChanged, check_moto_internals


def test_moto_internals_still_fit() -> None:
    # WHEN the pinned moto is checked, THEN every hooked internal is where the hooks expect it
    check_moto_internals()
    assert MOTO_CONFIG == {"stepfunctions": {"execute_state_machine": True}}
    assert "execute_state_machine" in config.default_user_config["stepfunctions"]


def test_canary_names_the_internal_that_moved(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a moto whose Lambda model lost the method the invocation hook replaces
    from veriflow.local import moto_hooks

    monkeypatch.setattr(moto_hooks, "_original_invoke", None)
    monkeypatch.delattr(LambdaFunction, "_invoke_lambda")

    # WHEN checked, THEN the error names it
    with pytest.raises(MotoInternalsChanged, match=r"LambdaFunction\._invoke_lambda is gone"):
        check_moto_internals()


def test_canary_notices_a_missing_step_functions_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a moto without the switch that makes Step Functions execute
    monkeypatch.setitem(config.default_user_config, "stepfunctions", {})

    # WHEN checked, THEN the error names it
    with pytest.raises(MotoInternalsChanged, match="execute_state_machine"):
        check_moto_internals()
