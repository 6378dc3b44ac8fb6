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

`--registry` evaluates the registry comparison instead (an upload against the issued certificate
image): it writes generated pairs into DIR (a temporary directory when DIR is left out): `original/`
the issued images, `tampered/` the uploads with an edited name, a changed id digit or a copied
decoration at scales 1.0, 0.75 and 0.5, `masks/` where each edit is (upload pixels), and
`untouched/` uploads that are only re-saved, down-scaled or photographed, and reports

  detected         tampered uploads whose pixels do not match the issued image
  located          of those, the ones with a region overlapping the edit (box IoU >= 0.3)
  IoU              of the best region against the edit's mask (mean, median)
  false alarms     untouched uploads that do not align or do not match
  time             per comparison (mean, max)

Usage: .venv/bin/python bench/eval_forensics.py DIR [--make --count 20]
       .venv/bin/python bench/eval_forensics.py [DIR] --registry
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import _common  # noqa: F401 - the clean local environment every benchmark runs in

if TYPE_CHECKING:
    from PIL import Image

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


REGISTRY_SIZE = (1600, 1130)
REGISTRY_SCALES = (1.0, 0.75, 0.5)
NEW_NAMES = ["Robert Whitfield", "Helena Moreau", "Victor Lindqvist", "Sofia Tanaka", "Daniel Okafor",
             "Ingrid Rossi"]


def make_registry_pairs(directory: Path) -> None:
    """18 tampered uploads (name, id digit, copy-move; each at every scale, two seeds) and 13
    untouched ones, with the issued image of each under the same name in `original/`."""
    from PIL import Image

    from tests.fixtures import certificate_images as certs

    for folder in ("original", "tampered", "masks", "untouched"):
        (directory / folder).mkdir(parents=True, exist_ok=True)
    unit = REGISTRY_SIZE[1] / 1130
    for seed in range(6):
        issued = certs.certificate(seed=100 + seed, size=REGISTRY_SIZE, template=seed % 3)
        scale = REGISTRY_SCALES[seed % 3]
        quality = (70, 80, 90)[(seed // 3) % 3]
        edits = {
            "name": certs.edit_text(issued.image, issued.fields["name"], NEW_NAMES[seed]),
            "digit": certs.edit_digit(issued.image, issued.fields["id"], issued.texts["id"], issued.sizes["id"],
                                      index=-1 - seed % 3),
            "copymove": certs.copy_move(issued.image, issued.fields["seal"], (int(150 * unit), int(420 * unit)))
            if seed % 2 == 0 else certs.copy_move(issued.image, issued.fields["logo"],
                                                  (int(1300 * unit), int(130 * unit))),
        }
        for kind, (edited, box) in edits.items():
            name = f"{kind}-seed{seed}-s{round(scale * 100)}"
            issued.image.save(directory / "original" / f"{name}.png")
            upload = certs.resave(edited, quality=quality, scale=scale)
            upload.save(directory / "tampered" / f"{name}.png")  # already JPEG-degraded; PNG keeps it exact
            _change_mask(issued.image, edited, box).resize(upload.size, Image.Resampling.NEAREST).save(
                directory / "masks" / f"{name}.png")
    for index in range(13):
        issued = certs.certificate(seed=200 + index, size=REGISTRY_SIZE, template=index % 3)
        scale = REGISTRY_SCALES[index % 3]
        if index < 7:
            upload, name = certs.resave(issued.image, quality=(55, 65, 75, 85, 95)[index % 5], scale=scale), "resave"
        else:
            upload, name = certs.resave(certs.photo_of(issued.image, seed=index), quality=80, scale=scale), "photo"
        name = f"{name}-{index}-s{round(scale * 100)}"
        issued.image.save(directory / "original" / f"{name}.png")
        upload.save(directory / "untouched" / f"{name}.png")


def _change_mask(before: Image.Image, after: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """Where an edit changed the picture visibly (luminance by more than 24 of 255) inside the box it
    touched: painting paper over paper is no change a comparison could see."""
    import numpy as np
    from PIL import Image

    changed = np.abs(np.asarray(before.convert("L"), dtype=np.int16) - np.asarray(after.convert("L"), dtype=np.int16))
    inside = np.zeros(changed.shape, bool)
    inside[box[1]:box[3], box[0]:box[2]] = True
    return Image.fromarray(((changed > 24) & inside).astype(np.uint8) * 255)


def _box_iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    overlap = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap
    return overlap / union if union else 0.0


def evaluate_registry(directory: Path) -> int:
    from PIL import Image

    from veriflow.forensics import registry_diff

    timings: list[int] = []
    ious: list[float] = []
    detected = located = tampered = 0
    missed: list[str] = []
    for path in sorted((directory / "tampered").glob("*.png")):
        tampered += 1
        started = time.perf_counter()
        found = registry_diff.compare(Image.open(path), Image.open(directory / "original" / path.name))
        timings.append(round((time.perf_counter() - started) * 1000))
        mask_box = Image.open(directory / "masks" / path.name).getbbox()
        assert mask_box is not None
        best = max((_box_iou(region.box_upload, mask_box) for region in found.regions), default=0.0)
        if not found.pixels_match:
            detected += 1
        if best >= 0.3:
            located += 1
            ious.append(best)
        else:
            missed.append(f"{path.stem} (best IoU {best:.2f}, {len(found.regions)} regions, aligned {found.aligned})")
    alarms: list[str] = []
    untouched = 0
    for path in sorted((directory / "untouched").glob("*.png")):
        untouched += 1
        started = time.perf_counter()
        found = registry_diff.compare(Image.open(path), Image.open(directory / "original" / path.name))
        timings.append(round((time.perf_counter() - started) * 1000))
        if not found.pixels_match:
            alarms.append(f"{path.stem} (aligned {found.aligned}, {len(found.regions)} regions)")
    print(f"registry comparison on {tampered} tampered and {untouched} untouched uploads in {directory}")
    print(f"detected: {detected}/{tampered}; located (IoU >= 0.3): {located}/{tampered}")
    if ious:
        print(f"IoU of located regions: mean {statistics.mean(ious):.3f}, median {statistics.median(ious):.3f}, "
              f"min {min(ious):.3f}")
    print(f"false alarms: {len(alarms)}/{untouched}")
    if timings:
        print(f"time per comparison: mean {statistics.mean(timings):.0f} ms, max {max(timings)} ms")
    for line in missed:
        print(f"  not located: {line}")
    for line in alarms:
        print(f"  false alarm: {line}")
    return 0


def roc_auc(authentic: list[float], tampered: list[float]) -> float | None:
    """P(authentic > tampered), ties counting half (the Mann-Whitney statistic)."""
    if not authentic or not tampered:
        return None
    wins = sum(1.0 if a > t else 0.5 if a == t else 0.0 for a in authentic for t in tampered)
    return wins / (len(authentic) * len(tampered))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path, nargs="?")
    parser.add_argument("--make", action="store_true", help="write a generated set into DIR first")
    parser.add_argument("--count", type=int, default=20, help="scenes in a generated set")
    parser.add_argument("--registry", action="store_true",
                        help="evaluate the registry comparison on generated certificate pairs instead")
    args = parser.parse_args()
    if args.registry:
        if args.directory is None:
            with tempfile.TemporaryDirectory() as scratch:
                make_registry_pairs(Path(scratch))
                return evaluate_registry(Path(scratch))
        make_registry_pairs(args.directory)
        return evaluate_registry(args.directory)
    if args.directory is None:
        parser.error("DIR is required")
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
