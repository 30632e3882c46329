"""FHIR adapter benchmark: resources/s of `ccstd convert` against fhir.resources parsing alone,
over the same resources in the same run (target: within 2x of parsing alone). Both count the
resource types the adapter converts; the rest it skips without parsing. The two are measured in
alternating rounds and the best round of each is kept, so that a machine shared with other work
slows both alike. `--phases` prints instead the CPU seconds of each phase of one conversion
(the round with the least CPU time of three), against fhir.resources parsing alone.

The target's baseline is the strictest: each resource's `model_validate` on a dict already
parsed. A second baseline, for information, is what an integrator using fhir.resources by hand
does with the same resources as an export: `Bundle.model_validate_json` of the Bundle's text
(JSON decoding, and the Bundle's entries, included)."""

from __future__ import annotations

import contextlib
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pydantic
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from ccstd.adapters import finishing, runner
from ccstd.adapters.fhir import FhirAdapter, mapping
from ccstd.adapters.fhir import adapter as fhir_adapter
from ccstd.adapters.fhir.mapping import ENTITY_OF
from ccstd.adapters.ledger import Ledger
from ccstd.adapters.privacy import Protector
from ccstd.adapters.runner import Outputs, convert_paths
from ccstd.standard.registry import StandardRegistry

SAMPLE = Path(__file__).parent.parent / "examples" / "vendors" / "fhir" / "clinic-export.json"
COPIES = 10
_UUID_HEAD = re.compile(r"\b([0-9a-f]{8})-(?=[0-9a-f]{4}-)")


def _parse_alone(resources: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for resource in resources:
        with contextlib.suppress(pydantic.ValidationError):
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return len(resources) / (time.perf_counter() - started)


def _parse_export(resources: list[dict[str, Any]]) -> float:
    """Resources per second of fhir.resources reading them as an export's text (one Bundle)."""
    entries = [{"resource": resource} for resource in resources]
    text = orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})
    started = time.perf_counter()
    Bundle.model_validate_json(text)
    return len(resources) / (time.perf_counter() - started)


def _enlarged(copies: int) -> list[dict[str, Any]]:
    """The sample's entries `copies` times over; each copy's uuids (ids and references) renamed."""
    text = SAMPLE.read_text(encoding="utf-8")
    entries: list[dict[str, Any]] = []
    for copy in range(copies):
        renamed = _UUID_HEAD.sub(lambda m, c=copy: f"{m.group(1)[:6]}{c:02x}-", text)  # type: ignore[misc]
        entries += json.loads(renamed)["entry"]
    return entries


ROUNDS = 5


def _convert(source: Path, tmp: Path) -> float:
    adapter = FhirAdapter()
    standard = StandardRegistry().get(adapter.standard_version)
    protector = Protector(standard, b"benchmark-key-0123456789")
    outputs = Outputs(tmp / "out.ndjson", tmp / "rejects.ndjson")
    report = convert_paths(adapter, [source], outputs, protector, Ledger(adapter.coverage()))
    return (report.read - report.skipped) / report.seconds


# (label, owner, attribute): the phases of a conversion, each timed where it is called; an
# indented label is part of the phase above it
PHASES: tuple[tuple[str, Any, str], ...] = (
    ("look-ahead (parse, people, shapes)", fhir_adapter, "scan_medications"),
    ("entries (encoding, item digest)", fhir_adapter, "_entry_item"),
    ("first readings (content digest)", fhir_adapter, "_first_reading"),
    ("people named in free text", fhir_adapter, "_people_in"),
    ("fhir.resources validation", fhir_adapter, "validated"),
    ("mapping", mapping, "convert_resource"),
    ("finishing", finishing.Finisher, "__call__"),
    ("  protection", Protector, "protect"),
    ("  personal-data screen", finishing.Finisher, "_screen"),
    ("  output check (compiled plan)", finishing.Finisher, "_error_free"),
    ("duplicates table", runner._Repeats, "__call__"),
    ("ledger", runner, "_record_coverage"),
    ("writing, references", runner, "_account"),
)


@contextlib.contextmanager
def _timed(spent: Counter[str]) -> Iterator[None]:
    """Each phase's callable wrapped to add its CPU seconds to `spent` (restored after)."""
    saved = [(owner, name, getattr(owner, name)) for _, owner, name in PHASES]
    for (label, owner, name), (_, _, original) in zip(PHASES, saved, strict=True):
        setattr(owner, name, _timing(original, label, spent))
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def _timing(original: Callable[..., Any], label: str, spent: Counter[str]) -> Any:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - started

    return timed


def phases(copies: int = COPIES, rounds: int = 3) -> None:
    """The CPU seconds of each phase of one conversion, and of parsing alone."""
    entries = _enlarged(copies)
    resources = [e["resource"] for e in entries if e["resource"]["resourceType"] in ENTITY_OF]
    _parse_alone(resources)
    best: tuple[float, Counter[str]] | None = None
    parse = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "export.json"
        source.write_text(
            json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries})
        )
        for _ in range(rounds):
            started = time.process_time()
            _parse_alone(resources)
            parse = min(parse, time.process_time() - started)
            spent: Counter[str] = Counter()
            with _timed(spent):
                started = time.process_time()
                _convert(source, Path(tmp))
                total = time.process_time() - started
            if best is None or total < best[0]:
                best = (total, spent)
    assert best is not None
    total, spent = best
    top = sum(seconds for label, seconds in spent.items() if not label.startswith(" "))
    print(f"{'phase (CPU s, one conversion)':<40} {'s':>7} {'share':>6}")
    for label, _, _ in PHASES:
        print(f"{label:<40} {spent[label]:>7.3f} {spent[label] / total:>6.1%}")
    other = total - top
    print(f"{'other (reading, facts, generators)':<40} {other:>7.3f} {other / total:>6.1%}")
    print(f"{'conversion':<40} {total:>7.3f}")
    print(f"{'fhir.resources parse alone':<40} {parse:>7.3f}   ratio {parse / total:.2f}")


def main() -> None:
    if "--phases" in sys.argv[1:]:
        phases()
        return
    entries = _enlarged(COPIES)
    resources = [e["resource"] for e in entries if e["resource"]["resourceType"] in ENTITY_OF]
    _parse_alone(resources)  # the first pass loads the models
    parse_rps = convert_rps = export_rps = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "export.json"
        source.write_text(
            json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries})
        )
        for _ in range(ROUNDS):
            parse_rps = max(parse_rps, _parse_alone(resources))
            export_rps = max(export_rps, _parse_export(resources))
            convert_rps = max(convert_rps, _convert(source, Path(tmp)))
    print(f"{'fhir.resources parse alone':<36} {parse_rps:>10,.0f} resources/s")
    print(f"{'ccstd convert (fhir-r4)':<36} {convert_rps:>10,.0f} resources/s")
    print(f"{'convert / parse alone':<36} {convert_rps / parse_rps:>10.2f}   target >= 0.5")
    print(f"{'fhir.resources reading the export':<36} {export_rps:>10,.0f} resources/s (info)")
    print(f"{'convert / reading the export':<36} {convert_rps / export_rps:>10.2f}")


if __name__ == "__main__":
    main()
