"""The layers that need nothing but the file, run in this process: the layer tasks call `analyse`
on the file they read, and the benchmarks and the forensic evaluation call `assess`."""

from __future__ import annotations

import time

from veriflow.forensics.assessment import Assessment, Kind
from veriflow.verification.schemas import LayerName, LayerResult
from veriflow.verification.scoring import LAYERS, WEIGHTS, Score, score

FILE_LAYERS: tuple[LayerName, ...] = ("metadata", "ela")


def kind_of(data: bytes) -> Kind | None:
    from veriflow.imaging import pdf, structure

    if pdf.is_pdf(data):
        return "pdf"
    found = structure.kind_of(data)
    return "jpeg" if found == structure.JPEG else "png" if found == structure.PNG else None


def analyse(name: LayerName, data: bytes, kind: Kind) -> Assessment:
    from veriflow.forensics import ela, metadata

    if name == "metadata":
        return metadata.analyse(data, kind)
    if name == "ela":
        quality = metadata.estimated_quality(data) if kind == "jpeg" else None
        return ela.analyse(data, kind, estimated_quality=quality)
    return Assessment.skipped("This layer needs more than the file.")


def assess(data: bytes, kind: Kind, min_confidence: float = 0.4) -> tuple[list[LayerResult], Score]:
    """Each layer's result (the file's own layers run, the others skipped) and the verdict."""
    results: list[LayerResult] = []
    for name in LAYERS:
        started = time.perf_counter()
        found = analyse(name, data, kind) if name in FILE_LAYERS else Assessment.skipped("Not run offline.")
        results.append(LayerResult(
            layer=name, status=found.status, score=found.score, weight=WEIGHTS[name], reason=found.reason,
            duration_ms=round((time.perf_counter() - started) * 1000), findings=found.findings, facts=found.facts))
    return results, score(results, min_confidence)
