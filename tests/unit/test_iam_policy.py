"""IAM policy evaluation as AWS does it: explicit Deny wins, otherwise an Allow is needed."""

from __future__ import annotations

from typing import Any

import pytest

from veriflow.local.iam import Effect, NamedPolicy, evaluate

QUEUE = "arn:aws:sqs:us-east-1:123456789012:veriflow-dev-notifications"


def policy(*statements: dict[str, Any], name: str = "p") -> NamedPolicy:
    return NamedPolicy(name, {"Version": "2012-10-17", "Statement": list(statements)})


@pytest.mark.parametrize(("statement", "action", "resource", "allowed"), [
    ({"Effect": "Allow", "Action": "sqs:SendMessage*", "Resource": QUEUE}, "sqs:SendMessage", QUEUE, True),
    # Actions are case-insensitive, resources are not.
    ({"Effect": "Allow", "Action": "SQS:sendmessage", "Resource": QUEUE}, "sqs:SendMessage", QUEUE, True),
    ({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": QUEUE.upper()}, "sqs:SendMessage", QUEUE, False),
    # `*` spans any characters, `?` exactly one; a `.` is literal.
    ({"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:*:veriflow-???-*"},
     "sqs:ReceiveMessage", QUEUE, True),
    ({"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:*:veriflow-??-*"},
     "sqs:ReceiveMessage", QUEUE, False),
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/a.b"},
     "s3:GetObject", "arn:aws:s3:::bucket/aXb", False),
    # A grant on one queue is no grant on another.
    ({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": QUEUE}, "sqs:SendMessage", QUEUE + "-dlq", False),
    # NotResource and NotAction invert their element only.
    ({"Effect": "Allow", "Action": "sns:Publish", "NotResource": "arn:aws:sns:*:*:*"}, "sns:Publish", "*", True),
    ({"Effect": "Allow", "Action": "sns:Publish", "NotResource": "arn:aws:sns:*:*:*"},
     "sns:Publish", "arn:aws:sns:us-east-1:123456789012:alerts", False),
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "dynamodb:UpdateItem", "anything", True),
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "iam:PassRole", "anything", False),
    # An Allow that holds only under a condition is never taken for granted.
    ({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": QUEUE,
      "Condition": {"Bool": {"aws:SecureTransport": "true"}}}, "sqs:SendMessage", QUEUE, False),
])
def test_one_statement(statement: dict[str, Any], action: str, resource: str, allowed: bool) -> None:
    # GIVEN one identity policy WHEN a request is evaluated THEN AWS's answer comes out
    decision = evaluate([policy(statement)], action, resource)
    assert decision.allowed is allowed
    assert decision.effect is (Effect.ALLOW if allowed else Effect.IMPLICIT_DENY)


def test_an_explicit_deny_wins_over_any_allow() -> None:
    # GIVEN a broad allow and a narrow deny in another policy
    policies = [policy({"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}, name="broad"),
                policy({"Effect": "Deny", "Action": "secretsmanager:GetSecretValue",
                        "Resource": "arn:aws:secretsmanager:*:*:secret:veriflow/*/signing-keys-*"}, name="keys")]
    # WHEN the denied action is asked for THEN the deny decides, and names its policy
    denied = evaluate(policies, "secretsmanager:GetSecretValue",
                      "arn:aws:secretsmanager:us-east-1:1:secret:veriflow/dev/signing-keys-AbCdEf")
    assert (denied.effect, denied.policy) == (Effect.EXPLICIT_DENY, "keys")
    # AND everything else the allow covers stays allowed
    assert evaluate(policies, "secretsmanager:DescribeSecret", "arn:x").allowed


def test_no_policy_is_an_implicit_deny() -> None:
    assert evaluate([], "sqs:SendMessage", QUEUE).effect is Effect.IMPLICIT_DENY
