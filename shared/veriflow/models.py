"""Imports every domain's SQLAlchemy models so `Base.metadata` knows all tables."""

from __future__ import annotations

import importlib

# One entry per domain package that defines tables, in dependency order.
MODEL_MODULES: tuple[str, ...] = (
    "veriflow.identity.user_models",
    "veriflow.identity.auth_models",
    "veriflow.identity.org_models",
    "veriflow.audit.models",
    "veriflow.notifications.models",
    "veriflow.messaging.webhook_models",
    "veriflow.outbox.models",
    "veriflow.certificates.models",
    "veriflow.verification.models",
)


def import_all_models() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)
