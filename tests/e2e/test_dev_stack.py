"""`veriflow dev` as a newcomer runs it: a real process, real HTTP on 127.0.0.1, Ctrl-C to stop."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
Stack = tuple[str, "subprocess.Popen[str]", str]  # API base URL, the process, the local AWS endpoint
VERIFLOW = [sys.executable, "-m", "veriflow.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


JSON = {"content-type": "application/json"}


def _request(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[str], str]]:
    """`veriflow migrate` then `veriflow dev` on a free port, as `make dev` runs them."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "DATABASE_", "MOTO_"))
    }
    env.update(
        SQLITE_PATH=str(tmp_path_factory.mktemp("dev") / "veriflow.sqlite3"), STAGE="local", PYTHONUNBUFFERED="1"
    )
    subprocess.run([*VERIFLOW, "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    port, moto_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [*VERIFLOW, "dev", "--port", str(port), "--moto-port", str(moto_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"veriflow dev exited early:\n{process.stdout.read() if process.stdout else ''}")
        try:
            if _request("GET", f"{base}/health/live")[0] == 200:
                break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("veriflow dev did not answer within 60 s")
    yield base, process, f"http://127.0.0.1:{moto_port}"
    if process.poll() is None:
        process.kill()
        process.wait()


def test_live_and_ready(dev_stack: Stack) -> None:
    base, _, _ = dev_stack
    status, _, body = _request("GET", f"{base}/health/live")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, _, body = _request("GET", f"{base}/health/ready")
    ready: dict[str, Any] = json.loads(body)
    assert status == 200, ready
    assert ready["checks"]["database"]["status"] == "ok"


def test_docs_and_merged_openapi(dev_stack: Stack) -> None:
    base, _, _ = dev_stack
    status, _, body = _request("GET", f"{base}/openapi.json")
    assert status == 200
    assert {"/health/live", "/health/ready"} <= set(json.loads(body)["paths"])
    status, headers, body = _request("GET", f"{base}/docs")
    assert status == 200
    assert "text/html" in headers["content-type"]
    assert b"/openapi.json" in body


def test_errors_come_back_in_the_envelope(dev_stack: Stack) -> None:
    base, _, _ = dev_stack
    status, headers, body = _request("GET", f"{base}/v1/nowhere")
    assert status == 404
    error = json.loads(body)["error"]
    assert error["code"] == "not_found"
    assert error["request_id"] == headers["x-request-id"]
    status, headers, body = _request("POST", f"{base}/health/live", b"{}")
    assert status == 405
    assert json.loads(body)["error"]["code"] == "method_not_allowed"
    assert headers["allow"] == "GET"


def test_fire_names_an_unknown_schedule_in_one_line(dev_stack: Stack) -> None:
    base, _, _ = dev_stack
    done = subprocess.run(
        [*VERIFLOW, "fire", "NoSuchSchedule", "--url", base], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1
    assert "NoSuchSchedule" in done.stderr


def _mailed_token(base: str, to: str, subject: str) -> str:
    """The token in the link of the email the notifications worker sent (the local cloud keeps it)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, _, body = _request("GET", f"{base}/_local/mail")
        assert status == 200
        for mail in json.loads(body)["data"]:
            if to in mail["to"] and mail["subject"] == subject:
                found = re.search(r"token=([A-Za-z0-9%_.~-]+)", mail["body"])
                assert found, mail["body"]
                return urllib.parse.unquote(found.group(1))
        time.sleep(0.2)
    raise AssertionError(f"no mail {subject!r} to {to} within 30 s")


def _unread_soon(base: str, auth: dict[str, str], expected: int) -> int:
    """The unread count once it reaches `expected` (the worker polls in the background), or after 30 s."""
    deadline = time.monotonic() + 30
    while True:
        status, _, body = _request("GET", f"{base}/v1/notifications/unread-count", headers=auth)
        assert status == 200
        unread = int(json.loads(body)["unread"])
        if unread >= expected or time.monotonic() > deadline:
            return unread
        time.sleep(0.2)


def test_sign_up_verify_sign_in_and_out_over_http(dev_stack: Stack) -> None:
    base, _, _ = dev_stack
    credentials = {"email": "e2e@example.com", "password": "an end to end passphrase"}
    # GIVEN a new account, verified with the emailed token
    status, _, _ = _request("POST", f"{base}/v1/auth/register", json.dumps(credentials).encode(), JSON)
    assert status == 202
    token = _mailed_token(base, "e2e@example.com", "Confirm your email address")
    assert _request("POST", f"{base}/v1/auth/verify-email", json.dumps({"token": token}).encode(), JSON)[0] == 204
    # WHEN the person signs in
    status, _, body = _request("POST", f"{base}/v1/auth/login", json.dumps(credentials).encode(), JSON)
    assert status == 200
    tokens = json.loads(body)
    auth = {**JSON, "authorization": f"Bearer {tokens['access_token']}"}
    # THEN their account and session answer, and signing out ends the session
    status, _, body = _request("GET", f"{base}/v1/users/me", headers=auth)
    assert (status, json.loads(body)["email"]) == (200, "e2e@example.com")
    # AND the welcome the verification queued reaches the inbox through the worker
    assert _unread_soon(base, auth, 1) == 1
    assert _request("POST", f"{base}/v1/auth/logout", b"", auth)[0] == 204
    assert _request("GET", f"{base}/v1/auth/sessions", headers=auth)[0] == 401


def test_ctrl_c_stops_everything(dev_stack: Stack) -> None:
    # Runs last in this module: it stops the stack.
    base, process, _ = dev_stack
    # WHEN the developer presses Ctrl-C
    process.send_signal(signal.SIGINT)
    # THEN the process exits cleanly and the port is released
    assert process.wait(timeout=20) == 0
    output = process.stdout.read() if process.stdout else ""
    assert f"API {base}" in output
    assert f"docs {base}/docs" in output
    assert "Traceback" not in output
    with pytest.raises(urllib.error.URLError):
        _request("GET", f"{base}/health/live")
