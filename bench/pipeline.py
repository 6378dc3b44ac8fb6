"""The verification layers in this process, on camera-like JPEGs made here (2 MP and 12 MP).

Rows:
  floor            one decode, one q90 encode to memory, one decode, one difference: what any ELA
                   must do (DESIGN §9: ELA <= 1.3x this, same image, same run)
  ela              the ELA layer (texture, block statistics, outlier regions, heatmap)
  metadata         the metadata layer (EXIF, XMP, tables, thumbnail)
  geo              the geo layer (offline IP country, history of 20 uploads), database load apart
  pipeline (2 MP)  metadata + ela + geo + the verdict's scoring, as the layer tasks run them minus
                   S3 and the database (target: median < 400 ms)

Medians of --runs runs after one untimed run. Reports only, never asserts.

Usage: .venv/bin/python bench/pipeline.py [--runs 7]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import _common  # noqa: F401 - the clean local environment every benchmark runs in

SIZES = {"2 MP": (1632, 1224), "12 MP": (4000, 3000)}


def median_ms(run: Callable[[], object], runs: int) -> float:
    run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def floor(data: bytes) -> None:
    from PIL import Image, ImageChops

    picture = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    resaved = Image.open(out)
    resaved.load()
    ImageChops.difference(picture.convert("L"), resaved.convert("L")).getbbox()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from tests.fixtures import forensic_files as files
    from veriflow.forensics import ela, geo, metadata
    from veriflow.verification.schemas import LayerResult
    from veriflow.verification.scoring import LAYERS, WEIGHTS, score

    started = time.perf_counter()
    geo.country_of_ip("81.2.69.142")
    print(f"geoip2fast database load: {(time.perf_counter() - started) * 1000:.0f} ms (once per container)")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    history = [geo.PastUpload(now - timedelta(hours=6 * i), "GB", 51.5, -0.12) for i in range(1, 21)]
    facts = geo.GeoInput(uploaded_at=now, ip="81.2.69.142", gps=(51.5, -0.12), taken_at=None, issuer_country="GB",
                         history=history)

    print(f"{'':8} {'floor ms':>9} {'ela ms':>8} {'ratio':>6} {'metadata ms':>12} {'geo ms':>7}")
    for label, size in SIZES.items():
        data = files.camera_photo(size=size, seed=7, gps=(51.5, -0.12))
        quality = metadata.estimated_quality(data)
        floor_ms = median_ms(lambda data=data: floor(data), args.runs)
        ela_ms = median_ms(lambda data=data, quality=quality: ela.analyse(data, "jpeg", quality), args.runs)
        metadata_ms = median_ms(lambda data=data: metadata.analyse(data, "jpeg"), args.runs)
        geo_ms = median_ms(lambda: geo.analyse(facts), args.runs)
        print(f"{label:8} {floor_ms:9.1f} {ela_ms:8.1f} {ela_ms / floor_ms:6.2f} {metadata_ms:12.1f} {geo_ms:7.2f}")

    data = files.camera_photo(size=SIZES["2 MP"], seed=8)

    def pipeline() -> None:
        found = {"metadata": metadata.analyse(data, "jpeg"),
                 "ela": ela.analyse(data, "jpeg", metadata.estimated_quality(data)),
                 "geo": geo.analyse(geo.GeoInput(uploaded_at=now, ip="81.2.69.142", gps=geo.gps_of(data, "jpeg"),
                                                 taken_at=None, issuer_country="GB", history=history))}
        results = [LayerResult(layer=name, status=found[name].status if name in found else "skipped",
                               score=found[name].score if name in found else None, weight=WEIGHTS[name])
                   for name in LAYERS]
        score(results, 0.4)

    print(f"pipeline in-process, 2 MP (metadata + ela + geo + score): median {median_ms(pipeline, args.runs):.0f} ms "
          "(target < 400 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
