"""The template's roles hold what each function's code needs on AWS, including what the local cloud
never exercises because it runs differently (the database secret, which functions read only on AWS)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from veriflow.local import LocalCloud, iam

SIGNERS = {"AuthApiFunction", "MaintenanceFunction"}


def _template_env(template_cloud: LocalCloud, lid: str) -> dict[str, str]:
    """The variables as AWS gives them (the local cloud overrides a few, e.g. the database secret)."""
    return dict(template_cloud.functions[lid].config.variables)


def _may(principal: iam.Principal, prefix: str, operation: str, params: dict[str, str]) -> bool:
    try:
        iam.authorize(principal, prefix, operation, params, principal.region)
    except ClientError:
        return False
    return True


def test_every_function_may_read_the_database_secret_it_is_given(template_cloud: LocalCloud) -> None:
    database = _template_env(template_cloud, "HealthApiFunction")["DATABASE_SECRET_ARN"]
    for lid, principal in template_cloud.principals.items():
        environment = _template_env(template_cloud, lid)
        secret = environment.get("DATABASE_SECRET_ARN")
        # THEN each function that connects to the database on AWS may read its connection (a
        # function that never connects says so with an empty value, and gets no grant)
        assert secret is not None, lid
        if secret == "":
            assert not _may(principal, "secretsmanager", "GetSecretValue", {"SecretId": database}), lid
            continue
        assert _may(principal, "secretsmanager", "GetSecretValue", {"SecretId": secret}), lid


def test_readiness_is_green_on_aws_as_far_as_the_health_role_goes(template_cloud: LocalCloud) -> None:
    # GIVEN the health function's probes for every resource AWS hands it (the database secret included)
    from veriflow.health.service import resource_checks

    checks = resource_checks(_template_env(template_cloud, "HealthApiFunction"))
    assert "secretsmanager:DATABASE_SECRET_ARN" in checks
    # WHEN each runs under the health function's role
    refused = {}
    with template_cloud.acting_as("HealthApiFunction"):
        for name, (_target, probe) in checks.items():
            try:
                probe()
            except ClientError as exc:
                refused[name] = exc.response["Error"]["Code"]
    # THEN none is refused by IAM (the database secret itself does not exist locally)
    assert refused == {"secretsmanager:DATABASE_SECRET_ARN": "ResourceNotFoundException"}


def test_only_the_signers_may_read_or_write_the_private_signing_keys(template_cloud: LocalCloud) -> None:
    keys = template_cloud.resources["SigningKeysSecret"].arn
    readers = {lid for lid, p in template_cloud.principals.items() if _may(p, "secretsmanager", "GetSecretValue",
                                                                   {"SecretId": keys})}
    writers = {lid for lid, p in template_cloud.principals.items() if _may(p, "secretsmanager", "PutSecretValue",
                                                                   {"SecretId": keys})}
    assert readers == writers == SIGNERS


def test_every_function_that_verifies_tokens_reads_only_the_public_keys(template_cloud: LocalCloud) -> None:
    public = template_cloud.resources["VerificationKeysSecret"].arn
    http_functions = {route.function_id for route in template_cloud.routes} - {"HealthApiFunction"}
    for lid in http_functions:
        assert _may(template_cloud.principals[lid], "secretsmanager", "GetSecretValue", {"SecretId": public}), lid
    # AND only the signers may change what everyone verifies with
    writers = {lid for lid, p in template_cloud.principals.items() if _may(p, "secretsmanager", "PutSecretValue",
                                                                   {"SecretId": public})}
    assert writers == SIGNERS


def test_oidc_client_secrets_are_readable_by_auth_under_their_prefix_only(template_cloud: LocalCloud) -> None:
    auth = template_cloud.principals["AuthApiFunction"]
    stage = _template_env(template_cloud, "AuthApiFunction")["STAGE"]
    arn = f"arn:aws:secretsmanager:{auth.region}:{auth.account}:secret:veriflow/{stage}/oidc/google-AbCdEf"
    assert _may(auth, "secretsmanager", "GetSecretValue", {"SecretId": arn})
    assert not _may(auth, "secretsmanager", "GetSecretValue", {"SecretId": arn.replace("/oidc/", "/other/")})
    users = template_cloud.principals["UsersApiFunction"]
    assert not _may(users, "secretsmanager", "GetSecretValue", {"SecretId": arn})


def test_only_the_vision_layer_may_read_the_ai_provider_key(template_cloud: LocalCloud) -> None:
    secret = template_cloud.resources["AiProviderSecret"].arn
    readers = {lid for lid, p in template_cloud.principals.items() if _may(p, "secretsmanager", "GetSecretValue",
                                                                             {"SecretId": secret})}
    assert readers == {"VisionLayerFunction"}


def test_the_registry_layer_reads_issued_images_and_never_those_being_checked(template_cloud: LocalCloud) -> None:
    bucket = template_cloud.functions["RegistryLayerFunction"].environment()["CERTIFICATE_IMAGES_BUCKET"]
    registry = template_cloud.principals["RegistryLayerFunction"]
    assert _may(registry, "s3", "GetObject", {"Bucket": bucket, "Key": "issued/org/cert.png"})
    assert not _may(registry, "s3", "GetObject", {"Bucket": bucket, "Key": "incoming/org/cert/abc"})
    assert not _may(registry, "s3", "PutObject", {"Bucket": bucket, "Key": "issued/org/cert.png"})


def test_only_maintenance_deletes_versions_and_never_a_function(template_cloud: LocalCloud) -> None:
    users = template_cloud.function_name("UsersApiFunction")
    health = template_cloud.function_name("HealthApiFunction")
    maintenance = template_cloud.principals["MaintenanceFunction"]
    # It reads the API functions' versions and aliases, and deletes a version of one
    assert _may(maintenance, "lambda", "ListVersionsByFunction", {"FunctionName": users})
    assert _may(maintenance, "lambda", "ListAliases", {"FunctionName": users})
    assert _may(maintenance, "lambda", "DeleteFunction", {"FunctionName": users, "Qualifier": "3"})
    # never the function itself, nor another function's versions
    assert not _may(maintenance, "lambda", "DeleteFunction", {"FunctionName": users})
    assert not _may(maintenance, "lambda", "DeleteFunction", {"FunctionName": health, "Qualifier": "1"})
    # and no other function may delete any
    deleters = {lid for lid, p in template_cloud.principals.items()
                if _may(p, "lambda", "DeleteFunction", {"FunctionName": users, "Qualifier": "3"})}
    assert deleters == {"MaintenanceFunction"}
