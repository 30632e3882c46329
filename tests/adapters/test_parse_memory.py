"""The address space reserved before orjson parses a large document (`base.parse_estimate`)
follows what the text holds, not a flat 20 times its size: a document of small values that
needs more than that is refused (exit 2) instead of crashing orjson (SIGSEGV, exit 139), and an
ordinary FHIR Bundle is asked less than that (orjson peaks at 17.5 to 18.4 times such a text)."""

from __future__ import annotations

from pathlib import Path

import orjson

from ccstd.adapters.base import parse_estimate
from tests.hostile.test_convert import assert_one_line_error, convert

_ARGS = ("--from", "fhir-r4", "-o", "o.ndjson", "--rejects", "r.ndjson", "--ledger", "l.json")


def _observations(count: int) -> bytes:
    entries = [{"fullUrl": f"urn:uuid:obs-{n:06d}", "resource": {
        "resourceType": "Observation", "id": f"obs-{n:06d}", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "718-7",
                             "display": "Hemoglobin"}]},
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2024-05-01T08:00:00Z",
        "valueQuantity": {"value": 13.2, "unit": "g/dL", "system": "http://unitsofmeasure.org",
                          "code": "g/dL"}}} for n in range(count)]  # fmt: skip
    return orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})


def test_small_values_needing_more_than_twenty_times_are_refused_not_a_crash(
    tmp_path: Path,
) -> None:
    """16 MB of `{"a":1}` objects: orjson needs about 37 times that (600 MB), more than the
    limit; twenty times (320 MB) was reserved, and orjson crashed (exit 139) past it."""
    (tmp_path / "small.json").write_bytes(b"[" + b",".join([b'{"a":1}'] * 2_000_000) + b"]")
    run = convert(tmp_path, "small.json", *_ARGS, memory_mib=512, timeout=120)
    assert_one_line_error(run, "not enough memory to read", "small.json")
    assert not (tmp_path / "o.ndjson").exists()


def test_the_estimate_of_an_ordinary_bundle_is_under_twenty_times() -> None:
    data = _observations(2000)
    assert 17 * len(data) < parse_estimate(data) < 19.5 * len(data)
    small = b"[" + b",".join([b'{"a":1}'] * 1000) + b"]"
    assert parse_estimate(small) > 37 * len(small)
