"""notifications_worker throughput: messages per second through the real handler, batches of 10.

Rows, per database (SQLite file, then PostgreSQL when its binaries or DATABASE_URL are there):
  once            each message delivered once: one user, in-app and email (SES in moto)
  3x redelivery   the same volume of new messages, each batch delivered three times (as SQS may);
                  messages/s counts distinct messages, and the ratio is its time against `once`
                  measured in the same run (the two extra deliveries should cost a claim lookup
                  each, far less than a delivery)
  duplicate       what one redelivered message costs, in ms

The PostgreSQL row uses a throwaway cluster like the tests do (fsync off: this measures our queries,
not the disk). Reports only, never asserts.

Usage: .venv/bin/python bench/notifications.py [--messages 300]
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from typing import Any

from _common import database, reset


def _records(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"messageId": str(uuid.uuid4()), "receiptHandle": "bench", "body": json.dumps(m), "attributes": {},
             "messageAttributes": {}, "md5OfBody": "0" * 32, "eventSource": "aws:sqs",
             "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:notifications", "awsRegion": "us-east-1"}
            for m in messages]


def _messages(run: str, users: list[uuid.UUID], count: int) -> list[dict[str, Any]]:
    return [{
        "idempotency_key": f"bench:{run}:{n:06d}", "recipients": {"user_ids": [str(users[n % len(users)])]},
        "category": "challenge", "template": "system.broadcast", "channels": ["in_app", "email"],
        "data": {"title": f"Update {n}", "body": "Submissions close on Friday."},
    } for n in range(count)]


def _run(handler: Any, context: Any, records: list[dict[str, Any]], deliveries: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(records), 10):
        batch = {"Records": records[start:start + 10]}
        for _ in range(deliveries):
            result = handler(batch, context)
            assert result == {"batchItemFailures": []}, result
    return time.perf_counter() - started


def measure(kind: str, count: int) -> dict[str, float] | None:
    from moto import mock_aws

    with database(kind) as name:
        if name is None:
            return None
        from veriflow.core.db import session_scope
        from veriflow.core.types import utcnow
        from veriflow.identity.user_models import User
        from veriflow.local.runtime import LambdaContext

        with mock_aws():
            import boto3

            boto3.client("ses").verify_email_identity(EmailAddress="no-reply@veriflow.example")
            with session_scope() as session:
                people = [User(email=f"bench{i}@example.com", email_verified_at=utcnow()) for i in range(50)]
                session.add_all(people)
                session.flush()
                users = [p.id for p in people]
            from tests.conftest import load_function

            handler = load_function("notifications_worker").handler
            context = LambdaContext("notifications-worker", "arn:aws:lambda:us-east-1:123456789012:function:w", 512, 60)
            _run(handler, context, _records(_messages("warm", users, 20)), 1)
            once = _run(handler, context, _records(_messages("once", users, count)), 1)
            thrice = _run(handler, context, _records(_messages("thrice", users, count)), 3)
        reset()
    return {"once": count / once, "thrice": count / thrice, "ratio": thrice / once,
            "duplicate_ms": (thrice - once) / (2 * count) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    print(f"notifications_worker, {args.messages} messages per row, batches of 10, in-app + email each")
    print(f"{'database':<11} {'once msg/s':>11} {'3x redelivery msg/s':>20} {'time ratio':>11} {'duplicate ms':>13}")
    for kind in ("sqlite", "postgres"):
        row = measure(kind, args.messages)
        if row is None:
            print(f"{kind:<11} (no PostgreSQL binaries; set DATABASE_URL or install postgresql)")
            continue
        print(f"{kind:<11} {row['once']:>11.0f} {row['thrice']:>20.0f} {row['ratio']:>10.2f}x"
              f" {row['duplicate_ms']:>13.2f}")


if __name__ == "__main__":
    main()
