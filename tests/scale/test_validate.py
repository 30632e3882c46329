"""`ccstd validate --dask`: the same findings, in the same order, as a local run."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from benchmarks.generate import generate
from ccstd.cli.app import app
from ccstd.standard.scale import PARTITION_ENV, partitions
from tests.conftest import valid_record

RUNNER = CliRunner()
SMALL_PARTITIONS = "24000"  # bytes: the large file below is cut into several ranges


def _line(record: dict[str, Any]) -> bytes:
    return orjson.dumps(record) + b"\n"


def _with(entity: str, **changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(valid_record(entity))
    record.update(changes)
    return record


def _inputs(folder: Path) -> Path:
    """A folder with a large NDJSON file (cut into ranges), a JSON array and a gzip NDJSON.

    In the large file: a byte order mark, a reference resolved only by a record in its last
    range, one that never resolves, an id repeated in another range, blank-line runs, CRLF,
    lines that are not JSON or not objects, invalid records.
    """
    folder.mkdir()
    filler = folder.parent / "filler.ndjson"
    generate(filler, 300, seed=7, invalid_share=0.05)
    lines = filler.read_bytes().splitlines(keepends=True)
    resident = valid_record("Resident")
    early: list[bytes] = [
        b"\xef\xbb\xbf" + _line(_with("Condition", id="cond-ahead")),  # its subject comes last
        _line(_with("Condition", id="cond-lost", subject={"type": "Resident", "id": "nobody"})),
        _line(_with("Device", id="dev-twice")),
        b"\n\n\n\n",
        b'{"id": "broken", "type": \n',
        b"[1, 2, 3]\n",
        _line(_with("Device", id="dev-crlf")).replace(b"\n", b"\r\n"),
    ]
    late = [b"   \n", _line(_with("Device", id="dev-twice")), b"\n" * 50]
    body = early + lines[:150] + late + lines[150:] + [_line(resident).rstrip()]  # no newline
    (folder / "a-large.ndjson").write_bytes(b"".join(body))
    array = [_with("Device", id="dev-twice"), _with("Household", id="hh-array"), 17]
    (folder / "b-array.json").write_bytes(orjson.dumps(array))
    zipped = [_line(_with("Device", id="dev-zipped")), b"not json\n"]
    (folder / "c-zipped.ndjson.gz").write_bytes(gzip.compress(b"".join(zipped)))
    return folder


def _report(args: list[str], env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    result = RUNNER.invoke(app, ["validate", *args, "-q", "--format", "json",
                                 "--max-findings", "0"], env=env)  # fmt: skip
    assert "Traceback" not in result.output
    report = json.loads(result.stdout)
    for timing in ("seconds", "recordsPerSecond"):
        report["summary"].pop(timing)
    return result.exit_code, report


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _inputs(tmp_path_factory.mktemp("scale") / "in")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"\n" * 5000, "blank.ndjson"),  # no record: one partition, which says it is empty
        (gzip.compress(b'{"a": 1}\n' * 2000), "zipped.ndjson"),  # gzip by content
        (b"\xff\xfe" + b'{"a": 1}\n' * 2000, "utf16.ndjson"),  # one finding for the file
        (b'{"a": 1}\n' * 2000, "records.json"),  # not NDJSON by name: read as the reader decides
    ],
    ids=["blank", "gzip", "utf-16", "json"],
)
def test_files_read_whole(content: bytes, name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    [part] = partitions([str(path)], "auto", 50)
    assert part.end is None and part.display == str(path)


def test_the_large_file_is_cut_into_ranges_at_records(inputs: Path) -> None:
    large = inputs / "a-large.ndjson"
    parts = partitions([str(large)], "auto", int(SMALL_PARTITIONS))
    data = large.read_bytes()
    assert len(parts) >= 4
    assert [p.start for p in parts[1:]] == [p.end for p in parts[:-1]]
    assert parts[-1].end == len(data)
    assert all(data[p.start : p.start + 1] == b"{" and data[p.start - 1] == 10 for p in parts[1:])


@pytest.mark.parametrize("references", [False, True], ids=["plain", "check-references"])
def test_findings_are_a_local_runs(inputs: Path, scheduler: str, references: bool) -> None:
    args = [str(inputs), *(["--check-references"] if references else [])]
    local = _report(args)
    spread = _report([*args, "--dask", scheduler], env={PARTITION_ENV: SMALL_PARTITIONS})
    assert spread == local
    exit_code, report = local
    codes = [f["code"] for f in report["findings"]]
    assert exit_code == 1 and report["summary"]["files"] == 3
    assert {"byte-order-mark", "malformed-json", "not-an-object"} <= set(codes)
    twice = [f for f in report["findings"] if f["code"] == "duplicate-id"]
    assert [Path(f["file"]).name for f in twice] == ["a-large.ndjson", "b-array.json"]
    assert twice[0]["line"] > 150 and twice[0]["related"][0]["line"] == 3  # another range
    unresolved = {f["message"] for f in report["findings"] if f["code"] == "unresolved-reference"}
    if references:
        assert any("nobody" in m for m in unresolved)
        assert not any("res-0001" in m for m in unresolved)  # resolved in the last range
    else:
        assert not unresolved


def test_a_local_cluster_started_by_the_command(inputs: Path) -> None:
    args = [str(inputs / "a-large.ndjson"), "--check-references"]
    local = _report(args)
    assert _report([*args, "--dask", "local:2"], env={PARTITION_ENV: "60000"}) == local
