"""The template's roles hold what each function's code needs on AWS, including what the local cloud
never exercises because it runs differently (the database secret, which functions read only on AWS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from veriflow.local import MOTO_CONFIG, LocalCloud, iam
from veriflow.local.dev import DEV_PARAMETERS

ROOT = Path(__file__).resolve().parents[2]
SIGNERS = {"AuthApiFunction", "MaintenanceFunction"}


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        local = LocalCloud(ROOT / "template.yaml", parameters=DEV_PARAMETERS).deploy()
        try:
            yield local
        finally:
            local.close()


def _template_env(cloud: LocalCloud, lid: str) -> dict[str, str]:
    """The variables as AWS gives them (the local cloud overrides a few, e.g. the database secret)."""
    return dict(cloud.functions[lid].config.variables)


def _may(principal: iam.Principal, prefix: str, operation: str, params: dict[str, str]) -> bool:
    try:
        iam.authorize(principal, prefix, operation, params, principal.region)
    except ClientError:
        return False
    return True


def test_every_function_may_read_the_database_secret_it_is_given(cloud: LocalCloud) -> None:
    for lid, principal in cloud.principals.items():
        secret = _template_env(cloud, lid).get("DATABASE_SECRET_ARN")
        # THEN each function that connects to the database on AWS may read its connection
        assert secret, lid
        assert _may(principal, "secretsmanager", "GetSecretValue", {"SecretId": secret}), lid


def test_readiness_is_green_on_aws_as_far_as_the_health_role_goes(cloud: LocalCloud) -> None:
    # GIVEN the health function's probes for every resource AWS hands it (the database secret included)
    from veriflow.health.service import resource_checks

    checks = resource_checks(_template_env(cloud, "HealthApiFunction"))
    assert "secretsmanager:DATABASE_SECRET_ARN" in checks
    # WHEN each runs under the health function's role
    refused = {}
    with cloud.acting_as("HealthApiFunction"):
        for name, (_target, probe) in checks.items():
            try:
                probe()
            except ClientError as exc:
                refused[name] = exc.response["Error"]["Code"]
    # THEN none is refused by IAM (the database secret itself does not exist locally)
    assert refused == {"secretsmanager:DATABASE_SECRET_ARN": "ResourceNotFoundException"}


def test_only_the_signers_may_read_or_write_the_private_signing_keys(cloud: LocalCloud) -> None:
    keys = cloud.resources["SigningKeysSecret"].arn
    readers = {lid for lid, p in cloud.principals.items() if _may(p, "secretsmanager", "GetSecretValue",
                                                                   {"SecretId": keys})}
    writers = {lid for lid, p in cloud.principals.items() if _may(p, "secretsmanager", "PutSecretValue",
                                                                   {"SecretId": keys})}
    assert readers == writers == SIGNERS


def test_every_function_that_verifies_tokens_reads_only_the_public_keys(cloud: LocalCloud) -> None:
    public = cloud.resources["VerificationKeysSecret"].arn
    http_functions = {route.function_id for route in cloud.routes} - {"HealthApiFunction"}
    for lid in http_functions:
        assert _may(cloud.principals[lid], "secretsmanager", "GetSecretValue", {"SecretId": public}), lid
    # AND only the signers may change what everyone verifies with
    writers = {lid for lid, p in cloud.principals.items() if _may(p, "secretsmanager", "PutSecretValue",
                                                                   {"SecretId": public})}
    assert writers == SIGNERS


def test_oidc_client_secrets_are_readable_by_auth_under_their_prefix_only(cloud: LocalCloud) -> None:
    auth = cloud.principals["AuthApiFunction"]
    stage = _template_env(cloud, "AuthApiFunction")["STAGE"]
    arn = f"arn:aws:secretsmanager:{auth.region}:{auth.account}:secret:veriflow/{stage}/oidc/google-AbCdEf"
    assert _may(auth, "secretsmanager", "GetSecretValue", {"SecretId": arn})
    assert not _may(auth, "secretsmanager", "GetSecretValue", {"SecretId": arn.replace("/oidc/", "/other/")})
    assert not _may(cloud.principals["UsersApiFunction"], "secretsmanager", "GetSecretValue", {"SecretId": arn})
