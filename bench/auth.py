"""Auth primitives: password hashing and verification against one argon2 hash, access tokens per call.

Rows:
  argon2id hash (baseline)  one PasswordHasher.hash with the configured parameters (the login floor)
  verify_password           what a login with a known email costs; ratio to the baseline (target <= 1.2)
  verify_unknown_user       what a login with an unknown email costs (should match the row above)
  hash_password             what register / password change costs
  issue_access_token        sign one ES256 access token (keys cached in-process)
  verify_access_token       verify one access token (target < 0.5 ms)
  import (fresh interpreter) what the first auth call adds to a cold start: argon2, PyJWT, cryptography
  login (handler)           POST /v1/auth/login through the real auth function (payload v2, moto,
                            SQLite): ratio to the baseline hash (target <= 1.2)
  login (service)           the same sign-in without the handler and the rate-limit call
  refresh (handler)         POST /v1/auth/refresh round trip: rotation, sealing, new tokens
  GET sessions (handler)    an authenticated GET: token verification, session check, one query

Medians; the signing keys live in moto's Secrets Manager and are read once (then cached), as in a
warm Lambda container. STAGE=local, argon2 parameters from the environment (defaults m=19456 KiB,
t=2, p=1). Reports only, never asserts.

Usage: .venv/bin/python bench/auth.py [--hash-runs 15] [--token-runs 3000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

VERIFY_TARGET_MS = 0.5
RATIO_TARGET = 1.2


def median_s(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm-up: lazy imports, caches
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def interleaved_medians_s(fns: dict[str, Callable[[], Any]], runs: int) -> dict[str, float]:
    """Medians of each function, run in turns, so load from other processes hits them all alike."""
    timings: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()  # warm-up
    for _ in range(runs):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            timings[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in timings.items()}


IMPORT_PROBE = (
    "import time; t = time.perf_counter(); import argon2, jwt; "
    "from cryptography.hazmat.primitives.asymmetric import ec; print(time.perf_counter() - t)"
)


def import_cost_s(runs: int = 5) -> float:
    """Median time to import the libraries auth loads lazily, in fresh interpreters (bytecode cached)."""
    timings = [float(subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(runs)]
    return statistics.median(timings)


def handler_round_trips(baseline: float, runs: int) -> list[tuple[str, float, str]]:
    """Login, refresh and an authenticated GET through the real auth function on the local cloud."""
    import json
    import tempfile
    from pathlib import Path

    from moto import mock_aws

    from veriflow.core.db import database_url
    from veriflow.core.migrations import upgrade
    from veriflow.core.settings import get_settings
    from veriflow.identity.settings import get_auth_settings
    from veriflow.local import MOTO_CONFIG, LocalCloud
    from veriflow.local.dev import DEV_PARAMETERS

    root = Path(__file__).resolve().parent.parent
    os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    os.environ["LOGIN_PER_IP_PER_MIN"] = "1000000"  # the bench signs in far more often than a person
    os.environ.pop("SIGNING_KEYS_SECRET_ARN", None)
    get_settings.cache_clear()
    get_auth_settings.cache_clear()
    upgrade(database_url(get_settings()))

    def event(name: str, body: dict[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
        sample: dict[str, Any] = json.loads((root / "events" / "auth" / f"{name}.json").read_text())
        if body is not None:
            sample["body"] = json.dumps(body)
        if token is not None:
            sample["headers"]["authorization"] = f"Bearer {token}"
        return sample

    credentials = {"email": "bench@example.com", "password": "correct horse battery staple"}
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        cloud = LocalCloud(root / "template.yaml", parameters=DEV_PARAMETERS).deploy()
        try:
            # The function itself, with its template environment: not moto's Lambda API, whose
            # in-process round trip would be measured too.
            function = cloud.functions["AuthApiFunction"]

            def invoke(sample: dict[str, Any]) -> dict[str, Any]:
                payload, errored = function.invoke(sample)
                assert not errored, payload
                return dict(payload)

            assert invoke(event("register", credentials))["statusCode"] == 202

            def login() -> dict[str, Any]:
                response = invoke(event("login", credentials))
                assert response["statusCode"] == 200, response
                return dict(json.loads(response["body"]))

            tokens = login()
            login_s = median_s(login, runs)
            # The sign-in itself (database, hash, tokens) without the handler and the per-IP limit,
            # whose DynamoDB call moto emulates in about 12 ms (real DynamoDB: a few ms).
            from veriflow.auth import service

            service_s = median_s(lambda: service.login(credentials["email"], credentials["password"]), runs)
            state = {"refresh": tokens["refresh_token"]}

            def refresh() -> None:
                response = invoke(event("refresh", {"refresh_token": state["refresh"]}))
                state["refresh"] = json.loads(response["body"])["refresh_token"]

            refresh_s = median_s(refresh, runs * 10)
            sessions_s = median_s(
                lambda: invoke(event("list-sessions", token=tokens["access_token"])), runs * 10
            )
        finally:
            cloud.close()
    return [
        ("login (handler)", login_s, f"{login_s / baseline:.2f}x (target <= {RATIO_TARGET}; moto's DynamoDB inside)"),
        ("login (service)", service_s, f"{service_s / baseline:.2f}x (target <= {RATIO_TARGET})"),
        ("refresh (handler)", refresh_s, ""),
        ("GET sessions (handler)", sessions_s, ""),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hash-runs", type=int, default=15)
    parser.add_argument("--token-runs", type=int, default=3000)
    args = parser.parse_args()

    for name, value in {"STAGE": "local", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)

    import boto3
    from argon2 import PasswordHasher, Type
    from moto import mock_aws

    from veriflow.identity import passwords
    from veriflow.identity.jwt_tokens import issue_access_token, verify_access_token
    from veriflow.identity.settings import get_auth_settings

    settings = get_auth_settings()
    password = "correct horse battery staple"
    baseline_hasher = PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib,
                                     parallelism=settings.argon2_parallelism, hash_len=32, salt_len=16, type=Type.ID)
    stored = passwords.hash_password(password)

    medians = interleaved_medians_s({
        "baseline": lambda: baseline_hasher.hash(password),
        "verify": lambda: passwords.verify_password(stored, password),
        "unknown": lambda: passwords.verify_unknown_user(password),
        "hash": lambda: passwords.hash_password(password),
    }, args.hash_runs)
    baseline = medians["baseline"]
    rows: list[tuple[str, float, str]] = [
        ("argon2id hash (baseline)", baseline, "1.00x"),
        ("verify_password", medians["verify"], f"{medians['verify'] / baseline:.2f}x (target <= {RATIO_TARGET})"),
        ("verify_unknown_user", medians["unknown"], f"{medians['unknown'] / baseline:.2f}x"),
        ("hash_password", medians["hash"], f"{medians['hash'] / baseline:.2f}x"),
    ]

    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(Name="veriflow-bench-signing-keys")["ARN"]
        os.environ["SIGNING_KEYS_SECRET_ARN"] = arn
        get_auth_settings.cache_clear()
        token, _ = issue_access_token("user-1", session_id="session-1", extra_claims={"roles": ["member"]})
        issue = median_s(lambda: issue_access_token("user-1", session_id="session-1"), args.token_runs)
        rows.append(("issue_access_token", issue, ""))
        check = median_s(lambda: verify_access_token(token), args.token_runs)
        verdict = "ok" if check * 1000 < VERIFY_TARGET_MS else "over"
        rows.append(("verify_access_token", check, f"{verdict} (target < {VERIFY_TARGET_MS} ms)"))

    rows.append(("import (fresh interpreter)", import_cost_s(), "once per cold start, on first use"))
    rows += handler_round_trips(baseline, args.hash_runs)

    print(f"auth primitives: argon2id m={settings.argon2_memory_kib} KiB t={settings.argon2_time_cost} "
          f"p={settings.argon2_parallelism}; medians of {args.hash_runs} (passwords) / {args.token_runs} (tokens)")
    print(f"{'operation':<26} {'median':>12}  vs / target")
    for name, seconds, note in rows:
        shown = f"{seconds * 1000:.1f} ms" if seconds >= 0.001 else f"{seconds * 1e6:.0f} us"
        print(f"{name:<26} {shown:>12}  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
