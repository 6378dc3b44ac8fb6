"""The transactional outbox's cost on a producer: one transaction that stores a row and queues one
message, through the outbox (insert, commit, relay: select, send, delete) against the baseline of
the same transaction followed by a direct send (what producers did before), in the same run.

Rows, per database (SQLite file, then PostgreSQL when its binaries or DATABASE_URL are there): ms per
transaction for each, and the outbox's ratio to the baseline. SQS is moto in-process, so the send
itself is cheap here and the ratio is an upper bound of what the outbox adds on AWS, where the
SQS round trip dominates both. Reports only, never asserts.

Usage: .venv/bin/python bench/outbox.py [--transactions 300]
"""

from __future__ import annotations

import argparse
import os
import time
import uuid

from _common import database, reset


def measure(kind: str, count: int) -> dict[str, float] | None:
    from moto import mock_aws

    with database(kind) as name:
        if name is None:
            return None
        import boto3

        from veriflow.core.aws import send_batch
        from veriflow.core.db import after_commit, session_scope
        from veriflow.identity.user_models import User
        from veriflow.outbox import service as outbox

        with mock_aws():
            url = boto3.client("sqs").create_queue(QueueName="bench")["QueueUrl"]
            os.environ["BENCH_QUEUE_URL"] = url
            entry = {"MessageBody": '{"template": "system.broadcast"}'}

            def direct(n: int) -> None:
                with session_scope() as session:
                    session.add(User(email=f"d{n}-{uuid.uuid4().hex[:8]}@example.com"))
                    after_commit(session, lambda _s: send_batch(url, [entry]))

            def through_outbox(n: int) -> None:
                with session_scope() as session:
                    session.add(User(email=f"o{n}-{uuid.uuid4().hex[:8]}@example.com"))
                    outbox.add(session, "BENCH_QUEUE_URL", [entry])

            timings = {}
            for label, produce in (("direct", direct), ("outbox", through_outbox)) * 2:  # warm, then measure
                started = time.perf_counter()
                for n in range(count):
                    produce(n)
                timings[label] = (time.perf_counter() - started) / count * 1000
        reset()
    ratio = timings["outbox"] / timings["direct"]
    return {"direct_ms": timings["direct"], "outbox_ms": timings["outbox"], "ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, default=300)
    args = parser.parse_args()
    print(f"producer transaction + one queued message, {args.transactions} per row")
    print(f"{'database':<11} {'direct ms':>10} {'outbox ms':>10} {'ratio':>7}")
    for kind in ("sqlite", "postgres"):
        row = measure(kind, args.transactions)
        if row is None:
            print(f"{kind:<11} (no PostgreSQL binaries; set DATABASE_URL or install postgresql)")
            continue
        print(f"{kind:<11} {row['direct_ms']:>10.2f} {row['outbox_ms']:>10.2f} {row['ratio']:>6.2f}x")


if __name__ == "__main__":
    main()
