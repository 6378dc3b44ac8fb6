"""Which IAM actions on which resource ARNs one AWS API call needs, as AWS authorizes it.

Every operation a function may call is listed per service; an operation that is not listed is an
error of the local cloud (`UnmappedOperation`), never a silent allow, so a new kind of call is
mapped here (with its ARN format from the service's authorization reference) before it runs.
Operations that AWS authorizes without resource-level permissions use the resource `*`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlparse

from veriflow.local.errors import LocalCloudError


class UnmappedOperation(LocalCloudError):
    """The local cloud does not know which permission this call needs."""


@dataclass(frozen=True)
class Where:
    """The caller's region and account, and how to find a secret's full ARN from a name."""

    region: str
    account: str
    secret_arn: Callable[[str], str | None] = lambda _name: None


Authorization = tuple[str, str]  # (action, resource ARN)
_Mapper = Callable[[str, Mapping[str, Any], Where], list[Authorization]]


def _arn(service: str, where: Where, resource: str) -> str:
    return f"arn:aws:{service}:{where.region}:{where.account}:{resource}"


def _queue_arn(url: str, where: Where) -> str:
    # https://sqs.<region>.amazonaws.com/<account>/<name>, or a local endpoint's /<account>/<name>
    account, name = urlparse(url).path.strip("/").split("/")[-2:]
    return f"arn:aws:sqs:{where.region}:{account}:{name}"


def _sqs(operation: str, params: Mapping[str, Any], where: Where) -> list[Authorization]:
    action = operation.removesuffix("Batch")
    if operation in ("GetQueueUrl",):
        return [(f"sqs:{action}", f"arn:aws:sqs:{where.region}:{where.account}:{params['QueueName']}")]
    if operation in ("ListQueues",):
        return [("sqs:ListQueues", "*")]
    if action in ("SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
                  "GetQueueAttributes", "SetQueueAttributes", "PurgeQueue"):
        return [(f"sqs:{action}", _queue_arn(str(params["QueueUrl"]), where))]
    raise UnmappedOperation(f"sqs.{operation}")


def _dynamodb(operation: str, params: Mapping[str, Any], where: Where) -> list[Authorization]:
    def table(name: str, index: str | None = None) -> str:
        return _arn("dynamodb", where, f"table/{name}" + (f"/index/{index}" if index else ""))

    if operation in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "DescribeTable", "DescribeTimeToLive"):
        return [(f"dynamodb:{operation}", table(params["TableName"]))]
    if operation in ("Query", "Scan"):
        return [(f"dynamodb:{operation}", table(params["TableName"], params.get("IndexName")))]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{operation}", table(name)) for name in params["RequestItems"]]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        needed: list[Authorization] = []
        for item in params["TransactItems"]:
            for kind, request in item.items():
                action = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                          "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}[kind]
                needed.append((f"dynamodb:{action}", table(request["TableName"])))
        return needed
    raise UnmappedOperation(f"dynamodb.{operation}")


def _secretsmanager(operation: str, params: Mapping[str, Any], where: Where) -> list[Authorization]:
    if operation in ("GetSecretValue", "PutSecretValue", "DescribeSecret", "UpdateSecret",
                     "UpdateSecretVersionStage", "ListSecretVersionIds", "RotateSecret"):
        secret = str(params["SecretId"])
        arn = where.secret_arn(secret) or (secret if secret.startswith("arn:") else
                                           _arn("secretsmanager", where, f"secret:{secret}"))
        return [(f"secretsmanager:{operation}", arn)]
    if operation == "GetRandomPassword":
        return [("secretsmanager:GetRandomPassword", "*")]
    raise UnmappedOperation(f"secretsmanager.{operation}")


def _ses(operation: str, params: Mapping[str, Any], where: Where) -> list[Authorization]:
    if operation in ("SendEmail", "SendRawEmail", "SendTemplatedEmail"):
        address = parseaddr(str(params.get("Source", "")))[1]
        needed = [(f"ses:{operation}", _arn("ses", where, f"identity/{address}"))]
        if configuration_set := params.get("ConfigurationSetName"):
            needed.append((f"ses:{operation}", _arn("ses", where, f"configuration-set/{configuration_set}")))
        return needed
    raise UnmappedOperation(f"ses.{operation}")


def _sns(operation: str, params: Mapping[str, Any], where: Where) -> list[Authorization]:
    if operation == "Publish":
        # A text to a phone number has no ARN: AWS authorizes it against "*".
        return [("sns:Publish", str(params.get("TopicArn") or params.get("TargetArn") or "*"))]
    if operation in ("GetTopicAttributes", "Subscribe", "ListSubscriptionsByTopic"):
        return [(f"sns:{operation}", str(params["TopicArn"]))]
    raise UnmappedOperation(f"sns.{operation}")


def _s3(operation: str, params: Mapping[str, Any], where: Where) -> list[Authorization]:
    bucket = str(params.get("Bucket", ""))
    if operation in ("HeadBucket", "ListObjects", "ListObjectsV2"):
        return [("s3:ListBucket", f"arn:aws:s3:::{bucket}")]
    objects = {"GetObject": "s3:GetObject", "HeadObject": "s3:GetObject", "PutObject": "s3:PutObject",
               "DeleteObject": "s3:DeleteObject", "GetObjectTagging": "s3:GetObjectTagging",
               "PutObjectTagging": "s3:PutObjectTagging"}
    if operation in objects:
        return [(objects[operation], f"arn:aws:s3:::{bucket}/{params['Key']}")]
    if operation == "CopyObject":
        source = params["CopySource"]
        source_path = f"{source['Bucket']}/{source['Key']}" if isinstance(source, Mapping) else str(source).lstrip("/")
        return [("s3:GetObject", f"arn:aws:s3:::{source_path}"),
                ("s3:PutObject", f"arn:aws:s3:::{bucket}/{params['Key']}")]
    if operation == "DeleteObjects":
        return [("s3:DeleteObject", f"arn:aws:s3:::{bucket}/{item['Key']}") for item in params["Delete"]["Objects"]]
    raise UnmappedOperation(f"s3.{operation}")


def _states(operation: str, params: Mapping[str, Any], where: Where) -> list[Authorization]:
    for key in ("stateMachineArn", "executionArn"):
        if key in params and operation in ("StartExecution", "DescribeStateMachine", "DescribeExecution",
                                           "StopExecution", "GetExecutionHistory", "ListExecutions"):
            return [(f"states:{operation}", str(params[key]))]
    raise UnmappedOperation(f"stepfunctions.{operation}")


def _lambda(operation: str, params: Mapping[str, Any], where: Where) -> list[Authorization]:
    if operation not in ("Invoke", "InvokeAsync", "GetFunction", "ListVersionsByFunction", "ListAliases",
                         "DeleteFunction"):
        raise UnmappedOperation(f"lambda.{operation}")
    name = str(params["FunctionName"])
    arn = name if name.startswith("arn:") else _arn("lambda", where, f"function:{name}")
    if operation.startswith("Invoke"):
        return [("lambda:InvokeFunction", arn)]
    # A version's ARN is the function's with `:N`: deleting one is allowed by a policy on that form.
    if operation == "DeleteFunction" and params.get("Qualifier"):
        arn = f"{arn}:{params['Qualifier']}"
    return [(f"lambda:{operation}", arn)]


def _events(operation: str, params: Mapping[str, Any], where: Where) -> list[Authorization]:
    if operation == "PutEvents":
        buses = {str(entry.get("EventBusName") or "default") for entry in params["Entries"]}
        return [("events:PutEvents", bus if bus.startswith("arn:") else _arn("events", where, f"event-bus/{bus}"))
                for bus in sorted(buses)]
    raise UnmappedOperation(f"events.{operation}")


_NEEDS_NO_PERMISSION = {("sts", "GetCallerIdentity")}
_MAPPERS: dict[str, _Mapper] = {
    "sqs": _sqs, "dynamodb": _dynamodb, "secretsmanager": _secretsmanager, "ses": _ses, "sns": _sns,
    "s3": _s3, "states": _states, "lambda": _lambda, "events": _events,
}


def authorizations(prefix: str, operation: str, params: Mapping[str, Any], where: Where) -> list[Authorization]:
    """The (action, resource) pairs AWS checks for this call; `prefix` is the service's IAM prefix."""
    if (prefix, operation) in _NEEDS_NO_PERMISSION:
        return []
    mapper = _MAPPERS.get(prefix)
    if mapper is None:
        raise UnmappedOperation(f"{prefix}.{operation}")
    return mapper(operation, params, where)
