"""How well the file layers separate authentic from tampered files, on any set you have.

DIR holds `authentic/` and `tampered/` (JPEG, PNG or PDF files, any names). For each file the
file's own layers run in this process (metadata, ELA: what the pipeline runs without network or
database); each layer's score and the trust score are compared between the two folders:

  ROC AUC          the chance that an authentic file scores higher than a tampered one (0.5: chance)
  accuracy         at the default thresholds: authentic files judged `authentic`, tampered ones not
  false alarms     the share of authentic files judged anything but `authentic`

`--make DIR` first writes a set generated from seeded scenes (camera-like JPEGs and clean re-saves
of them as authentic; the same with a region pasted from another scene and saved by an editor as
tampered), so the evaluation can run on a new machine; point it at a real set for real figures.

Usage: .venv/bin/python bench/eval_forensics.py DIR [--make --count 20]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
from pathlib import Path

import _common  # noqa: F401 - the clean local environment every benchmark runs in

SUFFIXES = {".jpg", ".jpeg", ".png", ".pdf"}


def make(directory: Path, count: int) -> None:
    from PIL import Image

    from tests.fixtures import forensic_files as files

    for folder in ("authentic", "tampered"):
        (directory / folder).mkdir(parents=True, exist_ok=True)
    for seed in range(count):
        size = (1024 + 64 * (seed % 5), 768 + 48 * (seed % 3))
        photo = files.camera_photo(size=size, seed=seed, quality=(88, 92, 95)[seed % 3])
        (directory / "authentic" / f"camera-{seed:03}.jpg").write_bytes(photo)
        resaved = files.jpeg(Image.open(io.BytesIO(photo)), quality=(75, 85, 90)[seed % 3],
                             exif=Image.open(io.BytesIO(photo)).getexif())
        (directory / "authentic" / f"resaved-{seed:03}.jpg").write_bytes(resaved)
        (directory / "tampered" / f"pasted-{seed:03}.jpg").write_bytes(files.pasted(photo, seed=seed + 1000))


def roc_auc(authentic: list[float], tampered: list[float]) -> float | None:
    """P(authentic > tampered), ties counting half (the Mann-Whitney statistic)."""
    if not authentic or not tampered:
        return None
    wins = sum(1.0 if a > t else 0.5 if a == t else 0.0 for a in authentic for t in tampered)
    return wins / (len(authentic) * len(tampered))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--make", action="store_true", help="write a generated set into DIR first")
    parser.add_argument("--count", type=int, default=20, help="scenes in a generated set")
    args = parser.parse_args()
    if args.make:
        make(args.directory, args.count)

    from veriflow.verification.offline import FILE_LAYERS, assess, kind_of

    scores: dict[str, dict[str, list[float]]] = {}
    verdicts: dict[str, list[str]] = {"authentic": [], "tampered": []}
    for label in ("authentic", "tampered"):
        for path in sorted((args.directory / label).glob("*")):
            if path.suffix.lower() not in SUFFIXES:
                continue
            data = path.read_bytes()
            kind = kind_of(data)
            if kind is None:
                print(f"skipped (not a JPEG, PNG or PDF): {path}", file=sys.stderr)
                continue
            layers, result = assess(data, kind)
            for layer in layers:
                if layer.layer in FILE_LAYERS and layer.score is not None:
                    scores.setdefault(layer.layer, {"authentic": [], "tampered": []})[label].append(layer.score)
            scores.setdefault("trust score", {"authentic": [], "tampered": []})[label].append(
                float(result.trust_score or 0))
            verdicts[label].append(result.verdict)
    authentic, tampered = verdicts["authentic"], verdicts["tampered"]
    print(f"{len(authentic)} authentic, {len(tampered)} tampered files in {args.directory}")
    print(f"{'':14} {'ROC AUC':>8} {'median authentic':>17} {'median tampered':>16}")
    for name, found in scores.items():
        auc = roc_auc(found["authentic"], found["tampered"])
        medians = [f"{statistics.median(v):.3f}" if v else "-" for v in (found["authentic"], found["tampered"])]
        print(f"{name:14} {(f'{auc:.3f}' if auc is not None else '-'):>8} {medians[0]:>17} {medians[1]:>16}")
    if authentic and tampered:
        right = sum(v == "authentic" for v in authentic) + sum(v != "authentic" for v in tampered)
        print(f"accuracy at the default thresholds: {right / (len(authentic) + len(tampered)):.3f}")
        print(f"false alarms on authentic files: {sum(v != 'authentic' for v in authentic) / len(authentic):.3f}")
        print("verdicts: authentic " + ", ".join(f"{v} {authentic.count(v)}" for v in sorted(set(authentic)))
              + "; tampered " + ", ".join(f"{v} {tampered.count(v)}" for v in sorted(set(tampered))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
