"""Bad input gives a finding (or a one-line error), never a traceback or a hang."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccstd.standard.checker import RecordChecker
from ccstd.standard.reading import InputError, InputFormat, iter_paths, read_blocks, read_items
from ccstd.standard.registry import StandardRegistry
from tests.conftest import valid_record

CHECKER = RecordChecker(StandardRegistry())


def codes(path: Path, input_format: InputFormat = "auto") -> list[str]:
    results = [CHECKER.check_block(block) for block in read_blocks(str(path), input_format)]
    return [f.code for r in results for f in r.findings]


def line(record: object) -> bytes:
    return orjson.dumps(record) + b"\n"


def test_ndjson_lines_are_read_with_their_numbers(tmp_path: Path) -> None:
    path = tmp_path / "records.ndjson"
    path.write_bytes(line(valid_record("Resident")) + b"\n" + line(valid_record("Building")))
    items = list(read_items(str(path)))
    assert [i.line for i in items] == [1, 3]


def test_json_array_items_are_located_by_pointer(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_bytes(orjson.dumps([valid_record("Resident"), {"type": "Resident"}]))
    assert [i.pointer for i in read_items(str(path))] == ["/0", "/1"]
    [finding] = [f for b in read_blocks(str(path)) for f in CHECKER.check_block(b).findings]
    assert finding.location.pointer.startswith("/1")


def test_gzip_is_detected_by_content(tmp_path: Path) -> None:
    path = tmp_path / "records.ndjson.gz"
    path.write_bytes(gzip.compress(line(valid_record("Resident")) * 3))
    assert len(list(read_items(str(path)))) == 3
    assert codes(path) == []


def test_invalid_utf8_is_a_finding_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.ndjson"
    gbk = orjson.dumps({"name": "王"}).replace("王".encode(), "王".encode("gbk"))
    path.write_bytes(gbk + b"\n" + line(valid_record("Resident")))
    assert codes(path) == ["invalid-encoding"]


def test_utf8_bom_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + orjson.dumps(valid_record("Resident")))
    assert codes(path) == ["byte-order-mark"]


def test_utf16_is_refused_with_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "utf16.json"
    path.write_bytes(orjson.dumps(valid_record("Resident")).decode().encode("utf-16"))
    assert codes(path) == ["invalid-encoding"]


@pytest.mark.parametrize("content", [b"", b"   \n\n"])
def test_empty_file_is_a_warning(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.ndjson"
    path.write_bytes(content)
    assert codes(path) == ["empty-input"]


def test_truncated_document_is_malformed_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_bytes(orjson.dumps(valid_record("Resident"), option=orjson.OPT_INDENT_2)[:-40])
    outcomes = [CHECKER.check(i) for i in read_items(str(path))]
    finding = outcomes[0].findings[0]
    assert finding.code == "malformed-json" and finding.location.line is not None


def test_one_bad_line_does_not_stop_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(line(valid_record("Resident")) + b'{"id": \n' + line(valid_record("Building")))
    outcomes = [CHECKER.check(i) for i in read_items(str(path))]
    assert [bool(o.findings) for o in outcomes] == [False, True, False]
    assert [(o.records, o.invalid) for o in outcomes] == [(1, 0), (1, 1), (1, 0)]


def test_nan_and_infinity_are_named(tmp_path: Path) -> None:
    path = tmp_path / "nan.ndjson"
    path.write_bytes(b'{"a": NaN}\n{"b": -Infinity}\n')
    assert codes(path) == ["non-standard-number", "non-standard-number"]


def test_deep_nesting_is_refused_without_recursion(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 10_000 + b"]" * 10_000)
    assert codes(path) == ["nesting-too-deep"]
    path.write_bytes(b'{"a":' * 10_000 + b"1" + b"}" * 10_000)
    assert codes(path) == ["nesting-too-deep"]


def test_duplicate_keys_are_found_with_their_object(tmp_path: Path) -> None:
    path = tmp_path / "dup.ndjson"
    path.write_bytes(b'{"id": "a", "meta": {"vendor": "x", "vendor": "y"}, "id": "b"}\n')
    outcomes = [CHECKER.check(i) for i in read_items(str(path))]
    dup = [(f.code, f.location.pointer) for f in outcomes[0].findings if f.code == "duplicate-key"]
    assert sorted(dup) == [("duplicate-key", ""), ("duplicate-key", "/meta")]


def test_escaped_keys_are_not_mistaken_for_duplicates(tmp_path: Path) -> None:
    record = valid_record("Resident")
    record["extensions"] = {"com.example": {'quote"d': 1, "colon\\": 2, "k": '": tricky'}}
    path = tmp_path / "escaped.ndjson"
    path.write_bytes(orjson.dumps(record).replace(b"}}", b"} }") + b"\n")
    assert codes(path) == []


def test_a_50_mb_line_is_one_record(tmp_path: Path) -> None:
    record = valid_record("ServiceRequest")
    record["description"] = "x" * 4000
    record["statusHistory"] = [
        {"status": "submitted", "at": "2024-04-20T19:32:00+08:00", "note": "n" * 500}
    ] * 90_000
    path = tmp_path / "huge.ndjson"
    data = line(record)
    assert len(data) > 50_000_000
    path.write_bytes(data)
    assert codes(path) == []


def test_scalars_and_arrays_are_not_records(tmp_path: Path) -> None:
    path = tmp_path / "scalars.ndjson"
    path.write_bytes(b"1\n[]\n")
    assert codes(path, "ndjson") == ["not-an-object", "not-an-object"]


def test_directory_recursion_with_include_and_exclude(tmp_path: Path) -> None:
    for name in ("a.json", "sub/b.ndjson", "sub/c.txt", "sub/skip.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    found = [
        Path(p).relative_to(tmp_path).as_posix()
        for p in iter_paths([str(tmp_path)], exclude=["skip*"])
    ]
    assert found == ["a.json", "sub/b.ndjson"]


def test_a_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(iter_paths([str(tmp_path / "nope.json")]))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    from ccstd.standard.reading import RawItem

    outcome = CHECKER.check(RawItem("fuzz.ndjson", 1, data=data))
    assert outcome.findings or isinstance(orjson.loads(data), dict)
