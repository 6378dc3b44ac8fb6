"""The API contract, checked: schemathesis against the published spec of a running `veriflow dev`.

Starts the local cloud (`veriflow dev`, embedded defaults) on a free port with a throwaway SQLite
database and a seeded superadmin, signs in, creates through the API what path parameters name (an
organization with a certificate, an API key, a member and an invitation; a notification), and runs
schemathesis (scripts/contract/schemathesis.toml: every check, a fixed number of derandomized
examples per operation, those ids in the paths) with that user's access token.
It fails on any server error, response that breaks the spec, valid request rejected or invalid one
accepted. Prints how long the run took. `.ci/run` runs it; so can anyone:

    .venv/bin/python scripts/contract_test.py [--max-examples N] [-- extra schemathesis options]
"""

# ruff: noqa: T201, S603, S310 - a command-line tool: it prints, runs our own commands, calls its own server

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "contract" / "schemathesis.toml"
EMAIL = "contract@veriflow.example"
START_TIMEOUT_S = 120
SEED_TIMEOUT_S = 30
UNLIMITED = 1_000_000  # requests per minute: the rate limits have tests of their own
# Operations that end the signed-in user's session (and so the token every other one uses): signing
# out, and revoking a session by id (the run finds the token's own id in the sessions list).
SESSION_ENDING = ("auth-logout", "auth-logout_all", "auth-revoke_session")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _call(url: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
    """POST `body` (GET without one) and the JSON answer; an error status raises."""
    headers = {"content-type": "application/json"} | ({"authorization": f"Bearer {token}"} if token else {})
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     method="GET" if body is None else "POST", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def _soon(what: str, find: Callable[[], str | None]) -> str:
    """`find()`'s answer once it has one: the notifications worker runs in the background."""
    deadline = time.monotonic() + SEED_TIMEOUT_S
    while (found := find()) is None:
        if time.monotonic() > deadline:
            raise SystemExit(f"seeding the contract run: no {what} within {SEED_TIMEOUT_S} s")
        time.sleep(0.2)
    return found


def _mail_token(base: str, to: str, subject: str) -> str:
    """The token in the latest mail to `to` whose subject starts with `subject` (`GET /_local/mail`)."""
    def find() -> str | None:
        mails = [m for m in _call(f"{base}/_local/mail")["data"] if to in m["to"] and m["subject"].startswith(subject)]
        return str(mails[-1]["tokens"][0]) if mails and mails[-1]["tokens"] else None
    return _soon(f"mail {subject!r} to {to}", find)


def _seed(base: str, token: str) -> dict[str, str]:
    """What the path parameters name, created through the API by the signed-in superadmin: an
    organization of theirs with a certificate, an API key, a member (a second account, verified,
    who accepted an invitation) and an open invitation; a notification of theirs (a broadcast).
    Without them every operation on an id would only ever answer 404. Path parameter -> value."""
    member, password = "contract-member@veriflow.example", secrets.token_urlsafe(18)
    _call(f"{base}/v1/auth/register", {"email": member, "password": password})
    _call(f"{base}/v1/auth/verify-email", {"token": _mail_token(base, member, "Confirm your email address")})
    member_token = _call(f"{base}/v1/auth/login", {"email": member, "password": password})["access_token"]
    user_id = _call(f"{base}/v1/users?{urllib.parse.urlencode({'email': member})}", token=token)["data"][0]["id"]
    org_id = _call(f"{base}/v1/orgs", {"name": "Contract Academy"}, token)["id"]
    _call(f"{base}/v1/orgs/{org_id}/invitations", {"email": member}, token)
    _call(f"{base}/v1/orgs/invitations/accept", {"token": _mail_token(base, member, "You are invited")},
          member_token)
    invitation = _call(f"{base}/v1/orgs/{org_id}/invitations", {"email": "invitee@veriflow.example"}, token)
    certificate = _call(f"{base}/v1/certificates", {
        "org_id": org_id, "recipient_name": "Ada Lovelace", "recipient_email": "ada@veriflow.example",
        "title": "Analytical Engines 101", "issued_at": "2026-11-30T10:00:00Z", "image_type": "image/png"}, token)
    key = _call(f"{base}/v1/orgs/{org_id}/api-keys", {"name": "contract", "scopes": ["org:read"]}, token)
    _call(f"{base}/v1/admin/broadcasts", {"segment": "superadmin", "title": "Contract run", "body": "Seeded."}, token)

    def notification() -> str | None:
        data = _call(f"{base}/v1/notifications", token=token)["data"]
        return str(data[0]["id"]) if data else None

    return {"org_id": org_id, "user_id": user_id, "certificate_id": certificate["certificate"]["id"],
            "key_id": key["id"], "invitation_id": invitation["id"],
            "notification_id": _soon("broadcast in the inbox", notification)}


def _wait_until_live(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"veriflow dev exited with {server.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{base}/health/live", timeout=2):
                return
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"veriflow dev did not answer within {START_TIMEOUT_S} s:\n{log.read_text()[-4000:]}")


