"""anvil, Foundry's local node, as the real-node peer of the chain tests: installed from the pinned
npm package (tests/fixtures/anvil: `npm ci` when it is missing or another version; .ci/run installs
it up front) and started per test on a free port, with `finalized` lagging `latest`.

anvil answers `finalized` with the block 2 x --slots-in-an-epoch below the head (and `safe` with
1 x), as a proof-of-stake chain whose checkpoints finalize two epochs back; 2 slots gives a lag of
4 blocks, short enough to mine past in a test. Without node/npm the tests skip locally and fail
under CI=true, where they must run."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from veriflow.chain.anchoring import AnchorSender, deploy_anchor_contract
from veriflow.chain.reader import ChainReader, HttpTransport, Receipt
from veriflow.chain.signer import LocalSigner

ANVIL_DIR = Path(__file__).resolve().parents[2] / "fixtures/anvil"
SLOTS_IN_AN_EPOCH = 2
FINALITY_LAG = 2 * SLOTS_IN_AN_EPOCH
# anvil's first default account (mnemonic "test test ... junk"): funded on every anvil, public.
ANVIL_KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")


def _binary() -> Path | None:
    found = sorted(ANVIL_DIR.glob("node_modules/@foundry-rs/anvil-*/bin/anvil"))
    return found[0] if found else None


def _installed() -> Path | None:
    """The binary, when node_modules holds the version package.json pins (npm ci by .ci/run or by us)."""
    pinned = json.loads((ANVIL_DIR / "package.json").read_text())["dependencies"]["@foundry-rs/anvil"]
    manifest = ANVIL_DIR / "node_modules/@foundry-rs/anvil/package.json"
    if not manifest.is_file() or json.loads(manifest.read_text())["version"] != pinned:
        return None
    return _binary()


def anvil_binary() -> Path:
    """The platform's anvil binary from node_modules, after `npm ci` if it is missing or not the
    pinned version. One installer at a time: pytest-xdist workers share the folder."""
    with (ANVIL_DIR / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        binary = _installed()
        if binary is not None:
            return binary
        npm = shutil.which("npm")
        if npm is None:
            message = "anvil needs node and npm (npm ci in tests/fixtures/anvil)"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ANVIL_DIR, capture_output=True,
                              text=True, timeout=600, check=False)
        binary = _installed()
        if done.returncode != 0 or binary is None:
            pytest.fail(f"npm ci in {ANVIL_DIR} failed: {done.stderr[-2000:]}")
        return binary


@dataclass
class Anvil:
    url: str
    process: subprocess.Popen[bytes]
    signer: LocalSigner
    contract_address: str
    chain_id: int

    def rpc(self, method: str, *params: object) -> object:
        return HttpTransport(self.url)(method, list(params))

    def reader(self) -> ChainReader:
        return ChainReader(HttpTransport(self.url))

    def mined(self, tx_hash: str, timeout_s: float = 10.0) -> Receipt:
        """The receipt, once there: anvil answers eth_sendRawTransaction before its auto-mined block
        is sealed, so a receipt asked for at once can still be missing (seen under load)."""
        deadline = time.monotonic() + timeout_s
        while (receipt := self.reader().receipt(tx_hash)) is None:
            if time.monotonic() > deadline:
                pytest.fail(f"{tx_hash} was not mined within {timeout_s} s")
            time.sleep(0.01)
        return receipt

    def sender(self) -> AnchorSender:
        """A new sender each time, as each run of the batch job would make."""
        from web3 import Web3

        return AnchorSender(Web3(Web3.HTTPProvider(self.url)), self.signer, self.contract_address, self.chain_id)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_anvil(log: Path) -> Anvil:
    """anvil on a port of its choosing (--port 0: no race between workers), the contract deployed."""
    from web3 import Web3

    with log.open("wb") as out:
        process = subprocess.Popen([str(anvil_binary()), "--port", "0", "--host", "127.0.0.1",
                                    "--slots-in-an-epoch", str(SLOTS_IN_AN_EPOCH)],
                                   stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while (found := re.search(rb"Listening on (127\.0\.0\.1:\d+)", log.read_bytes())) is None:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"anvil did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.02)
    url = f"http://{found.group(1).decode()}"
    signer = LocalSigner(ANVIL_KEY)
    chain_id = ChainReader(HttpTransport(url)).chain_id()
    address = deploy_anchor_contract(Web3(Web3.HTTPProvider(url)), signer, chain_id, timeout_s=10)
    return Anvil(url, process, signer, address, chain_id)


@pytest.fixture
def anvil(tmp_path: Path) -> Iterator[Anvil]:
    node = start_anvil(tmp_path / "anvil.log")
    try:
        yield node
    finally:
        node.stop()
