"""A resource rejected `conflicting-duplicate` (the same type and id read twice with other
content) stays rejected, with its reason and message, when the rejects are replayed: read alone
it is not seen twice, so its rejects line carries where the first reading was."""

from __future__ import annotations

import json
from pathlib import Path

from ccstd.cli.app import app
from tests.adapters.fhir.test_clinical import KEY, PATIENT, RUNNER, convert, ndjson, rejects
from tests.adapters.fhir.test_free_text_numbers import condition


def test_a_conflicting_duplicate_stays_rejected_on_replay(tmp_path: Path) -> None:
    first, second = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    first.write_text(ndjson(PATIENT, condition("c1", "Asthma")))
    second.write_text(ndjson(condition("c1", "Diabetes")))
    assert convert(tmp_path, first, second).exit_code == 1
    (original,) = rejects(tmp_path)
    assert original["reason"] == "conflicting-duplicate"
    again = tmp_path / "again"
    args = ["convert", "--replay", str(tmp_path / "out" / "rejects.ndjson"), "-q", "--out",
            str(again / "records.ndjson"), "--rejects", str(again / "rejects.ndjson")]  # fmt: skip
    again.mkdir()
    result = RUNNER.invoke(app, args, env={"CCSTD_PSEUDONYM_KEY": KEY})
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    assert (again / "records.ndjson").read_text() == ""
    (replayed,) = [json.loads(x) for x in (again / "rejects.ndjson").read_text().splitlines()]
    assert replayed["reason"] == "conflicting-duplicate"
    assert replayed["message"] == original["message"]


def test_a_tampered_conflict_context_is_not_replayed(tmp_path: Path) -> None:
    first, second = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    first.write_text(ndjson(PATIENT, condition("c1", "Asthma")))
    second.write_text(ndjson(condition("c1", "Diabetes")))
    convert(tmp_path, first, second)
    (line,) = rejects(tmp_path)
    line["context"]["conflictsWith"] = "not a digest"
    tampered = tmp_path / "tampered.ndjson"
    tampered.write_text(json.dumps(line) + "\n")
    out = tmp_path / "r.ndjson"
    args = ["convert", "--replay", str(tampered), "-q", "--out", str(out),
            "--rejects", str(tmp_path / "rr.ndjson")]  # fmt: skip
    result = RUNNER.invoke(app, args, env={"CCSTD_PSEUDONYM_KEY": KEY})
    assert result.exit_code == 1, result.output
    (replayed,) = [json.loads(x) for x in (tmp_path / "rr.ndjson").read_text().splitlines()]
    assert replayed["reason"] == "invalid-replay"
