"""Physical names, ARNs and attributes of resources, as CloudFormation would report them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

# Resource type → (property that names it, longest name AWS accepts).
_NAME_PROPERTY: dict[str, tuple[str, int]] = {
    "AWS::S3::Bucket": ("BucketName", 63),
    "AWS::SQS::Queue": ("QueueName", 80),
    "AWS::DynamoDB::Table": ("TableName", 255),
    "AWS::SecretsManager::Secret": ("Name", 512),
    "AWS::SNS::Topic": ("TopicName", 256),
    "AWS::Lambda::Function": ("FunctionName", 64),
    "AWS::StepFunctions::StateMachine": ("StateMachineName", 80),
    "AWS::Events::Rule": ("Name", 64),
    "AWS::IAM::Role": ("RoleName", 64),
    "AWS::Logs::LogGroup": ("LogGroupName", 512),
}


@dataclass
class PhysicalResource:
    """What Ref and Fn::GetAtt return for one resource; `ref` is what `!Ref` gives."""

    logical_id: str
    type: str
    name: str
    arn: str
    ref: str
    attributes: dict[str, str] = field(default_factory=dict)
    url: str | None = None

    def get_att(self, attribute: str) -> str:
        if attribute in self.attributes:
            return self.attributes[attribute]
        # Attributes of types the local cloud ignores only feed other ignored resources.
        return f"{self.arn}/{attribute}"


def name_property(resource_type: str) -> str | None:
    """The property that names a resource of this type, if it has one."""
    entry = _NAME_PROPERTY.get(resource_type)
    return entry[0] if entry else None


def default_name(stack_name: str, logical_id: str, resource_type: str) -> str:
    """A stable name like CloudFormation's `<stack>-<LogicalId>`, without its random suffix."""
    _, limit = _NAME_PROPERTY.get(resource_type, ("", 64))
    name = f"{stack_name}-{logical_id}"
    if resource_type == "AWS::S3::Bucket":
        name = re.sub(r"[^a-z0-9.-]", "-", name.lower())
    return name[:limit]


def physical_resource(
    logical_id: str, resource_type: str, props: dict[str, Any], stack_name: str, region: str, account: str
) -> PhysicalResource:
    """The identity of a resource; `props` need only its resolved naming properties."""
    prop, _ = _NAME_PROPERTY.get(resource_type, ("", 0))
    name = str(props.get(prop) or default_name(stack_name, logical_id, resource_type))
    arn_prefix = f"arn:aws:{{}}:{region}:{account}"

    def res(arn: str, ref: str, **attributes: str) -> PhysicalResource:
        return PhysicalResource(logical_id, resource_type, name, arn, ref, {"Arn": arn, **attributes})

    match resource_type:
        case "AWS::S3::Bucket":
            return res(f"arn:aws:s3:::{name}", name, DomainName=f"{name}.s3.amazonaws.com",
                       RegionalDomainName=f"{name}.s3.{region}.amazonaws.com",
                       WebsiteURL=f"http://{name}.s3-website-{region}.amazonaws.com")
        case "AWS::SQS::Queue":
            if str(props.get("FifoQueue", "false")).lower() == "true" and not name.endswith(".fifo"):
                name = f"{name[:75]}.fifo"
            url = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
            queue = res(f"{arn_prefix.format('sqs')}:{name}", url, QueueName=name, QueueUrl=url)
            queue.url = url
            return queue
        case "AWS::DynamoDB::Table":
            arn = f"{arn_prefix.format('dynamodb')}:table/{name}"
            return res(arn, name, StreamArn=f"{arn}/stream/local")
        case "AWS::SecretsManager::Secret":
            arn = f"{arn_prefix.format('secretsmanager')}:secret:{name}"
            return res(arn, arn, Id=arn)
        case "AWS::SNS::Topic":
            arn = f"{arn_prefix.format('sns')}:{name}"
            return res(arn, arn, TopicArn=arn, TopicName=name)
        case "AWS::Lambda::Function":
            return res(f"{arn_prefix.format('lambda')}:function:{name}", name)
        case "AWS::StepFunctions::StateMachine":
            arn = f"{arn_prefix.format('states')}:stateMachine:{name}"
            return res(arn, arn, Name=name, StateMachineName=name)
        case "AWS::Events::Rule":
            return res(f"{arn_prefix.format('events')}:rule/{name}", name)
        case "AWS::IAM::Role":
            return res(f"arn:aws:iam::{account}:role/{name}", name, RoleId=_short_id(name).upper())
        case "AWS::Logs::LogGroup":
            return res(f"{arn_prefix.format('logs')}:log-group:{name}:*", name)
        case "AWS::ApiGatewayV2::Api":
            api_id = _short_id(f"{stack_name}/{logical_id}")
            return res(f"arn:aws:apigateway:{region}::/apis/{api_id}", api_id, ApiId=api_id,
                       ApiEndpoint=f"https://{api_id}.execute-api.{region}.amazonaws.com")
        case "AWS::Lambda::LayerVersion":
            arn = f"{arn_prefix.format('lambda')}:layer:{name}:1"
            return res(arn, arn)
        # Not created locally (functions run on DATABASE_URL or SQLite): names under `.invalid`,
        # which never resolves, so nothing can connect to them by mistake.
        case "AWS::RDS::DBCluster":
            cluster = name.lower()
            return res(f"{arn_prefix.format('rds')}:cluster:{cluster}", cluster,
                       **{"Endpoint.Address": f"{cluster}.cluster.rds.invalid", "Endpoint.Port": "5432",
                          "ReadEndpoint.Address": f"{cluster}.cluster-ro.rds.invalid",
                          "MasterUserSecret.SecretArn": f"{arn_prefix.format('secretsmanager')}:secret:rds!{cluster}"})
        case "AWS::RDS::DBProxy":
            proxy = name.lower()
            return res(f"{arn_prefix.format('rds')}:db-proxy:{proxy}", proxy, Endpoint=f"{proxy}.proxy.rds.invalid")
    service = resource_type.split("::")[1].lower() if resource_type.count("::") == 2 else "local"
    arn = f"{arn_prefix.format(service)}:{name}"
    return res(arn, name)


def _short_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]
