"""Identity fixtures for the users, organizations and admin groups: AWS in moto (signing keys, the
notifications queue, the rate-limit table), a migrated database, people with real access tokens,
organizations with members and API keys, and a caller that goes through the real handlers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import boto3
import httpx
import pytest
from moto import mock_aws
from sqlalchemy import event, select

from veriflow.access.authenticate import API_KEY_PREFIX
from veriflow.audit.models import AuditEvent
from veriflow.core.db import get_engine, session_scope
from veriflow.core.types import utcnow
from veriflow.identity import passwords
from veriflow.identity.auth_models import Session as AuthSession
from veriflow.identity.jwt_tokens import issue_access_token
from veriflow.identity.opaque import new_token
from veriflow.identity.org_models import ApiKey, Membership, Organization
from veriflow.identity.user_models import User, UserRole
from veriflow.local import MOTO_CONFIG, LocalCloud, iam
from veriflow.local.dev import DEV_PARAMETERS
from veriflow.local.runtime import handler_event_loop

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Actor:
    """Someone calling the API: a person with an access token, or an organization's API key."""

    id: uuid.UUID
    headers: dict[str, str]
    email: str | None = None
    session_id: uuid.UUID | None = None
    org_id: uuid.UUID | None = None


@dataclass
class Cloud:
    queue_url: str
    seen: list[dict[str, Any]] = field(default_factory=list)

    def messages(self) -> list[dict[str, Any]]:
        """Every notification queued so far (in order), as parsed message bodies."""
        sqs = boto3.client("sqs")
        while batch := sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                self.seen.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return self.seen


@pytest.fixture
def cloud(any_database: str, identity_resources: str) -> Cloud:
    """The identity functions' AWS resources on moto, over a migrated database."""
    return Cloud(identity_resources)


# Which function of the template serves each group under /v1 (its role makes the AWS calls).
FUNCTION_OF_GROUP = {"users": "UsersApiFunction", "orgs": "OrgsApiFunction", "admin": "AdminApiFunction",
                     "auth": "AuthApiFunction", "notifications": "NotificationsApiFunction",
                     "certificates": "CertificatesApiFunction", "verify": "CertificatesApiFunction",
                     "uploads": "UploadsApiFunction", "verifications": "UploadsApiFunction"}
# Groups served by another group's function folder.
FOLDER_OF_GROUP = {"verify": "certificates", "verifications": "uploads"}


class Identity:
    """Makes the rows a test starts from, directly in the database."""

    def user(
        self,
        email: str | None = None,
        *,
        roles: tuple[str, ...] = (),
        verified: bool = True,
        password: str | None = None,
        display_name: str = "",
    ) -> Actor:
        """An active account with a live session and an access token for it."""
        email = email or f"{uuid.uuid4().hex[:10]}@people.example"
        now = utcnow()
        with session_scope() as session:
            user = User(
                email=email,
                email_verified_at=now if verified else None,
                password_hash=passwords.hash_password(password) if password else None,
                display_name=display_name,
            )
            user.roles = [UserRole(role=role) for role in roles]
            session.add(user)
            session.flush()
            user_id = user.id
        return self.sign_in(user_id, email)

    def sign_in(self, user_id: uuid.UUID, email: str | None = None) -> Actor:
        """A new session of an existing account, and an access token for it."""
        with session_scope() as session:
            auth_session = AuthSession(user_id=user_id, expires_at=utcnow() + timedelta(days=30))
            session.add(auth_session)
            session.flush()
            session_id = auth_session.id
        token, _ = issue_access_token(str(user_id), session_id=str(session_id))
        return Actor(user_id, {"authorization": f"Bearer {token}"}, email=email, session_id=session_id)

    def org(self, owner: Actor, name: str = "Acme Academy") -> uuid.UUID:
        """An organization owned by `owner`."""
        with session_scope() as session:
            org = Organization(name=name, slug=f"org-{uuid.uuid4().hex[:12]}", created_by=owner.id)
            session.add(org)
            session.flush()
            session.add(Membership(org_id=org.id, user_id=owner.id, role="owner"))
            return org.id

    def member(self, org_id: uuid.UUID, actor: Actor, role: str) -> Actor:
        with session_scope() as session:
            session.add(Membership(org_id=org_id, user_id=actor.id, role=role))
        return actor

    def api_key(
        self, org_id: uuid.UUID, scopes: tuple[str, ...] = ("org:read", "members:read"), *, expired: bool = False
    ) -> Actor:
        """A key of the organization, in the format the API hands out, sent as X-API-Key."""
        visible = uuid.uuid4().hex[:12]
        full_key, key_hash = new_token(API_KEY_PREFIX + visible)
        with session_scope() as session:
            key = ApiKey(
                org_id=org_id, name="test key", prefix=full_key[: len(API_KEY_PREFIX) + 12], key_hash=key_hash,
                scopes=list(scopes), expires_at=utcnow() + timedelta(days=-1 if expired else 30),
            )
            session.add(key)
            session.flush()
            key_id = key.id
        return Actor(key_id, {"x-api-key": full_key}, org_id=org_id)

    def audit(self, prefix: str = "") -> list[AuditEvent]:
        """Audit rows (oldest first) whose action starts with `prefix`."""
        with session_scope() as session:
            query = select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.at)
            return list(session.scalars(query))


