"""Templates load, translate offline and resolve like CloudFormation would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from veriflow.local import TemplateError, load_template
from veriflow.local.apigw import http_routes
from veriflow.local.intrinsics import Resolver
from veriflow.local.stack import Stack


def test_repo_template_translates_and_lists_its_http_routes(repo_template: Path) -> None:
    # GIVEN the real template (its one required parameter has no default)
    template = load_template(repo_template)
    stack = Stack(template, parameters={
        "DatabaseSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:veriflow-db",
    })

    # WHEN its HTTP routes are listed
    routes = {route.route_key: route.function_id for route in http_routes(stack)}

    # THEN the translation is CloudFormation and every HttpApi event is a route
    assert "Transform" not in template.cfn
    assert template.resources("AWS::Lambda::Function")
    expected = {
        "GET /health/live": "HealthApiFunction",
        "GET /health/ready": "HealthApiFunction",
        "$default": "HealthApiFunction",
        "POST /v1/auth/login": "AuthApiFunction",
    }
    assert expected.items() <= routes.items()
    http_events = sum(
        1 for resource in template.sam["Resources"].values() if resource["Type"] == "AWS::Serverless::Function"
        for event in (resource["Properties"].get("Events") or {}).values() if event["Type"] == "HttpApi"
    )
    assert len(routes) == http_events
    assert template.local_paths  # code folders were replaced by placeholder S3 locations
    assert all(path.exists() for path in template.local_paths.values())


def test_intrinsics_resolve_in_function_environment(fixture_template: Path) -> None:
    # GIVEN the test template with default parameters
    stack = Stack(load_template(fixture_template))

    # WHEN the echo function's environment is resolved
    env = stack.properties("EchoFunction")["Environment"]["Variables"]

    # THEN Ref, GetAtt, Sub (both forms), Join, Select, Split, If, FindInMap and pseudo parameters resolve
    queue = stack.physical("WorkQueue")
    assert env["QUEUE_URL"] == queue.url
    assert env["QUEUE_ARN"] == queue.arn == "arn:aws:sqs:us-east-1:123456789012:veriflow-local-WorkQueue"
    assert env["BUCKET"] == "localcloud-test-uploads"
    assert env["FIRST_ORIGIN"] == "https://a.example"
    assert env["ORIGINS"] == "https://a.example;https://b.example"
    assert env["SECOND_PART"] == "b"
    assert env["SUB_LIST"] == "test-us-east-1-veriflow-local-CallsTable"
    assert env["MODE"] == "relaxed"
    assert "PROD_ONLY" not in env  # AWS::NoValue removes the key
    assert env["URL_SUFFIX"] == "amazonaws.com"
    assert env["ACCOUNT"] == "123456789012"
    assert env["LOG_LEVEL"] == "DEBUG"
    assert env["STAGE"] == "test"  # Globals, merged by the translator


def test_parameter_overrides_and_conditions(fixture_template: Path) -> None:
    # GIVEN overrides for a plain and a CommaDelimitedList parameter
    stack = Stack(load_template(fixture_template), parameters={
        "Stage": "prod", "AllowedOrigins": "https://x.example, https://y.example",
    }, region="eu-west-1")

    # WHEN values depending on them are resolved
    env = stack.properties("EchoFunction")["Environment"]["Variables"]

    # THEN overrides win, list members are trimmed, and conditional resources exist
    assert env["MODE"] == "strict"
    assert env["PROD_ONLY"] == "yes"
    assert env["ORIGINS"] == "https://x.example;https://y.example"
    assert env["SUB_LIST"] == "prod-eu-west-1-veriflow-local-CallsTable"
    assert "ProdOnlyQueue" in stack.resources()
    assert stack.outputs()["Origins"] == "https://x.example,https://y.example"


def test_conditional_resource_is_absent_when_false(fixture_template: Path) -> None:
    # GIVEN the default Stage, for which IsProd is false
    stack = Stack(load_template(fixture_template))
    # THEN the resource guarded by IsProd does not exist, though the template declares it
    assert "ProdOnlyQueue" not in stack.resources()
    assert "ProdOnlyQueue" in stack.template.resources()


@pytest.mark.parametrize(("parameters", "message"), [
    ({"Stage": "staging"}, "is not one of"),
    ({"Unknown": "x"}, "not declared"),
])
def test_bad_parameters_are_refused(fixture_template: Path, parameters: dict[str, str], message: str) -> None:
    # WHEN a parameter value breaks AllowedValues, or names no parameter, THEN it is refused
    with pytest.raises(TemplateError, match=message):
        Stack(load_template(fixture_template), parameters=parameters)


def test_missing_parameter_without_default_is_named(tmp_path: Path) -> None:
    # GIVEN a template with a parameter that has no default
    template = tmp_path / "template.yaml"
    template.write_text(
        "Parameters:\n  Needed:\n    Type: String\n"
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Needed\n"
    )

    # WHEN it gets no value, THEN the error names it
    with pytest.raises(TemplateError, match="Needed has no default"):
        Stack(load_template(template))


def test_repo_template_needs_no_parameter(repo_template: Path) -> None:
    # GIVEN the real template and no parameters (an empty account's first `sam deploy`)
    stack = Stack(load_template(repo_template))

    # WHEN it is resolved, THEN it creates its network, database and proxy
    created = {resource["Type"] for resource in stack.resources().values()}
    assert {"AWS::EC2::VPC", "AWS::EC2::NatGateway", "AWS::RDS::DBCluster", "AWS::RDS::DBProxy"} <= created
    assert "AWS::EC2::Instance" not in created
    # AND its outputs name what a deployed-stack check and an operator need
    outputs = stack.outputs()
    assert {"ApiUrl", "MigrateFunctionName", "FunctionsDatabaseSecretArn", "DatabaseProxyEndpoint"} <= outputs.keys()
    assert outputs["DatabaseProxyEndpoint"].endswith(".invalid")


def _database_settings(stack: Stack) -> tuple[set[str], set[str]]:
    """The DATABASE_SECRET_ARN and DATABASE_HOST values the functions that use the database get, each
    as a set (a function that never connects says so with an empty DATABASE_SECRET_ARN)."""
    environments = [
        variables for lid in stack.resources("AWS::Lambda::Function")
        if (variables := stack.properties(lid)["Environment"]["Variables"])["DATABASE_SECRET_ARN"] != ""
    ]
    return {env["DATABASE_SECRET_ARN"] for env in environments}, {env["DATABASE_HOST"] for env in environments}


def _secrets_readable_by(stack: Stack, function_id: str) -> set[str]:
    role = stack.properties(function_id)["Role"]
    role_id = next(lid for lid in stack.resources("AWS::IAM::Role") if stack.physical(lid).arn == role)
    readable: set[str] = set()
    for policy in stack.properties(role_id).get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement.get("Action", [])
            if "secretsmanager:GetSecretValue" in ([actions] if isinstance(actions, str) else actions):
                resources = statement["Resource"]
                readable.update([resources] if isinstance(resources, str) else resources)
    return readable


@pytest.mark.parametrize(("parameters", "secret", "host"), [
    # The default: the cluster's RDS-managed secret, the proxy's endpoint.
    ({}, "secret:rds!", ".proxy.rds.invalid"),
    # Proxy off (the paused configuration): the cluster's writer endpoint.
    ({"EnableRdsProxy": "false", "DatabaseMinCapacity": "0"}, "secret:rds!", ".cluster.rds.invalid"),
    # A database brought along: its secret, and the host it names unless DatabaseHost says otherwise.
    ({"DatabaseSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:own-db"}, "secret:own-db", ""),
    ({"DatabaseSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:own-db",
      "DatabaseHost": "own-proxy.example"}, "secret:own-db", "own-proxy.example"),
])
def test_every_function_reads_the_one_database_secret_it_is_allowed_to(
    repo_template: Path, parameters: dict[str, str], secret: str, host: str
) -> None:
    # GIVEN the real template in one of its database configurations
    stack = Stack(load_template(repo_template, parameters=parameters), parameters=parameters)

    # WHEN the functions' database settings are resolved
    secrets, hosts = _database_settings(stack)

    # THEN all functions share one secret and one host, of the configuration's kind
    (resolved_secret,) = secrets
    assert secret in resolved_secret
    (resolved_host,) = hosts
    assert resolved_host.endswith(host) if host.startswith(".") else resolved_host == host
    # AND each function that has the secret may read exactly that secret, and the others none
    for function_id in stack.resources("AWS::Lambda::Function"):
        if stack.properties(function_id)["Environment"]["Variables"]["DATABASE_SECRET_ARN"] == "":
            assert not secrets & _secrets_readable_by(stack, function_id), function_id
            continue
        assert secrets <= _secrets_readable_by(stack, function_id), function_id


def test_sub_escapes_and_attribute_references() -> None:
    # GIVEN a resolver over a bare template with one bucket
    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b1"}}}}
    resolver = Resolver(template, {"Env": "dev"}, {"AWS::Region": "eu-west-1"},
                        ref=lambda name: f"ref:{name}", get_att=lambda name, attr: f"{name}.{attr}")

    # WHEN Sub mixes a literal, a parameter, a pseudo parameter, an attribute and a resource
    value = resolver.resolve({"Fn::Sub": "${!Literal}/${Env}/${AWS::Region}/${Bucket.Arn}/${Bucket}"})

    # THEN each is replaced the CloudFormation way
    assert value == "${Literal}/dev/eu-west-1/Bucket.Arn/ref:Bucket"
    assert resolver.resolve({"Fn::Select": ["1", {"Fn::GetAZs": ""}]}) == "eu-west-1b"
    assert resolver.resolve([{"Ref": "AWS::NoValue"}, "kept"]) == ["kept"]


_IMPORTS_LOCAL = re.compile(r"^\s*(from|import)\s+veriflow\.local\b", re.MULTILINE)


def test_runtime_code_never_imports_the_local_cloud() -> None:
    # GIVEN every module that ships to Lambda (functions and the shared package, but not the
    # local cloud itself or the developer CLI)
    root = Path(__file__).resolve().parents[3]
    shipped = [*root.joinpath("functions").rglob("*.py"), *root.joinpath("shared", "veriflow").rglob("*.py")]
    local = root / "shared" / "veriflow" / "local"
    cli = root / "shared" / "veriflow" / "cli.py"

    # WHEN they are searched for imports of veriflow.local
    offenders = [
        str(path.relative_to(root)) for path in shipped
        if local not in path.parents and path != cli and _IMPORTS_LOCAL.search(path.read_text(encoding="utf-8"))
    ]

    # THEN there are none (the local cloud pulls in moto and the SAM translator)
    assert offenders == []


@pytest.mark.parametrize(("parameters", "pool", "digest"), [
    ({}, "1", "rate(5 minutes)"),
    ({"EnableRdsProxy": "false", "DatabaseMinCapacity": "0"}, "0", "rate(30 minutes)"),
])
def test_a_pausing_database_gets_no_idle_connections_and_fewer_wake_ups(
    repo_template: Path, parameters: dict[str, str], pool: str, digest: str
) -> None:
    # GIVEN the real template, with Aurora allowed to pause or not
    stack = Stack(load_template(repo_template, parameters=parameters), parameters=parameters)

    # WHEN the functions' pool and the digest schedule are resolved
    pools = {stack.properties(lid)["Environment"]["Variables"]["DB_POOL_SIZE"]
             for lid in stack.resources("AWS::Lambda::Function")}
    schedules = {stack.properties(lid)["ScheduleExpression"] for lid in stack.resources("AWS::Events::Rule")
                 if "Digest" in lid}

    # THEN a pausing database is never held open between requests, and the digest wakes it less often
    assert pools == {pool}
    assert schedules == {digest}
