"""`veriflow dev` as a newcomer runs it: a real process, real HTTP on 127.0.0.1, Ctrl-C to stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
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


def _start_dev(workdir: Path) -> Stack:
    """`veriflow migrate` then `veriflow dev` on a free port, as `make dev` runs them; run from
    `workdir`, where the server leaves the file that tells `veriflow fire` its port."""
    inherited = ("AWS_", "DATABASE_", "MOTO_", "POWERTOOLS_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(inherited)}
    env.update(SQLITE_PATH=str(workdir / "veriflow.sqlite3"), STAGE="local", PYTHONUNBUFFERED="1")
    subprocess.run([*VERIFLOW, "migrate"], cwd=workdir, env=env, check=True, capture_output=True)
    port, moto_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [*VERIFLOW, "dev", "--template", str(ROOT / "template.yaml"), "--port", str(port),
         "--moto-port", str(moto_port)],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
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
    return base, process, f"http://127.0.0.1:{moto_port}"


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One `veriflow dev` for the tests that only talk to it."""
    stack = _start_dev(tmp_path_factory.mktemp("dev"))
    yield stack
    _stop(stack[1])


@pytest.fixture
def own_dev_stack(tmp_path: Path) -> Iterator[Stack]:
    """A `veriflow dev` of the test's own, which it may stop."""
    stack = _start_dev(tmp_path)
    yield stack
    _stop(stack[1])


def test_live_and_ready(dev_stack: Stack) -> None:
    base, _, _ = dev_stack
    status, _, body = _request("GET", f"{base}/health/live")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    # The first probes build their AWS clients, which can outlast the probe timeout on a loaded
    # machine: readiness is a state the stack reaches, so it is polled as a load balancer would.
    deadline = time.monotonic() + 30
    while True:
        status, _, body = _request("GET", f"{base}/health/ready")
        ready: dict[str, Any] = json.loads(body)
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
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


def test_fire_finds_the_running_server_whatever_its_port(own_dev_stack: Stack, tmp_path: Path) -> None:
    # GIVEN `veriflow dev` running from this directory on a port of its own (not 3000)
    # WHEN a schedule is fired from the same directory without --url
    done = subprocess.run([*VERIFLOW, "fire", "MaintenanceFunction"], cwd=tmp_path, capture_output=True,
                          text=True, check=False)
    # THEN it reached that server, which ran the schedule
    assert done.returncode == 0, done.stderr
    assert "MaintenanceFunction ok" in done.stdout, done.stdout


def _mail(base: str, to: str, subject: str) -> dict[str, Any]:
    """The email the notifications worker sent, as `GET /_local/mail` lists it."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, _, body = _request("GET", f"{base}/_local/mail")
        assert status == 200
        for mail in json.loads(body)["data"]:
            if to in mail["to"] and mail["subject"] == subject:
                return dict(mail)
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


def test_the_readme_walk_sign_up_verify_sign_in_and_out(dev_stack: Stack) -> None:
    """README "A first walk": the same calls, in the same order."""
    base, _, _ = dev_stack
    credentials = {"email": "walk@example.com", "password": "an end to end passphrase"}
    # GIVEN a new account
    status, _, _ = _request("POST", f"{base}/v1/auth/register", json.dumps(credentials).encode(), JSON)
    assert status == 202
    # WHEN the confirmation mail's link is opened and its button pressed
    mail = _mail(base, "walk@example.com", "Confirm your email address")
    (link,) = [link for link in mail["links"] if "/verify-email" in link]
    (token,) = mail["tokens"]
    assert link.startswith(f"{base}/_local/app/verify-email?token=")
    status, _, page = _request("GET", link)
    assert status == 200
    assert token.encode() in page
    assert b"/v1/auth/verify-email" in page
    form = urllib.parse.urlencode({"token": token}).encode()
    status, _, page = _request("POST", link.partition("?")[0], form,
                               {"content-type": "application/x-www-form-urlencoded"})
    assert (status, b"Done." in page) == (200, True)
    # AND the person signs in
    status, _, body = _request("POST", f"{base}/v1/auth/login", json.dumps(credentials).encode(), JSON)
    assert status == 200
    tokens = json.loads(body)
    auth = {**JSON, "authorization": f"Bearer {tokens['access_token']}"}
    # THEN their account and session answer, and signing out ends the session
    status, _, body = _request("GET", f"{base}/v1/users/me", headers=auth)
    assert (status, json.loads(body)["email"]) == (200, "walk@example.com")
    # AND the welcome the verification queued reaches the inbox through the worker
    assert _unread_soon(base, auth, 1) == 1
    assert _request("POST", f"{base}/v1/auth/logout", b"", auth)[0] == 204
    assert _request("GET", f"{base}/v1/auth/sessions", headers=auth)[0] == 401


def _hang_up_after_sending(base: str, path: str) -> None:
    """A request, then the connection reset at once (as a killed client leaves it)."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    with socket.create_connection((host, port)) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_ctrl_c_stops_everything_and_the_log_stays_short(own_dev_stack: Stack) -> None:
    base, process, _ = own_dev_stack
    # GIVEN client errors, and clients that hang up before their answer
    assert _request("GET", f"{base}/v1/users/me")[0] == 401
    assert _request("GET", f"{base}/v1/nowhere")[0] == 404
    for _ in range(3):
        _hang_up_after_sending(base, "/health/ready")
    time.sleep(1)
    # WHEN the developer presses Ctrl-C
    process.send_signal(signal.SIGINT)
    # THEN the process exits cleanly and the port is released
    assert process.wait(timeout=20) == 0
    output = process.stdout.read() if process.stdout else ""
    assert f"API {base}" in output
    assert f"docs {base}/docs" in output
    assert "Traceback" not in output
    # AND each client error is one short line, not a JSON document
    failed = [line for line in output.splitlines() if "request failed" in line]
    assert len(failed) == 2, output
    assert all(len(line) < 160 for line in failed), failed
    assert any("401 unauthorized" in line and "UsersApiFunction" in line for line in failed), failed
    with pytest.raises(urllib.error.URLError):
        _request("GET", f"{base}/health/live")
