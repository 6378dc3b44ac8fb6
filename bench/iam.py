"""What the local cloud's IAM check adds to an AWS call: SQS SendMessage in in-process moto, made
under a function's principal (authorized against its policies) against the same call made with no
principal (unchecked), in the same run. Local only: nothing of this runs on AWS.

Usage: .venv/bin/python bench/iam.py [--calls 300]
"""

from __future__ import annotations

import argparse
import time

import _common  # noqa: F401 - the benchmark environment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    import boto3
    from moto import mock_aws

    from veriflow.local import iam

    with mock_aws():
        iam.install()
        sqs = boto3.client("sqs")
        arn = "arn:aws:sqs:us-east-1:123456789012:bench"
        policies = tuple(iam.NamedPolicy(f"p{i}", {"Statement": [
            {"Effect": "Allow", "Action": ["sqs:SendMessage*"], "Resource": arn if i == 9 else f"{arn}-{i}"}]})
            for i in range(10))
        principal = iam.Principal("BenchFunction", "bench", "bench-role", policies, "us-east-1", "123456789012")

        def run(who: iam.Principal | None) -> float:
            # A fresh queue each run: moto's cost per message grows with what the queue holds.
            sqs.delete_queue(QueueUrl=sqs.create_queue(QueueName="bench")["QueueUrl"])
            url = sqs.create_queue(QueueName="bench")["QueueUrl"]
            started = time.perf_counter()
            with iam.acting_as(who):
                for _ in range(args.calls):
                    sqs.send_message(QueueUrl=url, MessageBody="{}")
            return (time.perf_counter() - started) / args.calls * 1e6

        run(None), run(principal)  # warm
        unchecked, checked = run(None), run(principal)
        params = {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/bench", "MessageBody": "{}"}
        started = time.perf_counter()
        for _ in range(args.calls * 20):
            iam.authorize(principal, "sqs", "SendMessage", params, "us-east-1")
        decision_us = (time.perf_counter() - started) / (args.calls * 20) * 1e6
    print(f"SQS SendMessage in moto, {args.calls} calls, the grant in the 10th of 10 policies")
    print(f"unchecked {unchecked:.0f} us/call, checked {checked:.0f} us/call, ratio {checked / unchecked:.2f}x "
          f"(+{checked - unchecked:.0f} us)")
    print(f"the decision alone (mapping + evaluation of 10 policies): {decision_us:.0f} us/call")


if __name__ == "__main__":
    main()
