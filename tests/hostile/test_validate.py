"""`ccstd validate` on hostile input: one finding or one line and exit 2, never a traceback,
a hang, unbounded memory or a false pass."""

from __future__ import annotations

import gzip
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccstd.standard.findings import Finding, Location, Severity
from ccstd.standard.registry import EXAMPLES_ROOT, StandardRegistry
from ccstd.standard.reporting import REPORTERS
from ccstd.standard.runner import validate_paths
from tests.conftest import proves, valid_record
from tests.hostile.harness import Run, ccstd, digests, no_temporaries, tree

RESIDENT_ID = "110101199003071234"  # shaped like a resident ID (GB 11643), checksum not valid
MOBILE = "13912345678"


def _records(count: int) -> Iterator[bytes]:
    record = valid_record("Resident")
    for n in range(count):
        yield orjson.dumps(record | {"id": f"res-{n}"})


def _nested(depth: int) -> bytes:
    """A Community record whose nesting, the record included, is `depth` levels."""
    record = valid_record("Community") | {"id": f"deep-{depth}", "extensions": "@"}
    levels = depth - 1
    return orjson.dumps(record).replace(b'"@"', b'{"a":' * levels + b"1" + b"}" * levels)


def _report(run: Run) -> dict[str, Any]:
    assert not run.traceback, run.stderr[-3000:]
    document: dict[str, Any] = json.loads(run.stdout)
    return document


def _write_array(path: Path, count: int, extra: dict[int, bytes] | None = None) -> int:
    """A top-level array of `count` Resident records (item i replaced by extra[i]); its size."""
    extra = extra or {}
    with path.open("wb") as out:
        out.write(b"[\n")
        for n, record in enumerate(_records(count)):
            out.write((b",\n" if n else b"") + extra.get(n, record))
        out.write(b"\n]\n")
    return path.stat().st_size


# 1. depth -----------------------------------------------------------------------------------


@proves("nesting-too-deep")
@pytest.mark.parametrize("depth", [255, 600, 1024])
def test_a_deep_record_is_a_finding_for_that_record_only(tmp_path: Path, depth: int) -> None:
    lines = [orjson.dumps(valid_record("Community")), _nested(depth)]
    source = tmp_path / "deep.ndjson"
    source.write_bytes(b"\n".join(lines) + b"\n")
    before = digests([source])
    run = ccstd("validate", source, "-f", "json", "-q", timeout=30)
    run.assert_clean_failure(1)
    document = _report(run)
    assert [(f["code"], f["line"]) for f in document["findings"]] == [("nesting-too-deep", 2)]
    assert document["summary"]["records"] == 2 and document["summary"]["valid"] == 1
    assert digests([source]) == before


@pytest.mark.parametrize("large", [False, True])
def test_a_deep_item_of_an_array_is_a_finding_for_that_item(tmp_path: Path, large: bool) -> None:
    source = tmp_path / "deep.json"
    count = 6000 if large else 3
    _write_array(source, count, {1: _nested(300)})
    document = _report(ccstd("validate", source, "-f", "json", "-q", "--max-findings", "0"))
    assert {(f["code"], f["pointer"]) for f in document["findings"]} == {("nesting-too-deep", "/1")}
    assert document["summary"]["records"] == count


# 2. memory ----------------------------------------------------------------------------------


def test_long_lines_are_read_in_bounded_memory(tmp_path: Path) -> None:
    source = tmp_path / "long.ndjson.gz"
    record = valid_record("Resident")
    with gzip.open(source, "wb") as out:
        for n in range(300):
            out.write(orjson.dumps(record | {"id": f"r{n}", "note": "x" * 1_000_000}) + b"\n")
    run = ccstd("validate", source, "-q", "-f", "json", memory_mib=1024)
    run.assert_clean_failure(1)  # "note" is not a property of Resident
    assert _report(run)["summary"]["records"] == 300
    assert run.peak_mib < 200, run.peak_mib  # 300 MB of lines; 2,000-line blocks took 445 MiB


