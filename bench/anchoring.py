"""Anchoring a batch of certificates: the Merkle tree, one anchor on the in-process chain, its gas.

Rows:
  tree + all proofs        MerkleTree.build of N certificate hashes and a proof for each (target < 2 s
                           for 10,000); verify_proof of every proof beside it
  import (fresh process)   what the light modules cost a cold start (merkle, reader, proof) against the
                           web3 side (anchoring, the in-process chain: web3, eth-account, py-evm)
  local chain              creating the in-process chain (after the imports: genesis, funding, deploy)
                           and resetting it to its start-up snapshot (what each test pays instead)
  anchor end to end        prepare (fees, sign) + broadcast (mined at once) + receipt + check_proof
  gas per batch            gas used by anchor() for batches of 1, 100 and 10,000 certificates: one
                           root per transaction, so the same whatever the batch size

Medians of --runs runs. Reports only, never asserts.

Usage: .venv/bin/python bench/anchoring.py [--certificates 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import subprocess
import sys
import time

import _common  # noqa: F401 - the clean local environment every benchmark runs in


def _median_s(run: object, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _values(count: int) -> list[bytes]:
    return [hashlib.sha256(f"cert-{i}".encode()).digest() for i in range(count)]


def _import_ms(modules: str) -> float:
    probe = f"import time; t = time.perf_counter(); import {modules}; print((time.perf_counter() - t) * 1000)"
    runs = [float(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout)
            for _ in range(3)]
    return statistics.median(runs)


def tree_rows(count: int, runs: int) -> None:
    from veriflow.chain.merkle import MerkleTree, verify_proof

    values = _values(count)

    def build_and_prove() -> None:
        tree = MerkleTree.build(values)
        for value in values:
            tree.proof(value)

    tree = MerkleTree.build(values)
    proofs = [tree.proof(value) for value in values]

    def verify_all() -> None:
        for value, proof in zip(values, proofs, strict=True):
            verify_proof(tree.root, value, proof)

    built = _median_s(build_and_prove, runs)
    verified = _median_s(verify_all, runs)
    print(f"{'tree + all proofs':<26} {count:>6} certificates {built * 1000:>9.1f} ms  (target < 2000 ms)"
          f"  depth {len(proofs[0])}")
    print(f"{'verify every proof':<26} {count:>6} certificates {verified * 1000:>9.1f} ms")


def import_rows() -> None:
    light = _import_ms("veriflow.chain.merkle, veriflow.chain.reader, veriflow.chain.proof")
    heavy = _import_ms("veriflow.chain.anchoring, veriflow.chain.local_chain")
    print(f"{'import light modules':<26} {light:>30.1f} ms")
    print(f"{'import anchoring + chain':<26} {heavy:>30.1f} ms  ({heavy / light:.0f}x)")


def chain_rows(runs: int) -> None:
    started = time.perf_counter()
    from veriflow.chain.local_chain import LocalChain, local_chain, reset_local_chain

    imported = time.perf_counter() - started
    created = _median_s(LocalChain, runs)
    chain = local_chain()
    reset = _median_s(reset_local_chain, runs)
    print(f"{'local chain: imports':<26} {imported * 1000:>30.1f} ms  (once per process)")
    print(f"{'local chain: create':<26} {created * 1000:>30.1f} ms")
    print(f"{'local chain: reset':<26} {reset * 1000:>30.1f} ms")

    from veriflow.chain.merkle import MerkleTree
    from veriflow.chain.proof import check_proof, proof_document

    gas: dict[int, int] = {}
    for count in (1, 100, 10_000):
        values = _values(count)
        tree = MerkleTree.build(values)
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            sender = chain.anchor_sender()
            signed = sender.prepare(tree.root, hashlib.sha256(f"batch-{count}".encode()).digest())
            sender.broadcast(signed.raw_tx)
            receipt = chain.reader().receipt(signed.tx_hash)
            assert receipt is not None
            doc = proof_document(values[0], tree, chain_id=chain.chain_id, contract_address=chain.contract_address,
                                 transaction_hash=signed.tx_hash, block_number=receipt.block_number)
            status = check_proof(doc, chain.reader()).status
            timings.append(time.perf_counter() - began)
            gas[count] = receipt.gas_used
        if count == 1:
            print(f"{'anchor end to end':<26} {statistics.median(timings) * 1000:>30.1f} ms  (proof {status})")
    for count, used in gas.items():
        print(f"{'gas per batch':<26} {count:>6} certificates {used:>9,} gas")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--certificates", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tree_rows(args.certificates, args.runs)
    import_rows()
    chain_rows(args.runs)


if __name__ == "__main__":
    main()
