"""IAM in the local cloud, per service the project uses: a call its role does not allow fails as on
AWS (the service's access-denied error naming function, action and resource); a grant scoped to
exactly that resource lets it through; a grant on another resource of the same kind does not."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from veriflow.local import MOTO_CONFIG, iam
from veriflow.local.iam import NamedPolicy, Principal

REGION, ACCOUNT = "us-east-1", "123456789012"


def principal(*statements: dict[str, Any], secrets: dict[str, str] | None = None) -> Principal:
    policies = (NamedPolicy("TestFunctionRolePolicy0", {"Statement": list(statements)}),) if statements else ()
    return Principal("TestFunction", "veriflow-test-TestFunction", "veriflow-test-TestFunctionRole", policies,
                     REGION, ACCOUNT, secrets or {})


@dataclass(frozen=True)
class Case:
    """One kind of call: what to create, the call, the action it needs and the ARN it needs it on."""

    service: str
    action: str
    setup: Callable[[], dict[str, str]]  # names → values the call and the ARNs use
    call: Callable[[dict[str, str]], Any]
    arn: Callable[[dict[str, str]], str]
    other_arn: Callable[[dict[str, str]], str]
    denied_code: str


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _sqs() -> dict[str, str]:
    url = boto3.client("sqs").create_queue(QueueName="work")["QueueUrl"]
    return {"url": url}


def _table() -> dict[str, str]:
    boto3.client("dynamodb").create_table(
        TableName="limits", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    return {}


def _secret() -> dict[str, str]:
    return {"arn": boto3.client("secretsmanager").create_secret(Name="veriflow/test/keys", SecretString="{}")["ARN"]}


def _identity() -> dict[str, str]:
    boto3.client("ses").verify_email_identity(EmailAddress="no-reply@veriflow.example")
    return {}


def _bucket() -> dict[str, str]:
    boto3.client("s3").create_bucket(Bucket="uploads")
    return {}


def _topic() -> dict[str, str]:
    return {"arn": boto3.client("sns").create_topic(Name="alerts")["TopicArn"]}


def _state_machine() -> dict[str, str]:
    role = boto3.client("iam").create_role(RoleName="sfn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    arn = boto3.client("stepfunctions").create_state_machine(name="pipeline", definition=definition,
                                                              roleArn=role)["stateMachineArn"]
    return {"arn": arn}


def _function() -> dict[str, str]:
    role = boto3.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    boto3.client("lambda").create_function(FunctionName="verdict", Runtime="python3.13", Role=role,
                                           Handler="app.handler", Code={"ZipFile": _zip()})
    return {}


CASES = {
    "sqs": Case("sqs", "sqs:SendMessage", _sqs,
                lambda v: boto3.client("sqs").send_message(QueueUrl=v["url"], MessageBody="{}"),
                lambda v: f"arn:aws:sqs:{REGION}:{ACCOUNT}:work", lambda v: f"arn:aws:sqs:{REGION}:{ACCOUNT}:other",
                "AccessDenied"),
    "dynamodb": Case("dynamodb", "dynamodb:UpdateItem", _table,
                     lambda v: boto3.client("dynamodb").update_item(
                         TableName="limits", Key={"pk": {"S": "k"}}, UpdateExpression="ADD n :one",
                         ExpressionAttributeValues={":one": {"N": "1"}}),
                     lambda v: f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/limits",
                     lambda v: f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/other", "AccessDeniedException"),
    "secretsmanager": Case("secretsmanager", "secretsmanager:GetSecretValue", _secret,
                           lambda v: boto3.client("secretsmanager").get_secret_value(SecretId=v["arn"]),
                           lambda v: v["arn"], lambda v: v["arn"][:-7] + "-OtHeRs", "AccessDeniedException"),
    "ses": Case("ses", "ses:SendEmail", _identity,
                lambda v: boto3.client("ses").send_email(
                    Source="Veriflow <no-reply@veriflow.example>", Destination={"ToAddresses": ["a@people.example"]},
                    Message={"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}),
                lambda v: f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/no-reply@veriflow.example",
                lambda v: f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/other@veriflow.example", "AccessDenied"),
    "sns": Case("sns", "sns:GetTopicAttributes", _topic,
                lambda v: boto3.client("sns").get_topic_attributes(TopicArn=v["arn"]),
                lambda v: v["arn"], lambda v: v["arn"] + "-other", "AuthorizationError"),
    # A text to a phone number has no ARN: AWS checks it against "*" (a topic grant does not cover it).
    "sns-sms": Case("sns", "sns:Publish", dict,
                    lambda v: boto3.client("sns").publish(PhoneNumber="+33612345678", Message="Your code: 123456"),
                    lambda v: "*", lambda v: f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts", "AuthorizationError"),
    "s3": Case("s3", "s3:ListBucket", _bucket, lambda v: boto3.client("s3").head_bucket(Bucket="uploads"),
               lambda v: "arn:aws:s3:::uploads", lambda v: "arn:aws:s3:::uploads-other", "AccessDenied"),
    "stepfunctions": Case("stepfunctions", "states:DescribeStateMachine", _state_machine,
                          lambda v: boto3.client("stepfunctions").describe_state_machine(stateMachineArn=v["arn"]),
                          lambda v: v["arn"], lambda v: v["arn"] + "-other", "AccessDeniedException"),
    "lambda": Case("lambda", "lambda:GetFunction", _function,
                   lambda v: boto3.client("lambda").get_function(FunctionName="verdict"),
                   lambda v: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:verdict",
                   lambda v: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other", "AccessDeniedException"),
}


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        iam.install()
        yield


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_missing_grant_is_refused_and_a_scoped_one_admits(aws: None, case: Case) -> None:
    # GIVEN the resource, made by the operator (no principal)
    values = case.setup()
    # WHEN a function whose role has no grant makes the call
    with iam.acting_as(principal()), pytest.raises(ClientError) as refused:
        case.call(values)
    # THEN it fails as on AWS, naming the function, the action and the resource
    error = refused.value.response["Error"]
    assert error["Code"] == case.denied_code
    assert "TestFunction" in error["Message"]
    assert f"perform: {case.action} on resource: {case.arn(values)}" in error["Message"]
    # WHEN its grant names another resource of the same kind THEN it is refused too
    elsewhere = {"Effect": "Allow", "Action": case.action, "Resource": case.other_arn(values)}
    with iam.acting_as(principal(elsewhere)), pytest.raises(ClientError):
        case.call(values)
    # WHEN the grant is scoped to exactly this resource THEN the call reaches the service and succeeds
    exact = {"Effect": "Allow", "Action": case.action, "Resource": case.arn(values)}
    with iam.acting_as(principal(exact)):
        case.call(values)


def test_a_secret_named_without_its_suffix_is_authorized_on_its_full_arn(aws: None) -> None:
    # GIVEN a secret, and a role granted exactly its ARN (with the random suffix)
    arn = _secret()["arn"]
    grant = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": arn}
    # WHEN the function asks for it by name THEN AWS resolves the name: the grant applies
    with iam.acting_as(principal(grant, secrets={"veriflow/test/keys": arn})):
        assert boto3.client("secretsmanager").get_secret_value(SecretId="veriflow/test/keys")["ARN"] == arn


def test_an_explicit_deny_refuses_what_another_statement_allows(aws: None) -> None:
    values = _sqs()
    allow = {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}
    deny = {"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "*"}
    with iam.acting_as(principal(allow, deny)), pytest.raises(ClientError, match="explicit deny"):
        CASES["sqs"].call(values)


def test_an_unmapped_operation_is_a_local_cloud_error_not_an_allow(aws: None) -> None:
    # GIVEN a role that may do anything
    anything = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    # WHEN a function calls an operation the local cloud has no IAM mapping for
    # THEN it fails loudly, naming the operation to map, rather than passing unchecked
    with iam.acting_as(principal(anything)), pytest.raises(iam.UnmappedOperation, match=r"sqs\.CreateQueue"):
        boto3.client("sqs").create_queue(QueueName="new")


def test_calls_outside_any_invocation_are_the_operators(aws: None) -> None:
    # GIVEN no principal (a test arranging data, the local cloud provisioning) THEN nothing is checked
    assert iam.current() is None
    CASES["sqs"].call(_sqs())


def test_threads_a_handler_starts_act_as_its_function(aws: None) -> None:
    # GIVEN a function with no grants, inside an invocation's environment
    from concurrent.futures import ThreadPoolExecutor

    from veriflow.local import environ

    values = _sqs()
    # WHEN a thread it starts makes the call THEN the thread is that function too
    with (environ.overlay({"AWS_LAMBDA_FUNCTION_NAME": "t"}), iam.acting_as(principal()),
          ThreadPoolExecutor(1) as pool, pytest.raises(ClientError)):
        pool.submit(CASES["sqs"].call, values).result()


def test_a_denied_call_in_a_queue_worker_returns_its_message_and_names_the_permission(
    tmp_path: Any, fixture_template: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN the test template with the queue worker's table grant taken away
    import shutil

    from veriflow.local import LocalCloud

    copy = tmp_path / "stack"
    shutil.copytree(fixture_template.parent, copy)
    text = (copy / "template.yaml").read_text()
    granted = "Action: [dynamodb:UpdateItem]\n              Resource: !GetAtt CallsTable.Arn"
    assert text.count(granted) == 2  # the queue worker's, then the flaky layer's
    (copy / "template.yaml").write_text(text.replace(granted, granted.replace("UpdateItem", "GetItem"), 1))
    with mock_aws(config=MOTO_CONFIG), LocalCloud(copy / "template.yaml") as cloud:  # type: ignore[arg-type]
        sqs = boto3.client("sqs", region_name=REGION)
        queue, dlq = cloud.resources["WorkQueue"].url, cloud.resources["WorkDeadLetterQueue"].url
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"id": 1, "ok": True}))
        # WHEN the worker receives it (as often as the queue allows, then its dead-letter queue)
        with caplog.at_level("WARNING", logger="veriflow-local"):
            cloud.drain_queues()
        # THEN the message was not lost: it went back to the queue each time and now waits in the DLQ
        dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
        assert [json.loads(m["Body"])["id"] for m in dead] == [1]
        # AND the log names the function and the permission it lacks, on the resource
        table = cloud.resources["CallsTable"].arn
        assert any("IAM: WorkerFunction may not dynamodb:UpdateItem on " + table in r.getMessage()
                   for r in caplog.records)
