"""0007 on SQLite: altering `organizations` copies the table; its members, invitations, keys and
webhook endpoints (ON DELETE CASCADE) must survive the copy both ways."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from veriflow.core.migrations import alembic_config, current_revision, upgrade

USER, ORG = "00000000000070008000000000000001", "00000000000070008000000000000002"


def _count(url: str, table: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    engine.dispose()
    return count


def test_0007_keeps_the_rows_that_reference_organizations() -> None:
    # GIVEN a SQLite database at 0006 holding an organization, its owner and an API key
    from veriflow.core.db import database_url
    from veriflow.core.settings import get_settings

    url = database_url(get_settings())
    upgrade(url, "0006_login_failures")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO users (id, email, display_name, status, failed_logins, updated_at, created_at) "
            f"VALUES ('{USER}', 'ada@example.com', '', 'active', 0, '2026-12-01', '2026-12-01')"))
        connection.execute(text(
            "INSERT INTO organizations (id, name, slug, description, created_by, updated_at, created_at) "
            f"VALUES ('{ORG}', 'Acme', 'acme', '', '{USER}', '2026-12-01', '2026-12-01')"))
        connection.execute(text(
            f"INSERT INTO org_memberships (org_id, user_id, role, created_at) VALUES ('{ORG}', '{USER}', 'owner', "
            "'2026-12-01')"))
        connection.execute(text(
            "INSERT INTO org_api_keys (id, org_id, name, prefix, key_hash, scopes, created_at) VALUES "
            f"('00000000000070008000000000000003', '{ORG}', 'k', 'vf_abc', 'h', '[]', '2026-12-01')"))
    engine.dispose()
    # WHEN migrated up to 0007 and back THEN nothing that references the organization is lost
    upgrade(url, "0007_issuer_identity")
    assert current_revision(url) == "0007_issuer_identity"
    assert (_count(url, "org_memberships"), _count(url, "org_api_keys")) == (1, 1)
    command.downgrade(alembic_config(url), "0006_login_failures")
    assert (_count(url, "org_memberships"), _count(url, "org_api_keys")) == (1, 1)
    # AND they still reference the organization: deleting it cascades to them
    upgrade(url, "0007_issuer_identity")
    from veriflow.core.db import session_scope

    with session_scope() as session:
        session.execute(text(f"DELETE FROM organizations WHERE id = '{ORG}'"))
    assert _count(url, "org_memberships") == 0
