"""NDJSON or one JSON document, by content: the FHIR adapter (a file, lines read with a bound)
and the order adapters (bytes) decide with one rule (`json_lines.handle_holds_lines`), so they
agree on every input; an array laid out one element per line is one document for both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccstd.adapters.fhir.adapter import is_ndjson
from ccstd.adapters.json_lines import BOM, holds_lines
from tests.adapters.fhir.test_real_shapes import convert, lines, observation, patient

OBJECT = b'{"resourceType": "Patient", "id": "p1"}'
SAMPLES = {
    b"": False,
    OBJECT: False,  # one line, no newline
    OBJECT + b"\n": False,  # one line
    OBJECT + b"\n" + OBJECT + b"\n": True,
    OBJECT + b"\n" + OBJECT: True,  # the last line without a newline
    BOM + OBJECT + b"\n" + OBJECT + b"\n": True,
    b"\n\n" + OBJECT + b"\n\n" + OBJECT + b"\n": True,
    b"garbage\n" + OBJECT + b"\n": True,  # a corrupt first line: the second decides
    b"garbage\n" + OBJECT: True,
    b"garbage\nmore garbage\n": False,
    b'{"resourceType": "Bundle", "entry": [\n' + OBJECT + b"\n," + OBJECT + b"\n]}\n": False,
    b'{"resourceType": "Bundle", "entry": [\n' + OBJECT + b"\n]}\n": False,  # one entry
    b'{"resourceType": "Patient", "id": "p0",\n' + OBJECT + b"\n" + OBJECT + b"\n": True,
    b"[\n" + OBJECT + b"\n,\n" + OBJECT + b"\n]\n": False,  # an array, one element a line
    b"[" + OBJECT + b"]\n" + OBJECT + b"\n": False,
    b'{\n  "resourceType": "Bundle"\n}\n': False,  # pretty-printed
    b"1\n2\n": False,  # values, not objects
}


@pytest.mark.parametrize(("data", "expected"), list(SAMPLES.items()))
def test_both_callers_decide_alike(tmp_path: Path, data: bytes, expected: bool) -> None:
    source = tmp_path / "source"
    source.write_bytes(data)
    assert holds_lines(data) is expected
    assert is_ndjson(source) is expected


_LINE = st.one_of(
    st.sampled_from([OBJECT, b"", b"   ", b"[", b"]", b",", b"{", b"garbage", b"[1]", b"1"]),
    st.binary(max_size=8),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=st.lists(_LINE, max_size=6), bom=st.booleans(), end=st.sampled_from([b"", b"\n"]))
def test_property_the_two_never_disagree(
    tmp_path: Path, parts: list[bytes], bom: bool, end: bytes
) -> None:
    data = (BOM if bom else b"") + b"\n".join(parts) + end
    source = tmp_path / "source"
    source.write_bytes(data)
    assert holds_lines(data) is is_ndjson(source)


def test_an_array_one_element_a_line_converts_as_one_document(tmp_path: Path) -> None:
    """Before, the FHIR adapter read it as NDJSON: `[`, `,` and `]` were rejected lines."""
    source = tmp_path / "export.json"
    elements = [json.dumps(patient()), json.dumps(observation())]
    source.write_text("[\n" + "\n,\n".join(elements) + "\n]\n")
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert sorted(r["type"] for r in lines(out / "records.ndjson")) == ["Observation", "Resident"]
    assert not lines(out / "rejects.ndjson")


def test_a_bundle_one_entry_a_line_commas_leading_converts_as_one_document(
    tmp_path: Path,
) -> None:
    """Before, its first line (`{..., "entry": [`) was taken for a corrupt NDJSON line and the
    whole entry on the second for NDJSON: every line was rejected, nothing converted."""
    source = tmp_path / "export.json"
    entries = [
        json.dumps({"fullUrl": f"urn:uuid:{r['id']}", "resource": r})
        for r in (patient(), observation())
    ]
    head = '{"resourceType": "Bundle", "type": "collection", "entry": ['
    source.write_text(head + "\n" + "\n,".join(entries) + "\n]}\n")
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    assert sorted(r["type"] for r in lines(out / "records.ndjson")) == ["Observation", "Resident"]
    assert not lines(out / "rejects.ndjson")


def test_an_ndjson_file_whose_first_line_is_cut_off_converts_the_rest(tmp_path: Path) -> None:
    """A first line cut off where a value goes on (`..."id": "p0",`) is a corrupt NDJSON line
    when whole objects follow, not the opening of one document that loses every line."""
    source = tmp_path / "export.ndjson"
    whole = [json.dumps(patient(f"p{i}")) for i in range(1, 4)]
    source.write_text('{"resourceType": "Patient", "id": "p0",\n' + "\n".join(whole) + "\n")
    result, out = convert(tmp_path, source)
    assert result.exit_code == 1, result.output  # the cut-off line is rejected
    assert len(lines(out / "records.ndjson")) == 3
    [reject] = lines(out / "rejects.ndjson")
    assert reject["locator"] == "line 1"
