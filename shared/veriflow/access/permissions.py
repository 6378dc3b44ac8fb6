"""Roles map to `resource:action` permissions here, and only here."""

from __future__ import annotations

from enum import StrEnum


class PlatformRole(StrEnum):
    MEMBER = "member"  # every account
    REVIEWER = "reviewer"
    ADMIN = "admin"
    SUPERADMIN = "superadmin"


class OrgRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    ISSUER = "issuer"
    REVIEWER = "reviewer"
    MEMBER = "member"


# Platform permissions (not tied to one organization).
USERS_READ = "users:read"
USERS_MANAGE = "users:manage"  # suspend, unsuspend
ROLES_ASSIGN = "roles:assign"
SUPERADMIN_ASSIGN = "roles:assign_superadmin"
AUDIT_READ = "audit:read"
ORGS_CREATE = "orgs:create"
REVIEW_QUEUE = "reviews:moderate"
BROADCASTS_SEND = "broadcasts:send"  # notifications to every user or a platform role
ORGS_VERIFY = "orgs:verify"  # vouch for an organization's identity as an issuer (or withdraw it)

# Organization permissions: held through a membership role, or granted to an API key as scopes.
ORG_READ = "org:read"
ORG_UPDATE = "org:update"
ORG_DELETE = "org:delete"
MEMBERS_READ = "members:read"
MEMBERS_INVITE = "members:invite"
MEMBERS_MANAGE = "members:manage"
API_KEYS_MANAGE = "api_keys:manage"
WEBHOOKS_MANAGE = "webhooks:manage"
CERTIFICATES_READ = "certificates:read"
CERTIFICATES_ISSUE = "certificates:issue"
CERTIFICATES_REVOKE = "certificates:revoke"
SUBMISSIONS_REVIEW = "submissions:review"
VERIFICATIONS_CREATE = "verifications:create"  # upload files for verification on the organization's behalf
VERIFICATIONS_READ = "verifications:read"  # the reports of the organization's uploads
AUDIT_READ_ORG = "org_audit:read"

_MEMBER_PLATFORM = frozenset({ORGS_CREATE})
PLATFORM_PERMISSIONS: dict[PlatformRole, frozenset[str]] = {
    PlatformRole.MEMBER: _MEMBER_PLATFORM,
    PlatformRole.REVIEWER: _MEMBER_PLATFORM | {REVIEW_QUEUE},
    PlatformRole.ADMIN: _MEMBER_PLATFORM
    | {REVIEW_QUEUE, USERS_READ, USERS_MANAGE, ROLES_ASSIGN, AUDIT_READ, BROADCASTS_SEND, ORGS_VERIFY},
    PlatformRole.SUPERADMIN: _MEMBER_PLATFORM
    | {REVIEW_QUEUE, USERS_READ, USERS_MANAGE, ROLES_ASSIGN, SUPERADMIN_ASSIGN, AUDIT_READ, BROADCASTS_SEND,
       ORGS_VERIFY},
}

_ORG_MEMBER = frozenset({ORG_READ, MEMBERS_READ, CERTIFICATES_READ, VERIFICATIONS_READ})
_ORG_REVIEWER = _ORG_MEMBER | {SUBMISSIONS_REVIEW, VERIFICATIONS_CREATE}
_ORG_ISSUER = _ORG_MEMBER | {CERTIFICATES_ISSUE, CERTIFICATES_REVOKE, VERIFICATIONS_CREATE}
_ORG_ADMIN = _ORG_ISSUER | _ORG_REVIEWER | {
    ORG_UPDATE, MEMBERS_INVITE, MEMBERS_MANAGE, API_KEYS_MANAGE, WEBHOOKS_MANAGE, AUDIT_READ_ORG
}
ORG_PERMISSIONS: dict[OrgRole, frozenset[str]] = {
    OrgRole.MEMBER: _ORG_MEMBER,
    OrgRole.REVIEWER: _ORG_REVIEWER,
    OrgRole.ISSUER: _ORG_ISSUER,
    OrgRole.ADMIN: _ORG_ADMIN,
    OrgRole.OWNER: _ORG_ADMIN | {ORG_DELETE},
}

# What an API key may be granted: organization work, never membership or key management.
API_KEY_SCOPES = frozenset({ORG_READ, MEMBERS_READ, CERTIFICATES_READ, CERTIFICATES_ISSUE, CERTIFICATES_REVOKE,
                            VERIFICATIONS_CREATE, VERIFICATIONS_READ})

# Who may give which org role: owners make owners; admins manage everyone below them.
ASSIGNABLE_ORG_ROLES: dict[OrgRole, frozenset[OrgRole]] = {
    OrgRole.OWNER: frozenset(OrgRole),
    OrgRole.ADMIN: frozenset({OrgRole.ADMIN, OrgRole.ISSUER, OrgRole.REVIEWER, OrgRole.MEMBER}),
}


def platform_permissions(roles: set[str]) -> frozenset[str]:
    """Union of the permissions of `roles` (unknown role names grant nothing)."""
    granted: set[str] = set(PLATFORM_PERMISSIONS[PlatformRole.MEMBER])
    for role in roles:
        if role in PlatformRole.__members__.values():
            granted |= PLATFORM_PERMISSIONS[PlatformRole(role)]
    return frozenset(granted)


def org_permissions(role: str | None) -> frozenset[str]:
    if role is None or role not in OrgRole.__members__.values():
        return frozenset()
    return ORG_PERMISSIONS[OrgRole(role)]