def test_a_large_array_is_streamed_item_by_item(tmp_path: Path) -> None:
    source = tmp_path / "array.json"
    size = _write_array(source, 26_000)
    assert size > 19_000_000
    run = ccstd("validate", source, "-f", "json", memory_mib=1024)
    assert run.exit_code == 0, run.stderr
    assert _report(run)["summary"]["records"] == 26_000
    assert run.peak_mib < 170, run.peak_mib  # loading it whole took 242 MiB


@pytest.mark.slow
def test_a_250_mb_array_stays_in_bounded_memory(tmp_path: Path) -> None:
    source = tmp_path / "array.json"
    assert _write_array(source, 330_000) > 240_000_000
    run = ccstd("validate", source, "-q", timeout=600, memory_mib=600)
    assert run.exit_code == 0, run.stderr[-2000:]
    assert run.peak_mib < 300, run.peak_mib  # loading it whole took 2.3 GB


@proves("duplicate-key", "malformed-json")
def test_items_of_a_streamed_array_keep_their_pointers(tmp_path: Path) -> None:
    source = tmp_path / "array.json"
    repeated = orjson.dumps(valid_record("Resident") | {"id": "twice"})[:-1] + b',"id":"x"}'
    _write_array(source, 7000, {5000: repeated, 6990: b'{"id": "cut", }'})
    document = _report(ccstd("validate", source, "-f", "json", "-q"))
    found = [(f["code"], f["pointer"], f["line"]) for f in document["findings"]]
    assert found == [("duplicate-key", "/5000", None), ("malformed-json", "/6990", None)]
    assert document["summary"]["records"] == 6991  # the parser cannot go past a syntax error


