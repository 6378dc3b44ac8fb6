"""Create a stack's storage and messaging resources in moto, in an order that satisfies references.

moto's own CloudFormation is not used: it drops bucket notifications and DefinitionSubstitutions
and has no API Gateway v2, so each resource is created through its service's API instead.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from veriflow.local.clients import Clients
from veriflow.local.stack import Stack

_QUEUE_ATTRIBUTES = (
    "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope",
    "FifoThroughputLimit", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled",
)
_INDEX_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
_NOTIFICATIONS = (
    ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
    ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
    ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
)


def create_secrets(stack: Stack, aws: Clients) -> None:
    for lid in stack.resources("AWS::SecretsManager::Secret"):
        props, physical = stack.properties(lid), stack.physical(lid)
        secret = props.get("SecretString") or _generated_secret(props.get("GenerateSecretString") or {})
        arn = aws("secretsmanager").create_secret(
            Name=physical.name, Description=props.get("Description", ""), SecretString=secret
        )["ARN"]
        # moto appends a random suffix, as AWS does: Ref must give the real ARN.
        physical.arn = physical.ref = physical.attributes["Arn"] = physical.attributes["Id"] = arn


def _generated_secret(spec: dict[str, Any]) -> str:
    value = secrets.token_urlsafe(int(spec.get("PasswordLength", 32)))[: int(spec.get("PasswordLength", 32))]
    template, key = spec.get("SecretStringTemplate"), spec.get("GenerateStringKey")
    if template and key:
        return json.dumps({**json.loads(template), key: value})
    return value


def create_tables(stack: Stack, aws: Clients) -> None:
    dynamodb = aws("dynamodb")
    for lid in stack.resources("AWS::DynamoDB::Table"):
        props, physical = stack.properties(lid), stack.physical(lid)
        request: dict[str, Any] = {"TableName": physical.name, "KeySchema": props["KeySchema"]}
        request["AttributeDefinitions"] = props["AttributeDefinitions"]
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if kind in props:
                request[kind] = [{k: v for k, v in index.items() if k in _INDEX_KEYS} for index in props[kind]]
        if "ProvisionedThroughput" in props:
            request["ProvisionedThroughput"] = {k: int(v) for k, v in props["ProvisionedThroughput"].items()}
        else:
            request["BillingMode"] = "PAY_PER_REQUEST"
        if "StreamSpecification" in props:
            request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        table = dynamodb.create_table(**request)["TableDescription"]
        if "LatestStreamArn" in table:
            physical.attributes["StreamArn"] = table["LatestStreamArn"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and _true(ttl.get("Enabled")):
            dynamodb.update_time_to_live(
                TableName=physical.name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )


def create_topics(stack: Stack, aws: Clients) -> None:
    for lid in stack.resources("AWS::SNS::Topic"):
        props, physical = stack.properties(lid), stack.physical(lid)
        attributes = {k: _text(props[k]) for k in ("FifoTopic", "ContentBasedDeduplication") if k in props}
        arn = aws("sns").create_topic(Name=physical.name, Attributes=attributes)["TopicArn"]
        for subscription in props.get("Subscription", []):
            aws("sns").subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])


def create_queues(stack: Stack, aws: Clients) -> None:
    sqs = aws("sqs")
    queues = stack.resources("AWS::SQS::Queue")
    for lid in queues:
        props, physical = stack.properties(lid), stack.physical(lid)
        attributes = {k: _text(props[k]) for k in _QUEUE_ATTRIBUTES if k in props}
        url = sqs.create_queue(QueueName=physical.name, Attributes=attributes)["QueueUrl"]
        physical.ref = physical.attributes["QueueUrl"] = url
        physical.url = url
    # Redrive policies last: their dead-letter queues must exist first.
    for lid in queues:
        props = stack.properties(lid)
        policies = {k: json.dumps(_redrive(props[k])) for k in ("RedrivePolicy", "RedriveAllowPolicy") if k in props}
        if policies:
            sqs.set_queue_attributes(QueueUrl=stack.physical(lid).url, Attributes=policies)


def _redrive(policy: Any) -> Any:
    if isinstance(policy, str):
        policy = json.loads(policy)
    if "maxReceiveCount" in policy:
        policy = {**policy, "maxReceiveCount": int(policy["maxReceiveCount"])}
    return policy


def create_buckets(stack: Stack, aws: Clients) -> None:
    s3 = aws("s3")
    for lid in stack.resources("AWS::S3::Bucket"):
        props, name = stack.properties(lid), stack.physical(lid).name
        if stack.region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": stack.region})
        if "CorsConfiguration" in props:
            rules = [_cors_rule(rule) for rule in props["CorsConfiguration"]["CorsRules"]]
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
        if props.get("VersioningConfiguration", {}).get("Status"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
        if "NotificationConfiguration" in props:
            s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration=_notifications(props["NotificationConfiguration"])
            )


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    # CloudFormation and the S3 API spell two of these keys differently.
    renamed = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds"}
    return {renamed.get(key, key): int(value) if key == "MaxAge" else value for key, value in rule.items()}


def _notifications(config: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration in the shape of the S3 API."""
    result: dict[str, Any] = {}
    for cfn_key, api_key, cfn_target, api_target in _NOTIFICATIONS:
        entries = []
        for entry in config.get(cfn_key, []):
            converted: dict[str, Any] = {api_target: entry[cfn_target], "Events": [entry["Event"]]}
            rules = entry.get("Filter", {}).get("S3Key", {}).get("Rules")
            if rules:
                converted["Filter"] = {"Key": {"FilterRules": rules}}
            entries.append(converted)
        if entries:
            result[api_key] = entries
    if _true(config.get("EventBridgeConfiguration", {}).get("EventBridgeEnabled")):
        result["EventBridgeConfiguration"] = {}
    return result


def _true(value: Any) -> bool:
    return str(value).lower() == "true"


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
