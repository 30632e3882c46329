"""A UTF-8 byte order mark at the start of a FHIR source is ignored, as the order adapters do
(docs/convert.md), in NDJSON (LF or CRLF), a Bundle or an array, plain or gzip; lines ending in
CR alone (old Mac line ends) are refused with a message saying so."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.adapters.fhir.test_real_shapes import bundle, convert, lines, observation, patient

BOM = b"\xef\xbb\xbf"


def _content(layout: str) -> bytes:
    resources = (patient(), observation())
    if layout == "ndjson":
        return b"".join(json.dumps(r).encode() + b"\n" for r in resources)
    if layout == "ndjson crlf":
        return b"".join(json.dumps(r).encode() + b"\r\n" for r in resources)
    if layout == "bundle":
        return json.dumps(bundle(*resources), indent=1).encode()
    return json.dumps(list(resources)).encode()


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("layout", ["ndjson", "ndjson crlf", "bundle", "array"])
def test_a_byte_order_mark_is_ignored(tmp_path: Path, layout: str, compressed: bool) -> None:
    data = BOM + _content(layout)
    name = "export.ndjson" if layout.startswith("ndjson") else "export.json"
    source = tmp_path / (name + (".gz" if compressed else ""))
    source.write_bytes(gzip.compress(data) if compressed else data)
    result, out = convert(tmp_path, source, extra=("--from", "fhir-r4"))
    assert result.exit_code == 0, result.output
    assert sorted(r["type"] for r in lines(out / "records.ndjson")) == ["Observation", "Resident"]
    assert lines(out / "rejects.ndjson") == []


def test_lines_ending_in_cr_alone_are_refused_saying_so(tmp_path: Path) -> None:
    source = tmp_path / "export.ndjson"
    source.write_bytes(b"".join(json.dumps(r).encode() + b"\r" for r in (patient(), observation())))
    result, out = convert(tmp_path, source, extra=("--from", "fhir-r4"))
    assert result.exit_code == 1, result.output
    [reject] = lines(out / "rejects.ndjson")
    assert "carriage return alone (old Mac line ends)" in reject["message"]


def test_a_pretty_printed_bundle_with_cr_line_ends_is_read(tmp_path: Path) -> None:
    """CR is JSON whitespace: a document whose lines end in CR alone parses as it is."""
    source = tmp_path / "export.json"
    text = json.dumps(bundle(patient(), observation()), indent=1).replace("\n", "\r")
    source.write_bytes(BOM + text.encode())
    result, out = convert(tmp_path, source, extra=("--from", "fhir-r4"))
    assert result.exit_code == 0, result.output
    assert len(lines(out / "records.ndjson")) == 2
