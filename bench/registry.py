"""The registry layer: candidate lookup at 10, 1,000 and 100,000 registered certificates, and the
layer's pixel comparison of one upload with one registered image.

Rows:
  lookup N (PG)        find_candidates on PostgreSQL with N issued certificates: a template of 200
                       near-identical certificates (hashes a few bits apart, as one template's are)
                       among certificates of random other hashes; the upload is a re-saved copy of
                       one of the template's, looked up without its id (the four band indexes) and
                       with it. Target p50 < 50 ms at 100,000, and sub-linear: the ratio to the
                       10-row p50 of the same run is reported.
  lookup N (SQLite)    the same on SQLite, for comparison
  compare 1600x1130    forensics.registry_diff.compare of an edited, re-saved copy with the original

Reports only, never asserts. Usage: .venv/bin/python bench/registry.py [--sizes 10,1000,100000] [--runs 100]
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from datetime import UTC, datetime, timedelta

from _common import ROOT, database, organization, p50_ms

TEMPLATE = 0x9F3A_51C2_0E7D_B468
TEMPLATE_SIZE = 200




def _near(rng: random.Random, bits: int) -> int:
    value = TEMPLATE
    for bit in rng.sample(range(64), bits):
        value ^= 1 << bit
    return value


def seed(count: int) -> uuid.UUID:
    """`count` issued certificates; returns the id of one of the template's."""
    from sqlalchemy import insert

    from veriflow.certificates.models import Certificate
    from veriflow.core.db import session_scope
    from veriflow.core.types import new_id
    from veriflow.imaging.phash import bands, to_hex

    rng = random.Random(count)
    now = datetime.now(UTC)
    org_id = organization(now)
    wanted = new_id()
    chunk = 5000
    for start in range(0, count, chunk):
        rows = []
        for index in range(start, min(count, start + chunk)):
            value = _near(rng, rng.randint(0, 4)) if index < min(TEMPLATE_SIZE, count) else rng.getrandbits(64)
            band = bands(value)
            rows.append({
                "id": wanted if index == 0 else new_id(), "org_id": org_id, "recipient_name": f"Person {index}",
                "recipient_email": f"p{index}@example.org", "title": "Course certificate", "description": "",
                "issued_at": now, "extra": {}, "status": "issued", "image_key": f"issued/{org_id}/{index}.png",
                "image_sha256": f"{index:064x}", "image_phash": to_hex(value), "phash_band0": band[0],
                "phash_band1": band[1], "phash_band2": band[2], "phash_band3": band[3],
                "created_at": now + timedelta(microseconds=index), "updated_at": now,
            })
        with session_scope() as session:
            session.execute(insert(Certificate), rows)
    from sqlalchemy import text

    with session_scope() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE certificates"))
    return wanted


def lookup_rows(kind: str, sizes: list[int], runs: int) -> list[tuple[str, float, str]]:
    from veriflow.core.db import session_scope
    from veriflow.verification.registry import find_candidates

    rows: list[tuple[str, float, str]] = []
    label = "PG" if kind == "postgresql" else "SQLite"
    base: dict[str, float] = {}
    for size in sizes:
        with database(kind) as available:
            if available is None:
                print(f"(no PostgreSQL here: {label} rows left out)")
                return rows
            wanted = seed(size)
            upload = _near(random.Random(1), 2)

            def by_hash(claimed: uuid.UUID | None = None, phash: int = upload) -> None:
                with session_scope() as session:
                    find_candidates(session, "ff" * 32, phash, claimed)

            for how, claimed in (("by pHash", None), ("with its id", wanted)):
                def fn(claimed: uuid.UUID | None = claimed) -> None:
                    by_hash(claimed)

                ms = p50_ms(fn, runs)
                base.setdefault(how, ms)
                rows.append((f"lookup {size:>7,} {how} ({label})", ms, f"{ms / base[how]:.2f}x the 10-row p50"))
    return rows


def compare_row(runs: int) -> list[tuple[str, float, str]]:
    sys.path.insert(0, str(ROOT))
    try:
        from tests.fixtures import certificate_images as images
        from veriflow.forensics.registry_diff import compare
    except ImportError as missing:
        return [("compare 1600x1130", float("nan"), f"not available: {missing}")]
    made = images.certificate(seed=1)
    edited = images.resave(images.edit_text(made.image, made.fields["name"], "Grace Hopper")[0],
                           quality=70, scale=0.7)
    ms = p50_ms(lambda: compare(edited, made.image), max(3, runs // 20))
    return [("compare 1600x1130 (edited, q70, 0.7)", ms, "one registered image")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,1000,100000")
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = lookup_rows("postgresql", sizes, args.runs) + lookup_rows("sqlite", sizes, args.runs)
    rows += compare_row(args.runs)
    width = max(len(name) for name, _, _ in rows)
    for name, ms, note in rows:
        print(f"{name:<{width}}  p50 {ms:8.2f} ms  {note}")


if __name__ == "__main__":
    main()
