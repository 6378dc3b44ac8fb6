"""`veriflow verify-proof` and the HTTP reader, against a JSON-RPC endpoint in front of the
in-process chain: exit 0 only when every step is valid, 1 for invalid, 2 for pending or unavailable."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from tests.functional.chain.conftest import RpcEndpoint
from veriflow.chain.local_chain import LocalChain
from veriflow.chain.merkle import MerkleTree
from veriflow.chain.proof import ProofDocument, certificate_sha256, proof_document
from veriflow.chain.reader import ChainReader, ChainUnavailable, HttpTransport
from veriflow.cli import main

CERTIFICATE = {"id": "c-7", "recipient": "Grace Hopper", "title": "Compilers"}


def _anchored_proof(chain: LocalChain) -> ProofDocument:
    ours = bytes.fromhex(certificate_sha256(CERTIFICATE)[2:])
    tree = MerkleTree.build([ours, b"\x01" * 32, b"\x02" * 32])
    sender = chain.anchor_sender()
    signed = sender.prepare(tree.root, b"\x09" * 32)
    sender.broadcast(signed.raw_tx)
    receipt = chain.reader().receipt(signed.tx_hash)
    assert receipt is not None
    return proof_document(ours, tree, chain_id=chain.chain_id, contract_address=chain.contract_address,
                          transaction_hash=signed.tx_hash, block_number=receipt.block_number, certificate=CERTIFICATE)


def _write(tmp_path: Path, doc: ProofDocument | dict[str, object]) -> str:
    path = tmp_path / "proof.json"
    path.write_text(doc.model_dump_json() if isinstance(doc, ProofDocument) else json.dumps(doc))
    return str(path)


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_the_http_reader_reads_what_the_in_process_reader_reads(chain: LocalChain, rpc: RpcEndpoint) -> None:
    # GIVEN an anchored proof  WHEN read over HTTP  THEN the same chain, block and event as in-process
    doc = _anchored_proof(chain)
    http = ChainReader(HttpTransport(rpc.url))
    assert (http.chain_id(), http.block_number()) == (chain.chain_id, chain.block_number())
    assert http.anchored(doc.transaction_hash, doc.contract_address) == chain.reader().anchored(
        doc.transaction_hash, doc.contract_address)


def test_a_slow_node_times_out_as_unavailable(chain: LocalChain, rpc: RpcEndpoint) -> None:
    # GIVEN a node that takes a second  WHEN asked with a 0.2 s timeout  THEN unavailable, at 0.2 s
    rpc.delay_s = 1.0
    began = time.perf_counter()
    with pytest.raises(ChainUnavailable, match="eth_chainId"):
        ChainReader(HttpTransport(rpc.url, timeout_s=0.2)).chain_id()
    assert time.perf_counter() - began < 0.9


def test_http_errors_and_refused_connections_are_unavailable(chain: LocalChain, rpc: RpcEndpoint) -> None:
    # GIVEN a node answering 502 (a gateway in front of it)  THEN unavailable, naming the status
    rpc.status = 502
    with pytest.raises(ChainUnavailable, match="HTTP 502"):
        ChainReader(HttpTransport(rpc.url)).chain_id()
    # GIVEN nothing listening  THEN unavailable too
    with pytest.raises(ChainUnavailable):
        ChainReader(HttpTransport(_closed_port_url(), timeout_s=1)).chain_id()


def test_a_final_proof_is_valid_and_exits_0(chain: LocalChain, rpc: RpcEndpoint, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an anchored, final proof file  WHEN verified against the node
    code = main(["verify-proof", _write(tmp_path, _anchored_proof(chain)), "--rpc", rpc.url])
    # THEN every step is printed valid, and the exit code is 0
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line.split()[:2] for line in out] == [
        ["hash_matches", "valid"], ["merkle_path_valid", "valid"], ["anchored_on_chain", "valid"],
        ["finalized", "valid"], ["proof:", "valid"]]


def test_a_proof_not_final_yet_exits_2(chain: LocalChain, rpc: RpcEndpoint, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN finality 5 blocks behind the anchor  WHEN verified  THEN pending, exit 2
    chain.finality_lag = 5
    code = main(["verify-proof", _write(tmp_path, _anchored_proof(chain)), "--rpc", rpc.url])
    assert code == 2
    assert "finalized          pending" in capsys.readouterr().out


def test_a_tampered_certificate_exits_1(chain: LocalChain, rpc: RpcEndpoint, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the embedded certificate edited after anchoring  WHEN verified  THEN invalid, exit 1
    doc = _anchored_proof(chain).model_dump()
    doc["certificate"] = {**CERTIFICATE, "title": "Cobol"}
    assert main(["verify-proof", _write(tmp_path, doc), "--rpc", rpc.url]) == 1
    assert "hash_matches       invalid" in capsys.readouterr().out


def test_an_unreachable_node_exits_2_never_1(chain: LocalChain, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a valid proof and a node that refuses connections  THEN unavailable (exit 2), not invalid
    code = main(["verify-proof", _write(tmp_path, _anchored_proof(chain)), "--rpc", _closed_port_url(),
                 "--timeout", "1"])
    out = capsys.readouterr().out
    assert code == 2
    assert "anchored_on_chain  unavailable" in out
    assert "invalid" not in out


def test_a_file_that_is_not_a_proof_exits_1_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN JSON that is not a proof document  WHEN verified  THEN exit 1 with one line saying so
    assert main(["verify-proof", _write(tmp_path, {"version": 1}), "--rpc", "http://127.0.0.1:1"]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_without_a_node_url_it_says_how_to_give_one(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN neither --rpc nor CHAIN_RPC_URL  WHEN verified  THEN exit 2, pointing at --rpc
    monkeypatch.delenv("CHAIN_RPC_URL", raising=False)
    assert main(["verify-proof", _write(tmp_path, {"version": 1})]) == 2
    assert "--rpc" in capsys.readouterr().err