@pytest.mark.parametrize(
    ("name", "head", "fill"),
    [
        ("brackets.json.gz", b"", b"["),
        ("braces.json.gz", b"[", b'{"a":'),
        pytest.param("spaces.json.gz", b"", b" ", marks=pytest.mark.slow),
        pytest.param("line.ndjson.gz", b'{"a":"', b"x", marks=pytest.mark.slow),
    ],
)
def test_gzip_bombs_end_with_one_finding(
    tmp_path: Path, name: str, head: bytes, fill: bytes
) -> None:
    source = tmp_path / name
    with gzip.open(source, "wb", compresslevel=1) as out:
        out.write(head)
        chunk = fill * (1 << 20)
        for _ in range(1024 // len(fill) // 2 or 1):
            out.write(chunk)  # about 512 MB inflated
    run = ccstd("validate", source, "-q", "-f", "json", memory_mib=1536, timeout=60)
    run.assert_clean_failure(1)
    assert len(_report(run)["findings"]) == 1
    assert run.peak_mib < 700, run.peak_mib


def test_runs_of_empty_lines_are_skipped_in_bulk(tmp_path: Path) -> None:
    source = tmp_path / "blank.ndjson.gz"
    with gzip.open(source, "wb", compresslevel=1) as out:
        for _ in range(128):
            out.write(b"\n" * (1 << 20))
        out.write(b'{"id": "last"}\n')
    run = ccstd("validate", source, "-f", "json", "-q", timeout=60)
    run.assert_clean_failure(1)
    [finding] = _report(run)["findings"]
    assert finding["line"] == 128 * (1 << 20) + 1  # one loop turn per line took minutes per GB


# 3. empty, unreadable, pipes and devices ------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"  \n\n", b"[]", b"\xef\xbb\xbf"])
def test_no_records_is_not_a_pass(tmp_path: Path, content: bytes) -> None:
    source = tmp_path / "empty.json"
    source.write_bytes(content)
    run = ccstd("validate", source)
    run.assert_clean_failure(2)
    assert f"{source}: no records" in run.stderr


def test_a_folder_without_input_files_is_named(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not json")
    run = ccstd("validate", tmp_path)
    run.assert_clean_failure(2)
    assert f"{tmp_path}: no input files" in run.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_an_unreadable_file_or_folder_is_named(tmp_path: Path) -> None:
    source = tmp_path / "locked.ndjson"
    source.write_bytes(orjson.dumps(valid_record("Community")))
    source.chmod(0)
    run = ccstd("validate", source)
    run.assert_clean_failure(2)
    assert f"{source}: cannot read" in run.stderr
    folder = tmp_path / "locked"
    folder.mkdir(mode=0)
    run = ccstd("validate", folder)
    run.assert_clean_failure(2)
    assert f"{folder}: cannot read" in run.stderr


def test_a_named_pipe_is_read_like_stdin(tmp_path: Path) -> None:
    fifo = tmp_path / "records.ndjson"
    os.mkfifo(fifo)
    data = b"\n".join(_records(3)) + b"\n"
    writer = threading.Thread(target=fifo.write_bytes, args=(data,))
    writer.start()
    run = ccstd("validate", fifo, "-f", "json", "-q", timeout=30)
    writer.join(timeout=10)
    assert run.exit_code == 0, run.stderr
    assert _report(run)["summary"]["records"] == 3
    piped = ccstd("validate", "-", "-f", "json", "-q", stdin=data)
    assert _report(piped)["summary"]["records"] == 3


def test_a_device_is_refused_by_name() -> None:
    run = ccstd("validate", "/dev/zero", timeout=20)
    run.assert_clean_failure(2)
    assert "/dev/zero: a device, not a file" in run.stderr


# 4. outputs that are inputs -------------------------------------------------------------------


@pytest.mark.parametrize(
    "spell",
    [
        lambda p: ["-o", str(p)],
        lambda p: ["-o", str(p.parent / "." / ".." / p.parent.name / p.name)],
        lambda p: ["-o", str(p.parent / "link.json")],
        lambda p: ["--write-baseline", str(p)],
    ],
)
def test_an_output_that_is_an_input_is_refused(tmp_path: Path, spell: Any) -> None:
    source = tmp_path / "records.json"
    source.write_bytes(orjson.dumps(valid_record("Resident")))
    (tmp_path / "link.json").symlink_to(source)
    before = tree(tmp_path)
    run = ccstd("validate", tmp_path, *spell(source))
    run.assert_clean_failure(2)
    assert "refusing to overwrite" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert tree(tmp_path) == before and not no_temporaries([tmp_path])


def test_two_outputs_that_are_one_file_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "records.ndjson"
    source.write_bytes(orjson.dumps(valid_record("Community")) + b"\n")
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    run = ccstd(
        "validate", source, "-o", report, "--write-baseline", tmp_path / "out/../out/report.json"
    )
    run.assert_clean_failure(2)
    assert "give each output its own file" in run.stderr
    assert not report.exists()


# 5. temporaries -------------------------------------------------------------------------------


def test_a_killed_runs_temporary_is_removed_by_the_next(tmp_path: Path) -> None:
    source = tmp_path / "records.ndjson"
    source.write_bytes(orjson.dumps(valid_record("Community")) + b"\n")
    stale = tmp_path / ".report.json.4194304.abc123.tmp"  # above any pid_max: not running
    stale.write_bytes(b"half a report")
    run = ccstd("validate", source, "-o", tmp_path / "report.json", "-q")
    assert run.exit_code == 0, run.stderr
    assert not no_temporaries([tmp_path])


# 6. terminals and annotations -------------------------------------------------------------------


def test_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    source = folder / "evil\x1b[31m\r.ndjson"
    record = valid_record("Resident") | {"id": "x\x1b]0;pwned\x07", "bad\nkey::x": 1}
    source.write_bytes(orjson.dumps(record) + b"\n")
    run = ccstd("validate", folder)
    run.assert_clean_failure(1)
    assert not any(c in run.stdout for c in "\x1b\r\x07"), run.stdout
    assert "evil\\x1b[31m\\r.ndjson" in run.stdout
    findings = validate_paths([str(folder)]).findings
    github = ccstd("validate", folder, "-f", "github", "-q")
    lines = github.stdout.splitlines()
    assert len(lines) == len(findings)  # one command per finding: no newline got through
    assert all(line.startswith(("::error file=", "::warning file=")) for line in lines)
    assert not any(c in github.stdout for c in "\x1b\r\x07")
    assert all(line.split("::")[1].count(",") == 2 for line in lines)  # file, line, title


# 7. redaction ---------------------------------------------------------------------------------


def test_numbers_in_pointers_and_record_ids_are_redacted(tmp_path: Path) -> None:
    source = tmp_path / "people.ndjson"
    record = valid_record("Resident") | {
        "id": f"resident-{RESIDENT_ID}",
        MOBILE: "a key that is a phone number",
        "extensions": {"com.example": {RESIDENT_ID: 1}},
    }
    source.write_bytes(orjson.dumps(record) + b"\n" + orjson.dumps(record) + b"\n")
    result = validate_paths([str(source)])
    for output_format, render in REPORTERS.items():
        shown = render(result).decode()
        assert RESIDENT_ID not in shown and MOBILE not in shown, output_format
    run = ccstd("validate", source, "-f", "json")
    assert RESIDENT_ID not in run.stdout + run.stderr and MOBILE not in run.stdout + run.stderr
    text = ccstd("validate", source)
    assert RESIDENT_ID not in text.stdout and MOBILE not in text.stdout
    document = _report(run)
    unknown = next(f for f in document["findings"] if f["code"] == "unknown-property")
    where = Location(str(source), 1, f"/{MOBILE}", record["id"])
    raw = Finding(unknown["code"], Severity(unknown["severity"]), "", where)
    assert unknown["pointer"] == "/[redacted]"
    assert unknown["fingerprint"] == raw.fingerprint()  # as reports before redaction wrote it
    baseline = tmp_path / "baseline.json"
    ccstd("validate", source, "-q", "--write-baseline", baseline)
    assert ccstd("validate", source, "-q", "--baseline", baseline).exit_code == 0


# the property: any mutation of a valid record is counted, never raises ------------------------

_VALID = sorted(EXAMPLES_ROOT.glob(f"{StandardRegistry().latest()}/*/valid-*.json"))
_ODD_VALUES = st.sampled_from(
    [b"1e999999", b"-1e999999", b"1" + b"0" * 400, b"NaN", b"-Infinity", b'"\xff\xfe"', b"[]",
     b"{}", b"null", b'"\\ud800"', b"[" * 300 + b"]" * 300, b"123456789012345678901234567890"]
)  # fmt: skip


def _mutate(text: bytes, cut: int, value: bytes, how: int) -> bytes:
    """The record's text with `value` as the whole record, as a new member, or as the value of
    the `cut`-th member."""
    if how == 0:
        return value
    if how == 1:
        return b'{"x":' + value + b"," + text[1:]
    colons = [i for i, c in enumerate(text) if c == ord(":")]
    at = colons[cut % len(colons)] + 1
    end = min((i for i in (text.find(b",", at), text.find(b"}", at)) if i > 0), default=len(text))
    return text[:at] + value + text[end:]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    example=st.sampled_from(_VALID),
    cut=st.integers(0, 200),
    value=_ODD_VALUES,
    how=st.integers(0, 4),
    bom=st.booleans(),
    as_array=st.booleans(),
)
def test_mutated_records_are_counted_and_never_raise(
    tmp_path: Path, example: Path, cut: int, value: bytes, how: int, bom: bool, as_array: bool
) -> None:
    text = orjson.dumps(orjson.loads(example.read_bytes()))
    mutated = _mutate(text, cut, value, how)
    lines = [text, mutated, text]
    source = tmp_path / ("m.json" if as_array else "m.ndjson")
    body = b"[" + b",".join(lines) + b"]" if as_array else b"\n".join(lines) + b"\n"
    source.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body)
    result = validate_paths([str(source)])
    if as_array:
        assert result.records in (1, 3)  # a syntax error makes the document one bad record
    else:
        assert result.records == 3
    assert result.records == result.valid + result.invalid
