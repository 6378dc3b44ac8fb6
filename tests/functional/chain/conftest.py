"""The in-process chain, one per test worker (importing web3 and py-evm costs about 2 s, creating
the chain about 0.1 s): each test gets it reverted to its start-up snapshot, and a loopback JSON-RPC
endpoint in front of it for what must talk HTTP (the reader's transport, the CLI)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from veriflow.chain.local_chain import LocalChain, local_chain, reset_local_chain, to_wire
from veriflow.chain.settings import get_chain_settings

CHAIN_VARIABLES = ("CHAIN_RPC_URL", "CHAIN_ID", "ANCHOR_CONTRACT_ADDRESS", "CHAIN_SIGNER_KMS_KEY_ID",
                   "CHAIN_SIGNER_PRIVATE_KEY", "CHAIN_RPC_TIMEOUT_S")


@pytest.fixture
def chain(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalChain]:
    for name in CHAIN_VARIABLES:  # the in-process chain, whatever the developer's shell points at
        monkeypatch.delenv(name, raising=False)
    get_chain_settings.cache_clear()
    reset_local_chain()
    yield local_chain()
    reset_local_chain()
    get_chain_settings.cache_clear()


@dataclass
class RpcEndpoint:
    """HTTP JSON-RPC over the in-process chain; `delay_s` and `status` make it slow or broken."""

    url: str = ""
    delay_s: float = 0.0
    status: int = 200
    methods: list[str] = field(default_factory=list)


@pytest.fixture
def rpc(chain: LocalChain) -> Iterator[RpcEndpoint]:
    endpoint = RpcEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["content-length"])))
            endpoint.methods.append(request["method"])
            time.sleep(endpoint.delay_s)
            try:
                answer: dict[str, Any] = {"result": to_wire(chain.provider.make_request(
                    request["method"], request["params"])["result"])}
            except Exception as exc:
                answer = {"error": {"code": -32000, "message": str(exc)}}
            body = json.dumps({"jsonrpc": "2.0", "id": request["id"], **answer}).encode()
            try:
                self.send_response(endpoint.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out first (the slow-node test): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield endpoint
    server.shutdown()
    server.server_close()
