"""Baselines through the CLI: keys independent of path spelling and cwd, keyed by record, exit 0
after writing, old baselines still read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import orjson
from typer.testing import CliRunner

from ccstd.cli.app import app
from ccstd.standard.results import BASELINE_KEYINGS
from tests.conftest import REPO_ROOT, valid_record

VENDOR_EXPORT = REPO_ROOT / "examples" / "validate" / "vendor-export.ndjson"
RUNNER = CliRunner()


@dataclass(frozen=True)
class Done:
    """What one `ccstd` run gave: exit code and both streams."""

    returncode: int
    stdout: str
    stderr: str


def process(*args: str | Path, cwd: Path) -> Done:
    """`ccstd ARGS` as a child process started in `cwd`."""
    command = [sys.executable, "-m", "ccstd.cli", *map(str, args)]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    return Done(done.returncode, done.stdout, done.stderr)


def ccstd(*args: str | Path, cwd: Path) -> Done:
    """`ccstd ARGS` in-process (CliRunner), with `cwd` as the working folder meanwhile."""
    before = Path.cwd()
    os.chdir(cwd)
    try:
        result = RUNNER.invoke(app, [str(a) for a in args])
    finally:
        os.chdir(before)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback, which a child process would have printed
    return Done(result.exit_code, result.stdout, result.stderr)


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "exports").mkdir(parents=True)
    (project / "exports" / "data.ndjson").write_bytes(VENDOR_EXPORT.read_bytes())
    return project


def test_write_baseline_exits_0_and_keys_do_not_depend_on_path_spelling_or_cwd(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path)
    written = process(  # a real child process: the exit code and message as a shell sees them
        "validate", "exports/data.ndjson", "--write-baseline", "ci/known.json", cwd=project
    )
    assert written.returncode == 2 and "cannot write" in written.stderr  # ci/ does not exist
    (project / "ci").mkdir()
    written = process("validate", "./exports/", "--write-baseline", "ci/known.json", cwd=project)
    assert written.returncode == 0, written.stderr
    document = json.loads((project / "ci" / "known.json").read_text())
    assert document["version"] == 3 and document["key"] == "file" and document["fingerprints"]
    spellings = [
        ("exports/data.ndjson", project),
        ("./exports/data.ndjson", project),
        (str(project / "exports" / "data.ndjson"), tmp_path),
        ("data.ndjson", project / "exports"),
        ("../exports/./data.ndjson", project / "ci"),
    ]
    for spelling, cwd in spellings:
        baseline = os.path.relpath(project / "ci" / "known.json", cwd)
        again = ccstd("validate", spelling, "--baseline", baseline, cwd=cwd)
        assert again.returncode == 0, (spelling, cwd, again.stdout)
        assert "baselined" in again.stderr


def test_moving_the_data_and_its_baseline_together_keeps_matching(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert (
        ccstd("validate", "exports", "--write-baseline", "known.json", cwd=project).returncode == 0
    )
    moved = tmp_path / "elsewhere"
    project.rename(moved)
    assert (
        ccstd(
            "validate", moved / "exports", "--baseline", moved / "known.json", cwd=tmp_path
        ).returncode
        == 0
    )
    (moved / "exports" / "data.ndjson").rename(moved / "exports" / "renamed.ndjson")
    assert ccstd("validate", "exports", "--baseline", "known.json", cwd=moved).returncode == 1


def test_record_keys_ignore_date_stamped_file_names(tmp_path: Path) -> None:
    project = _project(tmp_path)
    day1 = project / "exports" / "export-2026-11-26.ndjson"
    (project / "exports" / "data.ndjson").rename(day1)
    write = ("validate", day1, "--write-baseline", "known.json", "--baseline-key", "record")
    assert ccstd(*write, cwd=project).returncode == 0
    assert json.loads((project / "known.json").read_text())["key"] == "record"
    day2 = project / "exports" / "export-2026-11-27.ndjson"
    day1.rename(day2)
    assert ccstd("validate", day2, "--baseline", "known.json", cwd=project).returncode == 0
    # the same records in a JSON array: positions in the file are not part of a record's key
    records = [
        valid_record("Resident") | {"id": f"res-{n}", "gender": "X", "extra": n} for n in range(3)
    ]
    array = project / "exports" / "export-2026-11-28.json"
    day2.unlink()
    array.write_bytes(orjson.dumps(records))
    assert ccstd("validate", "exports", "--write-baseline", "known.json", "--baseline-key",
                 "record", cwd=project).returncode == 0  # fmt: skip
    array.write_bytes(orjson.dumps(records[::-1]))
    assert ccstd("validate", "exports", "--baseline", "known.json", cwd=project).returncode == 0
    # a file-keyed run against a record-keyed baseline is refused, not silently empty
    refused = ccstd(
        "validate", "exports", "--baseline", "known.json", "--baseline-key", "file", cwd=project
    )
    assert refused.returncode == 2 and refused.stderr.startswith("ccstd: error: ")
    assert "--baseline-key" in refused.stderr and len(refused.stderr.splitlines()) == 1
    # a new problem in a known record still fails
    records[0]["birthDate"] = "not a date"
    array.write_bytes(orjson.dumps(records))
    assert ccstd("validate", "exports", "--baseline", "known.json", cwd=project).returncode == 1


def test_version_1_baselines_and_reports_are_still_accepted(tmp_path: Path) -> None:
    project = _project(tmp_path)
    report = ccstd("validate", "exports/data.ndjson", "-f", "json", "-q", cwd=project)
    (project / "report.json").write_text(report.stdout)
    prints = sorted({f["fingerprint"] for f in json.loads(report.stdout)["findings"]})
    legacy = {"version": 1, "fingerprints": prints}
    (project / "old.json").write_text(json.dumps(legacy))
    for baseline in ("old.json", "report.json"):
        again = ccstd("validate", "exports/data.ndjson", "--baseline", baseline, "-q", cwd=project)
        assert again.returncode == 0, baseline


def test_findings_hidden_by_a_baseline_are_only_its_own(tmp_path: Path) -> None:
    project = _project(tmp_path)
    other = project / "exports" / "other.ndjson"
    other.write_bytes(VENDOR_EXPORT.read_bytes())
    ccstd("validate", "exports/data.ndjson", "--write-baseline", "known.json", cwd=project)
    both = ccstd("validate", "exports", "--baseline", "known.json", "-f", "json", "-q", cwd=project)
    assert both.returncode == 1
    files = {f["file"] for f in json.loads(both.stdout)["findings"]}
    assert files == {"exports/other.ndjson"}


def test_baseline_files_hold_no_path_or_identifier(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "exports" / "13812345678.ndjson").write_bytes(VENDOR_EXPORT.read_bytes())
    ccstd("validate", "exports", "--write-baseline", "known.json", cwd=project)
    text = (project / "known.json").read_text()
    assert "13812345678" not in text and "exports" not in text and "comm-" not in text


def test_refreshing_a_baseline_keeps_what_it_knew_and_how_it_keyed(tmp_path: Path) -> None:
    project = _project(tmp_path)
    write = ("validate", "exports", "--write-baseline", "known.json", "--baseline-key", "record")
    assert ccstd(*write, cwd=project).returncode == 0
    before = json.loads((project / "known.json").read_text())
    refresh = ("validate", "exports", "--baseline", "known.json", "--write-baseline", "known.json")
    assert ccstd(*refresh, cwd=project).returncode == 0
    after = json.loads((project / "known.json").read_text())
    assert after == before and after["key"] == "record"  # nothing lost, still by record
    assert ccstd("validate", "exports", "--baseline", "known.json", cwd=project).returncode == 0


def test_a_report_over_its_own_baseline_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    first = ccstd("validate", "exports", "--write-baseline", "known.json", cwd=project)
    assert first.returncode == 0
    kept = (project / "known.json").read_bytes()
    over = ("validate", "exports", "--baseline", "known.json", "-f", "json", "-o", "./known.json")
    run = ccstd(*over, cwd=project)
    assert run.returncode == 2 and run.stderr.startswith("ccstd: error: --output")
    assert (project / "known.json").read_bytes() == kept


def test_broken_baselines_are_one_line_errors(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for content in ('{"version": 2, "key": ["file"], "fingerprints": []}', '{"version": 2}', "["):
        (project / "known.json").write_text(content)
        run = ccstd("validate", "exports", "--baseline", "known.json", cwd=project)
        assert run.returncode == 2 and run.stderr.startswith("ccstd: error: known.json")
        assert len(run.stderr.splitlines()) == 1 and "Traceback" not in run.stderr


def test_baseline_key_alone_is_a_usage_error(tmp_path: Path) -> None:
    project = _project(tmp_path)
    run = ccstd("validate", "exports", "--baseline-key", "record", cwd=project)
    assert run.returncode == 2 and run.stderr.startswith("ccstd: error: --baseline-key")
    bad = ccstd("validate", "exports", "--baseline-key", "path", cwd=project)
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1
    assert bad.stderr.startswith("ccstd: error: ") and "'file', 'record'" in bad.stderr


def _bad_header(project: Path, document: dict[str, object]) -> Done:
    (project / "known.json").write_text(json.dumps(document))
    return ccstd("validate", "exports", "--baseline", "known.json", cwd=project)


def test_a_baseline_of_unknown_version_or_keying_is_refused_naming_the_field(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path)
    cases = [
        ({"version": 99, "key": "file", "fingerprints": []}, "version: 99", "1, 2, 3"),
        ({"version": "2", "fingerprints": []}, 'version: "2"', "1, 2, 3"),
        ({"version": True, "fingerprints": []}, "version: true", "1, 2, 3"),
        ({"version": 2, "key": "bogus", "fingerprints": []}, 'key: "bogus"', "file, record"),
        ({"version": 3, "key": None, "fingerprints": {}}, "key: null", "file, record"),
        ({"version": 3, "fingerprints": {"ab": 0}}, "fingerprints: each", "at least 1"),
        ({"version": 3, "fingerprints": {"ab": 1.5}}, "fingerprints: each", "at least 1"),
        ({"key": "file", "fingerprints": {"ab": 1}}, "fingerprints: must", "of version none"),
        ({"version": 2, "fingerprints": {"ab": 1}}, "fingerprints: must", "of version 2"),
        ({"version": 3, "fingerprints": ["ab"]}, "fingerprints: must", "counts by key"),
    ]
    for document, field, accepted in cases:
        run = _bad_header(project, document)
        assert run.returncode == 2, document
        assert run.stderr.startswith(f"ccstd: error: known.json: {field} "), run.stderr
        assert accepted in run.stderr and len(run.stderr.splitlines()) == 1


def _export(project: Path, name: str, lines: list[str]) -> Path:
    for old in (project / "exports").iterdir():
        old.unlink()
    path = project / "exports" / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _resident(n: int | str, **extra: object) -> str:
    return json.dumps(valid_record("Resident") | {"id": f"res-{n}"} | extra)


def test_record_keys_tell_broken_records_without_an_id_apart_by_content(tmp_path: Path) -> None:
    project = _project(tmp_path)
    no_id = {k: v for k, v in valid_record("Resident").items() if k != "id"}
    day1 = [_resident(1), '{"id": "res-2", broken', json.dumps(no_id | {"gender": "X"})]
    _export(project, "export-2026-11-26.ndjson", day1)
    write = ("validate", "exports", "--write-baseline", "known.json", "--baseline-key", "record")
    assert ccstd(*write, cwd=project).returncode == 0
    known = ("validate", "exports", "--baseline", "known.json", "-f", "json", "-q")
    # the same broken records, another day, other lines, keys in another order: still known
    reordered = json.dumps(dict(reversed((no_id | {"gender": "X"}).items())))
    moved = [_resident(3), _resident(1), reordered, '{"id": "res-2", broken']
    _export(project, "export-2026-11-27.ndjson", moved)
    assert ccstd(*known, cwd=project).returncode == 0
    # other broken records on the very lines the known ones were on: new
    other = [_resident(1), '{"id": "res-9", broken', json.dumps(no_id | {"gender": "Y"})]
    _export(project, "export-2026-11-28.ndjson", other)
    run = ccstd(*known, cwd=project)
    assert run.returncode == 1
    lines = sorted(f["line"] for f in json.loads(run.stdout)["findings"])
    assert lines[0] == 2 and lines[-1] == 3  # both new ones listed


def test_a_baseline_key_hides_no_more_findings_than_it_counted(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for keying in BASELINE_KEYINGS:
        _export(project, "data.ndjson", [_resident(1), _resident(1), _resident(2)])
        write = ("validate", "exports", "--write-baseline", "known.json", "--baseline-key", keying)
        assert ccstd(*write, cwd=project).returncode == 0
        document = json.loads((project / "known.json").read_text())
        assert list(document["fingerprints"].values()) == [1]  # one duplicate of res-1
        known = ("validate", "exports", "--baseline", "known.json", "-f", "json", "-q")
        assert ccstd(*known, cwd=project).returncode == 0
        _export(project, "data.ndjson", [_resident(1), _resident(1), _resident(2), _resident(1)])
        run = ccstd(*known, cwd=project)
        assert run.returncode == 1, keying  # the third res-1 is a new duplicate
        report = json.loads(run.stdout)
        assert report["summary"]["baselined"] == 1 and len(report["findings"]) == 1
        assert report["findings"][0]["line"] == 4
        # a refresh counts both, and then knows both
        refresh = ("validate", "exports", "--baseline", "known.json", "--write-baseline")
        assert ccstd(*refresh, "known.json", cwd=project).returncode == 0
        counts = json.loads((project / "known.json").read_text())["fingerprints"]
        assert list(counts.values()) == [2]
        assert ccstd(*known, cwd=project).returncode == 0


def test_version_2_baselines_still_match_as_they_were_written(tmp_path: Path) -> None:
    project = _project(tmp_path)
    lines = [_resident(1), _resident(1), '{"broken', _resident(1)]
    _export(project, "export-1.ndjson", lines)
    from ccstd.standard.results import BaselineKey, baseline_folder
    from ccstd.standard.runner import RunOptions, validate_paths

    folder = baseline_folder(project / "known.json")
    for keying in BASELINE_KEYINGS:
        keyer = BaselineKey(folder, keying, scheme=2)
        run = RunOptions(max_findings=0, baseline_key=keyer)
        result = validate_paths([str(project / "exports")], run=run)
        legacy = {"version": 2, "key": keying, "fingerprints": sorted(result.baseline_keys)}
        (project / "known.json").write_text(json.dumps(legacy))
        again = ccstd("validate", "exports", "--baseline", "known.json", "-q", cwd=project)
        assert again.returncode == 0, (keying, again.stdout)  # version 2: keys without counts


def test_file_keys_of_array_items_with_an_id_survive_an_inserted_record(tmp_path: Path) -> None:
    project = _project(tmp_path)
    broken = [_resident(1, gender="X"), _resident(2, gender="Y")]
    _export(project, "data.json", ["[" + ",".join(broken) + "]"])
    write = ("validate", "exports", "--write-baseline", "known.json", "--baseline-key", "file")
    assert ccstd(*write, cwd=project).returncode == 0
    _export(project, "data.json", ["[" + ",".join([_resident(0), *broken]) + "]"])
    known = ("validate", "exports", "--baseline", "known.json", "-f", "json", "-q")
    run = ccstd(*known, cwd=project)
    assert run.returncode == 0, run.stdout  # the same records, one place later: still known
    # a baseline written before keys left the index out still matches where it was written
    from ccstd.standard.results import BaselineKey, baseline_folder
    from ccstd.standard.runner import RunOptions, validate_paths

    keyer = BaselineKey(baseline_folder(project / "known.json"), "file")
    result = validate_paths([str(project / "exports")], run=RunOptions(baseline_key=keyer))
    earlier = [k for f in result.findings if (k := keyer.earlier(f)) is not None]
    assert len(earlier) == 2
    document = {"version": 3, "key": "file", "fingerprints": dict.fromkeys(earlier, 1)}
    (project / "known.json").write_text(json.dumps(document))
    assert ccstd(*known, cwd=project).returncode == 0


def test_ids_holding_an_id_number_are_keyed_by_content(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for keying in BASELINE_KEYINGS:
        _export(project, "data.ndjson", [_resident("11010519491231002X", gender="X")])
        write = ("validate", "exports", "--write-baseline", "known.json", "--baseline-key", keying)
        assert ccstd(*write, cwd=project).returncode == 0
        assert "11010519491231002X" not in (project / "known.json").read_text()
        known = ("validate", "exports", "--baseline", "known.json", "-f", "json", "-q")
        assert ccstd(*known, cwd=project).returncode == 0, keying
        # another broken record, its id differing only in the ID number: new
        _export(project, "data.ndjson", [_resident("110101199003074477", gender="X")])
        run = ccstd(*known, cwd=project)
        assert run.returncode == 1, keying
        assert json.loads(run.stdout)["summary"]["baselined"] == 0


def test_ids_holding_a_mistyped_id_number_are_keyed_by_content_too(tmp_path: Path) -> None:
    """An ID number with a wrong check digit is still personal (reports black it out): it
    keys by content, so a different broken record under the same id is new."""
    project = _project(tmp_path)
    for keying in BASELINE_KEYINGS:
        _export(project, "data.ndjson", [_resident("320106195208183021", gender="X")])
        write = ("validate", "exports", "--write-baseline", "known.json", "--baseline-key", keying)
        assert ccstd(*write, cwd=project).returncode == 0
        known = ("validate", "exports", "--baseline", "known.json", "-f", "json", "-q")
        assert ccstd(*known, cwd=project).returncode == 0, keying
        _export(project, "data.ndjson", [_resident("320106195208183021", gender="Y")])
        run = ccstd(*known, cwd=project)
        assert run.returncode == 1, keying
        assert json.loads(run.stdout)["summary"]["baselined"] == 0