def _status_of_me(base: str, token: str) -> int:
    request = urllib.request.Request(f"{base}/v1/users/me", headers={"authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, help="examples per operation (default: the config's)")
    parser.add_argument("--server-log", type=Path, help="keep the local cloud's log in this file")
    parser.add_argument("extra", nargs="*", help="more schemathesis options, after --")
    args = parser.parse_args(argv)
    veriflow = [sys.executable, "-m", "veriflow.cli"]
    with tempfile.TemporaryDirectory(prefix="veriflow-contract-") as tmp:
        password = secrets.token_urlsafe(18)
        env = {**os.environ, "STAGE": "local", "SQLITE_PATH": f"{tmp}/contract.sqlite3",
               "VERIFLOW_SUPERADMIN_PASSWORD": password, "POWERTOOLS_LOG_LEVEL": "WARNING",
               # One user sends every request: with the limits on, most operations would see only 429.
               "API_RATE_LIMIT_TIERS": json.dumps(dict.fromkeys(("member", "staff", "api_key"), UNLIMITED)),
               **{f"{name}_PER_IP_PER_MIN": str(UNLIMITED) for name in ("LOGIN", "REGISTER", "FORGOT", "VERIFY")}}
        env.pop("DATABASE_URL", None)
        subprocess.run([*veriflow, "migrate"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*veriflow, "seed-superadmin", "--email", EMAIL], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        port, log = _free_port(), Path(tmp) / "dev.log"
        base = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        with log.open("wb") as out:
            server = subprocess.Popen([*veriflow, "dev", "--port", str(port)], cwd=ROOT, env=env, stdout=out,
                                      stderr=subprocess.STDOUT)
        try:
            _wait_until_live(base, server, log)
            print(f"veriflow dev answers at {base} after {time.monotonic() - started:.1f} s")
            token = str(_call(f"{base}/v1/auth/login", {"email": EMAIL, "password": password})["access_token"])
            # The config's [parameters] read these: each operation on an id is tried on a real one.
            env |= {f"VERIFLOW_CONTRACT_{name.upper()}": value for name, value in _seed(base, token).items()}
            command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "--no-color", "run",
                       f"{base}/openapi.json", "--url", base, "--header", f"Authorization: Bearer {token}",
                       "--checks", "all"]
            if args.max_examples:
                command += ["--max-examples", str(args.max_examples)]
            command += args.extra
            # Signing out ends the session the token belongs to: those operations run last, apart.
            ending = [option for op in SESSION_ENDING for option in ("--include-operation-id", op)]
            keeping = [option for op in SESSION_ENDING for option in ("--exclude-operation-id", op)]
            began = time.monotonic()
            status = subprocess.run([*command, *keeping], cwd=ROOT, env=env, check=False).returncode
            # Had an operation ended the session, every later one would have seen only 401s.
            if (me := _status_of_me(base, token)) != 200:
                print(f"FAILED: GET /v1/users/me answered {me} after the run, not 200: the operations "
                      "after the one that ended the session (or hit a limit) were tried signed out")
                status = status or 1
            status = subprocess.run([*command, *ending], cwd=ROOT, env=env, check=False).returncode or status
            took = time.monotonic() - began
            print(f"schemathesis: {'passed' if status == 0 else f'FAILED (exit {status})'} in {took:.1f} s")
            if status != 0:
                print(f"--- the local cloud's log (last lines) ---\n{log.read_text()[-6000:]}")
            return status
        finally:
            if args.server_log:
                args.server_log.write_bytes(log.read_bytes())
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


if __name__ == "__main__":
    sys.exit(main())
