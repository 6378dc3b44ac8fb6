"""Certificates: public verification through the real handler, and search at 100,000 certificates.

Rows:
  GET /v1/verify (handler)    the certificates function on the local cloud (payload v2, moto, SQLite):
                              an anchored, final certificate of an admin-verified issuer (no RPC, no
                              DNS on this path); moto's DynamoDB emulates the per-IP rate-limit call
                              inside it, measured alone in the next row and taken off in the third
                              (target p50 < 5 ms warm, DESIGN 9).
  verify (service)            the same verification without the handler and the rate-limit call
  GET /health/live (handler)  the same handler path with no work: the floor of the row above
  search q=<prefix> (PG)      list_certificates with a word-prefix query over N certificates of one
                              organization on PostgreSQL (GIN index). Target p50 < 20 ms at 100,000.
  search q=<prefix> (SQLite)  the same on SQLite (LIKE; no index can serve it), for comparison

Reports only, never asserts. Usage: .venv/bin/python bench/certificates.py [--rows 100000] [--runs 200]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from datetime import UTC, datetime, timedelta

from _common import ROOT, database, organization, p50_ms

NAMES = ["Ada Lovelace", "Charles Babbage", "Grace Hopper", "Alan Turing", "Mary Somerville", "Emmy Noether",
         "Katherine Johnson", "John von Neumann", "Barbara Liskov", "Edsger Dijkstra"]




def seed(count: int, anchored: bool) -> tuple[uuid.UUID, uuid.UUID]:
    """An admin-verified organization with `count` certificates; returns (org id, one certificate id)."""
    from sqlalchemy import insert

    from veriflow.certificates import document
    from veriflow.certificates.models import AnchorBatch, Certificate
    from veriflow.chain.merkle import MerkleTree
    from veriflow.core.db import session_scope
    from veriflow.core.types import new_id

    now = datetime.now(UTC)
    org_id = organization(now)
    first_id = new_id()
    chunk = 5000
    for start in range(0, count, chunk):
        rows = []
        for index in range(start, min(count, start + chunk)):
            rows.append({
                "id": first_id if index == 0 else new_id(), "org_id": org_id, "recipient_name":
                f"{NAMES[index % len(NAMES)]} {index}", "recipient_email": f"p{index}@example.org",
                "title": f"Course {index % 97} certificate", "description": "", "issued_at": now, "extra": {},
                "status": "issued", "image_key": f"issued/{org_id}/{index}.png", "image_sha256": f"{index:064x}",
                "created_at": now + timedelta(microseconds=index), "updated_at": now,
            })
        with session_scope() as session:
            session.execute(insert(Certificate), rows)
    if anchored:
        with session_scope() as session:
            certificate = session.get(Certificate, first_id)
            assert certificate is not None
            canonical = document.canonical(document.build(certificate, "Bench Academy"))
            certificate.document, certificate.document_sha256 = canonical, document.sha256_hex(canonical)
            value = bytes.fromhex(certificate.document_sha256)
            tree = MerkleTree.build([value, bytes(32)])
            batch = AnchorBatch(root=tree.root.hex(), size=2, status="final", chain_id=31337,
                                contract_address="0x" + "11" * 20, sender="0x" + "22" * 20, nonce=0,
                                tx_hash="0x" + "33" * 32, raw_tx="", block_number=10)
            session.add(batch)
            session.flush()
            certificate.batch_id, certificate.merkle_path = batch.id, [node.hex() for node in tree.proof(value)]
            certificate.status = "anchored"
    return org_id, first_id


def verify_rows(runs: int) -> list[tuple[str, float, str]]:
    from moto import mock_aws

    from veriflow.certificates import public
    from veriflow.core.db import session_scope
    from veriflow.local import MOTO_CONFIG, LocalCloud
    from veriflow.local.dev import DEV_PARAMETERS

    rows: list[tuple[str, float, str]] = []
    with database("sqlite"), mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        _, certificate_id = seed(50, anchored=True)
        cloud = LocalCloud(ROOT / "template.yaml", parameters=DEV_PARAMETERS).deploy()
        try:
            sample = json.loads((ROOT / "events/certificates/verify.json").read_text())
            sample["rawPath"] = sample["requestContext"]["http"]["path"] = f"/v1/verify/{certificate_id}"
            sample["pathParameters"] = {"certificate_id": str(certificate_id)}
            live = json.loads((ROOT / "events/health/live.json").read_text())
            certificates, health = cloud.functions["CertificatesApiFunction"], cloud.functions["HealthApiFunction"]

            def verify() -> None:
                payload, errored = certificates.invoke(sample)
                assert not errored, payload
                assert payload["statusCode"] == 200, payload
                assert json.loads(payload["body"])["verdict"] == "valid", payload["body"]

            handler = p50_ms(verify, runs)
            floor = p50_ms(lambda: health.invoke(live), runs)

            def service() -> None:
                with session_scope() as session:
                    public.verify(session, str(certificate_id), datetime.now(UTC))

            direct = p50_ms(service, runs)
            from veriflow.core.ratelimit import Limit, hit

            limit = Limit("bench.ip", 10**9, 60)
            os.environ["RATE_LIMIT_TABLE"] = certificates.environment()["RATE_LIMIT_TABLE"]
            moto_hit = p50_ms(lambda: hit(limit, "203.0.113.7"), runs)
        finally:
            cloud.close()
    rows.append(("GET /v1/verify (handler)", handler, "with the per-IP rate limit on moto's DynamoDB"))
    rows.append(("  of which the rate-limit hit (moto)", moto_hit, "one conditional UpdateItem, emulated"))
    rows.append(("GET /v1/verify (handler, net)", handler - moto_hit, "target p50 < 5 ms warm (DESIGN 9)"))
    rows.append(("verify (service)", direct, "target p50 < 5 ms"))
    rows.append(("GET /health/live (handler)", floor, f"verify is {handler / floor:.2f}x this floor"))
    return rows


def search_rows(count: int, runs: int) -> list[tuple[str, float, str]]:
    from sqlalchemy import text

    from veriflow.access.principal import Principal
    from veriflow.certificates.search import list_certificates
    from veriflow.core.db import session_scope

    rows: list[tuple[str, float, str]] = []
    for kind in ("postgresql", "sqlite"):
        with database(kind) as ready:
            if ready is None:
                rows.append((f"search (no {kind})", 0.0, "skipped: PostgreSQL binaries not found"))
                continue
            started = time.perf_counter()
            org_id, _ = seed(count, anchored=False)
            loading = time.perf_counter() - started
            if kind == "postgresql":
                with session_scope() as session:
                    session.execute(text("ANALYZE certificates"))
            key = Principal(kind="api_key", id=uuid.uuid4(), org_id=org_id, scopes=frozenset({"certificates:read"}))
            for query in ("hopp", "katherine 17"):
                def search(q: str = query, principal: Principal = key, org: uuid.UUID = org_id) -> None:
                    with session_scope() as session:
                        list_certificates(session, principal, org, now=datetime.now(UTC), q=q, limit=50, cursor=None)

                name = "PG" if kind == "postgresql" else "SQLite"
                target = "target p50 < 20 ms" if kind == "postgresql" else "comparison only"
                rows.append((f"search q={query!r} ({name}, {count:,})", p50_ms(search, runs),
                             f"{target}; {count:,} rows loaded in {loading:.1f} s"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    os.environ["VERIFY_PER_IP_PER_MIN"] = "100000000"
    results = verify_rows(args.runs) + search_rows(args.rows, max(20, args.runs // 4))
    width = max(len(name) for name, _, _ in results)
    for name, value, note in results:
        print(f"{name:<{width}}  {value:8.2f} ms  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
