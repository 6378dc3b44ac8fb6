"""The committed anchor contract artifact is what its source compiles to, with the pinned versions."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import vyper

from veriflow.chain.contract import ANCHOR_SELECTOR, ANCHORED_TOPIC, ARTIFACT, anchor_calldata, artifact
from veriflow.chain.hashing import to_hex

ROOT = Path(__file__).resolve().parents[3]


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_contracts", ROOT / "scripts/build_contracts.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_recompiling_the_source_gives_the_committed_bytecode() -> None:
    # GIVEN the committed artifact  WHEN the source is compiled again by the installed vyper
    built = _build_script().build("anchor")
    committed = json.loads(ARTIFACT.read_text())
    # THEN the bytecode, runtime bytecode and ABI are the same bytes (and so is the whole file)
    assert built["bytecode"] == committed["bytecode"]
    assert built["runtime_bytecode"] == committed["runtime_bytecode"]
    assert built["abi"] == committed["abi"]
    assert _build_script().render(built) == ARTIFACT.read_text()


def test_the_versions_are_pinned_and_recorded() -> None:
    # GIVEN the artifact  THEN it names the installed vyper and Cancun, which the source's pragmas pin
    source = (ROOT / artifact()["source"]).read_text()
    assert (artifact()["vyper_version"], artifact()["evm_version"]) == (vyper.__version__, "cancun")
    assert f"#pragma version =={vyper.__version__}" in source
    assert "#pragma evm-version cancun" in source


def test_the_event_and_function_we_decode_are_the_contracts() -> None:
    # GIVEN the ABI  THEN Anchored has three indexed fields (root, batch, sender) and nothing else,
    # our selector is the compiler's, and the runtime code logs exactly our topic
    (event,) = [item for item in artifact()["abi"] if item["type"] == "event"]
    assert [(i["name"], i["type"], i["indexed"]) for i in event["inputs"]] == [
        ("root", "bytes32", True), ("batch", "bytes32", True), ("sender", "address", True)]
    assert artifact()["method_identifiers"] == {"anchor(bytes32,bytes32)": to_hex(ANCHOR_SELECTOR)}
    assert ANCHORED_TOPIC.hex() in artifact()["runtime_bytecode"]
    assert anchor_calldata(b"\x01" * 32, b"\x02" * 32) == ANCHOR_SELECTOR + b"\x01" * 32 + b"\x02" * 32
