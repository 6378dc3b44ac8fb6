"""`veriflow dev`: the whole template on a moto server, with pollers, schedules and the HTTP API.

`run_dev` is what the CLI calls; `moto_server` is the server-mode half on its own (tests use it);
`fire_remote` is what `veriflow fire NAME` calls against a running `veriflow dev`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

from veriflow.local import devlog
from veriflow.local.clients import FAKE_CREDENTIALS
from veriflow.local.cloud import LocalCloud
from veriflow.local.errors import LocalCloudError
from veriflow.local.moto_hooks import MOTO_CONFIG, check_moto_internals
from veriflow.local.stack import DEFAULT_ACCOUNT_ID

# Values for parameters a template requires but that mean nothing locally; applied only to
# parameters the template declares without a default and the caller did not set. The real template
# needs none: it runs locally in its default (empty-account) configuration, whose network and
# database resources the local cloud does not create.
DEV_PARAMETERS: dict[str, str] = {}


# Where a running `veriflow dev` says where it listens (beside the local SQLite database), so
# `veriflow fire` finds it whatever port it was given.
RUN_FILE = Path(".local") / "dev-server.json"
DEFAULT_API_URL = "http://127.0.0.1:3000"


@dataclass(frozen=True)
class DevUrls:
    api: str
    docs: str
    moto: str


@contextmanager
def moto_server(host: str = "127.0.0.1", port: int = 0, region: str = "us-east-1") -> Iterator[str]:
    """A moto server in this process, with Step Functions execution on; yields its endpoint URL.

    While it runs, the process environment points AWS clients at it (fake credentials, region,
    AWS_ENDPOINT_URL) and sets MOTO_PORT, which moto's Step Functions read to call Lambda back.
    """
    from moto.core import config
    from moto.core.base_backend import BackendDict
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    check_moto_internals()
    # The server logs every request; our own log says what matters.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    endpoint = f"http://{bound_host}:{bound_port}"
    variables = {
        "MOTO_PORT": str(bound_port), "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region, "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["aws_secret_access_key"],
    }
    saved_env = {name: os.environ.get(name) for name in [*variables, "AWS_SESSION_TOKEN", "AWS_PROFILE"]}
    saved_config = config.default_user_config.get("stepfunctions")
    os.environ.update(variables)
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(name, None)
    config.default_user_config.update(MOTO_CONFIG)  # type: ignore[typeddict-item]
    try:
        yield endpoint
    finally:
        server.stop()
        config.default_user_config["stepfunctions"] = saved_config or {}
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        BackendDict.reset()


def run_dev(
    template: str | Path = "template.yaml",
    host: str = "127.0.0.1",
    port: int = 3000,
    *,
    parameters: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    region: str | None = None,
    moto_port: int = 0,
    stop: threading.Event | None = None,
    on_ready: Callable[[DevUrls], None] | None = None,
) -> int:
    """Run the local cloud until Ctrl-C, SIGTERM or `stop` is set; returns the exit status (0).

    `parameters` override template parameters, `env` overrides every function's variables
    (STAGE=local and AWS_ENDPOINT_URL are set already). Port 0 picks free ports.
    """
    stop = stop or threading.Event()
    _log_to_stderr()
    region = region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    restore_signals = _stop_on_signals(stop)
    restore_log = devlog.install()
    try:
        with moto_server("127.0.0.1", moto_port, region) as endpoint:
            public_url = f"http://{host}:{port}" if port else ""
            cloud = LocalCloud(template, parameters=_dev_parameters(template, region, parameters, public_url), env=env,
                               region=region, endpoint_url=endpoint).deploy()
            http = cloud.http_api()
            try:
                cloud.start_background()
                api = http.start(host, port)
                urls = DevUrls(api=api, docs=f"{api}/docs", moto=endpoint)
                _announce(cloud, urls)
                _record_running(urls)
                if on_ready is not None:
                    on_ready(urls)
                stop.wait()
            finally:
                _forget_running()
                http.stop()
                cloud.close()
    finally:
        restore_log()
        restore_signals()
    return 0


def _record_running(urls: DevUrls) -> None:
    with contextlib.suppress(OSError):
        RUN_FILE.parent.mkdir(exist_ok=True)
        RUN_FILE.write_text(json.dumps({"api": urls.api, "pid": os.getpid()}), encoding="utf-8")


def _forget_running() -> None:
    with contextlib.suppress(OSError, ValueError):
        if json.loads(RUN_FILE.read_text(encoding="utf-8")).get("pid") == os.getpid():
            RUN_FILE.unlink()


def running_api_url() -> str:
    """The API of the `veriflow dev` started from this directory, if it still runs; else the default."""
    try:
        running = json.loads(RUN_FILE.read_text(encoding="utf-8"))
        os.kill(int(running["pid"]), 0)
        return str(running["api"])
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_API_URL


def fire_remote(base_url: str, name: str, timeout: float = 60.0) -> str:
    """Ask a running `veriflow dev` to fire a schedule now; returns a one-line summary."""
    if not base_url.startswith(("http://", "https://")):
        raise LocalCloudError(f"not an HTTP URL: {base_url!r}")
    url = f"{base_url.rstrip('/')}/_local/schedules/{quote(name, safe='')}"
    request = urllib.request.Request(url, data=b"", method="POST")  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            fired = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = json.loads(exc.read() or b"{}").get("error", {}).get("message", exc.reason)
        raise LocalCloudError(f"could not fire {name!r}: {detail}") from None
    except urllib.error.URLError as exc:
        problem = f"no local cloud answers at {base_url} ({exc.reason}); is `veriflow dev` running?"
        raise LocalCloudError(problem) from None
    outcomes = ", ".join(f"{r['target'].rsplit(':', 1)[-1]} {'ok' if r['ok'] else 'failed'}" for r in fired["results"])
    return f"fired {fired['rule']} at {fired['at']}: {outcomes or 'no targets'}"


def _dev_parameters(
    template: str | Path, region: str, given: Mapping[str, Any] | None, public_url: str = ""
) -> dict[str, Any]:
    from veriflow.local.template import parse_template

    declared = parse_template(Path(template).read_text(encoding="utf-8")).get("Parameters", {})
    defaults = {
        name: value.format(region=region, account=DEFAULT_ACCOUNT_ID)
        for name, value in DEV_PARAMETERS.items()
        if name in declared and "Default" not in declared[name]
    }
    if "PublicApiUrl" in declared and public_url:
        # Tokens name this server as their issuer, and OIDC providers send browsers back to it.
        defaults["PublicApiUrl"] = public_url
    if "PublicAppUrl" in declared and public_url:
        # Email links lead to this server's stand-ins for the web app's pages.
        defaults["PublicAppUrl"] = f"{public_url}/_local/app"
    return {**defaults, **(given or {})}


def _log_to_stderr() -> None:
    # Requests, schedule firings and function errors are what a developer watches in `make dev`.
    local = logging.getLogger("veriflow-local")
    if not local.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
        local.addHandler(handler)
        local.setLevel(logging.INFO)


def _stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # only the main thread may install handlers; `stop` still works

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def _announce(cloud: LocalCloud, urls: DevUrls) -> None:
    lines = [f"Veriflow local cloud: API {urls.api}  docs {urls.docs}  (moto {urls.moto})"]
    lines += [f"  {route.route_key:<40} -> {route.function_id}" for route in cloud.routes]
    lines += [f"  schedule {rule.logical_id}: {rule.expression} (veriflow fire {rule.logical_id})"
              for rule in cloud.scheduler.rules]
    lines.append("Ctrl-C stops it.")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
