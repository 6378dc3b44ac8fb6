"""Cold start: verifying a proof imports no web3. Only anchoring, signing and the in-process chain
may bring web3, eth-account or eth-tester in, and only when they are imported."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("web3", "eth_account", "eth_tester", "eth", "eth_keys", "eth_abi", "vyper")
LIGHT = ("veriflow.chain", "veriflow.chain.merkle", "veriflow.chain.reader", "veriflow.chain.proof",
         "veriflow.chain.contract", "veriflow.chain.hashing", "veriflow.chain.settings")


def _loaded_after(imports: tuple[str, ...]) -> set[str]:
    probe = (f"import importlib, json, sys\nfor name in {list(imports)!r}: importlib.import_module(name)\n"
             f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


def test_the_light_modules_import_no_web3() -> None:
    # GIVEN a fresh interpreter  WHEN the proof-checking modules are imported (and a proof checked)
    # THEN none of the heavy chain libraries is in sys.modules
    assert _loaded_after(LIGHT) == set()


def test_the_reader_does_not_load_keccak_until_it_hashes() -> None:
    # GIVEN a fresh interpreter  WHEN the reader alone is imported  THEN pycryptodome is not loaded yet
    # (its cffi set-up costs about 90 ms, which block-number questions never need)
    probe = "import sys, veriflow.chain.reader; print('Crypto' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_probe_sees_web3_where_it_is_imported() -> None:
    # GIVEN the same probe  WHEN the anchoring module is imported  THEN it does see web3 (the probe works)
    assert {"web3", "eth_account"} <= _loaded_after(("veriflow.chain.anchoring",))
