"""The authenticated caller: a user (access token) or an organization's API key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal

from veriflow.access.permissions import platform_permissions


@dataclass(frozen=True)
class Principal:
    kind: Literal["user", "api_key"]
    id: uuid.UUID  # the user's id, or the API key's id
    platform_roles: frozenset[str] = frozenset()
    session_id: uuid.UUID | None = None
    # For an API key: the organization it acts for and the permissions it was granted.
    org_id: uuid.UUID | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.id if self.kind == "user" else None

    @property
    def permissions(self) -> frozenset[str]:
        """Platform permissions; an API key has none (its scopes are organization permissions)."""
        return platform_permissions(set(self.platform_roles)) if self.kind == "user" else frozenset()

    @property
    def audit_actor(self) -> tuple[str, str]:
        return self.kind, str(self.id)