@pytest.fixture
def identity(cloud: Cloud) -> Identity:
    return Identity()


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class Api:
    """Calls the real Lambda handlers with API Gateway payload v2 events."""

    def __init__(
        self, load: Callable[[str], ModuleType], sample: dict[str, Any], context: Any, principals: dict[str, Any]
    ) -> None:
        self._load = load
        self._sample = sample
        self._context = context
        self._principals = principals

    def __call__(
        self,
        method: str,
        path: str,
        actor: Actor | None = None,
        *,
        json_body: Any = None,
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        group = path.split("/")[2]
        event = json.loads(json.dumps(self._sample))
        event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {path}"
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["requestContext"]["http"]["method"] = method
        event["requestContext"]["requestId"] = uuid.uuid4().hex
        event["headers"].update({**(actor.headers if actor else {}), **(headers or {})})
        if query:
            event["rawQueryString"] = urlencode({k: v for k, v in query.items() if v is not None})
        if json_body is not None:
            event["body"] = json.dumps(json_body)
            event["headers"]["content-type"] = "application/json"
        handler: Handler = self._load(FOLDER_OF_GROUP.get(group, group)).handler
        # As on AWS, the handler's AWS calls are checked against its function's role.
        with iam.acting_as(self._principals[FUNCTION_OF_GROUP[group]]):
            response = handler(event, self._context)
        is_json = response.get("headers", {}).get("content-type", "").startswith("application/json")
        response["json"] = json.loads(response["body"]) if response.get("body") and is_json else None
        return response


@pytest.fixture
def api(
    cloud: Cloud,
    template_resources: Any,
    load_function: Callable[[str], ModuleType],
    sample_event: Callable[[str, str], dict[str, Any]],
    lambda_context: Any,
) -> Iterator[Api]:
    # Lambda's main thread has an event loop for Mangum; an earlier test's `asyncio.run` may have
    # left this one without.
    with handler_event_loop():
        yield Api(load_function, sample_event("health", "live"), lambda_context, template_resources.principals)


@contextmanager
def _counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def count_queries() -> Callable[[], Any]:
    """`with count_queries() as statements:` records every SQL statement the engine runs."""
    return _counting


@contextmanager
def deployed_template(
    monkeypatch: pytest.MonkeyPatch, reset: Callable[[], None],
    extra_env: Callable[[LocalCloud], dict[str, str]] = lambda _: {},
) -> Iterator[LocalCloud]:
    """Every resource of template.yaml in moto (functions, triggers, schedules); this process is
    pointed at the same secrets, queues and table, plus `extra_env`, with caches reset around it."""
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        cloud = LocalCloud(ROOT / "template.yaml", parameters=DEV_PARAMETERS).deploy()
        resources = cloud.resources
        environment = {
            "SIGNING_KEYS_SECRET_ARN": resources["SigningKeysSecret"].arn,
            "VERIFICATION_KEYS_SECRET_ARN": resources["VerificationKeysSecret"].arn,
            "NOTIFICATIONS_QUEUE_URL": str(resources["NotificationsQueue"].url),
            "WEBHOOKS_QUEUE_URL": str(resources["WebhooksQueue"].url),
            "RATE_LIMIT_TABLE": resources["RateLimitTable"].name,
            **extra_env(cloud),
        }
        for variable, value in environment.items():
            monkeypatch.setenv(variable, value)
        reset()
        try:
            yield cloud
        finally:
            cloud.close()
            reset()


def whole_template(
    reset: Callable[[], None], extra_env: Callable[[LocalCloud], dict[str, str]] = lambda _: {},
) -> tuple[Any, Any, Any]:
    """The fixtures of a group tested on the whole template: `local_cloud` (every resource in moto,
    this process pointed at them), and the identity fixtures' `template_resources` and
    `identity_resources` taken from it. A conftest says
    `local_cloud, template_resources, identity_resources = whole_template(reset, env)`."""

    @pytest.fixture
    def local_cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalCloud]:
        with deployed_template(monkeypatch, reset, extra_env) as cloud:
            yield cloud

    @pytest.fixture
    def template_resources(local_cloud: LocalCloud) -> Any:
        from tests.conftest import TemplateResources

        return TemplateResources(local_cloud.stack, local_cloud.principals)

    @pytest.fixture
    def identity_resources(local_cloud: LocalCloud) -> str:
        return str(local_cloud.resources["NotificationsQueue"].url)

    return local_cloud, template_resources, identity_resources


@pytest.fixture(scope="module")
def template_cloud() -> Iterator[LocalCloud]:
    """template.yaml deployed in moto once per module, for tests that read it rather than run it."""
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        local = LocalCloud(ROOT / "template.yaml", parameters=DEV_PARAMETERS).deploy()
        try:
            yield local
        finally:
            local.close()


@pytest.fixture(scope="module")
def local_api(template_cloud: LocalCloud) -> Iterator[httpx.Client]:
    """The local HTTP API in front of `template_cloud`, with a client of it."""
    server = template_cloud.http_api()
    base_url = server.start(port=0)
    try:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            yield client
    finally:
        server.stop()
