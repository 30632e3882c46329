"""The adapter level, through vendor adapters written for the purpose (real code, by path)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import orjson
import pytest

from ccstd.adapters import runner
from ccstd.adapters.runner import CountMismatchError
from ccstd.conformance.manifest import ManifestError
from ccstd.standard.rules import Level
from tests.conformance.conftest import Submit, codes
from tests.conftest import proves

VENDOR_ADAPTERS = '''
"""Adapters that each get one thing wrong."""
import hashlib
import itertools
import json
from ccstd.adapters.base import Adapter, Converted, Rejected, SourceItem
from ccstd.adapters.ledger import Coverage

_COUNTER = itertools.count()


def community(key):
    return {
        "id": f"comm-{key}", "type": "Community", "standardVersion": "1.0.0",
        "meta": {"sourceSystem": "test"}, "name": "联洋社区", "divisionCode": "310115",
    }


class Careful(Adapter):
    """One community per JSON line; rejects what is not a JSON object with a name."""
    name, version, formats = "careful", "1.0", ("test lines",)

    def sniff(self, sample, filename):
        return 0.0

    def items(self, path, context):
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            try:
                value = json.loads(line)
            except (ValueError, RecursionError) as exc:
                yield SourceItem(str(path), f"line {number}", line, problem=type(exc).__name__)
                continue
            yield SourceItem(str(path), f"line {number}", line, value, line=number)

    def convert(self, item, context):
        if not isinstance(item.value, dict) or "name" not in item.value:
            return Rejected("no-name", "the line names no community")
        return Converted((community(item.value["name"]),))

    def coverage(self):
        return {self.name: Coverage(mapped=frozenset({"name"}))}

    def mapping_digest(self):
        return "sha256:" + hashlib.sha256(b"careful").hexdigest()


class Gullible(Careful):
    """Makes a record of anything, hostile input included."""
    def items(self, path, context):
        yield SourceItem(str(path), "file", path.read_bytes()[:64], {"name": path.stem})


class Crashing(Careful):
    def items(self, path, context):
        raise RuntimeError("boom")


class Clocked(Careful):
    """Numbers its records with a process-wide counter: two runs differ."""
    def convert(self, item, context):
        return Converted((community(f"{item.value['name']}-{next(_COUNTER)}"),))


class Unmapped(Careful):
    def coverage(self):
        return {}
'''


@pytest.fixture
def vendor_code(tmp_path: Path) -> Path:
    folder = tmp_path / "adapter"
    folder.mkdir()
    (folder / "vendor_adapters.py").write_text(textwrap.dedent(VENDOR_ADAPTERS), encoding="utf-8")
    (tmp_path / "sources.ndjson").write_text('{"name": "a"}\n{"name": "b"}\nnot json\n')
    return folder


def adapter_section(cls: str, golden: str = "") -> str:
    extra = f'golden = "{golden}"\n' if golden else ""
    return (
        f'[adapter]\nname = "vendor_adapters:{cls}"\npath = "adapter"\n'
        f'sources = ["sources.ndjson"]\n{extra}'
    )


def run(submit: Submit, cls: str, golden: str = "") -> set[str]:
    return codes(submit(None, ("governance",), "adapter", adapter_section(cls, golden)))


@proves("sample-items-rejected")
def test_a_careful_adapter_passes_the_adapter_level(submit: Submit, vendor_code: Path) -> None:
    result = submit(None, ("governance",), "adapter", adapter_section("Careful"))
    assert result.passed and result.level_reached is Level.ADAPTER, result.by_rule
    assert codes(result) == {"sample-items-rejected"}  # the "not json" line
    assert result.adapter is not None and result.adapter["rejected"] == 1


@proves("hostile-input-accepted")
def test_an_adapter_that_converts_hostile_input_fails(submit: Submit, vendor_code: Path) -> None:
    assert "hostile-input-accepted" in run(submit, "Gullible")


@proves("adapter-crashed")
def test_an_adapter_that_raises_fails(submit: Submit, vendor_code: Path) -> None:
    assert "adapter-crashed" in run(submit, "Crashing")


@proves("nondeterministic-output")
def test_output_must_not_change_between_runs(submit: Submit, vendor_code: Path) -> None:
    assert "nondeterministic-output" in run(submit, "Clocked")


@proves("unknown-field-share")
def test_source_fields_the_mapping_does_not_know(submit: Submit, vendor_code: Path) -> None:
    assert "unknown-field-share" in run(submit, "Unmapped")


@proves("adapter-unavailable")
def test_an_adapter_that_cannot_be_loaded(submit: Submit, vendor_code: Path) -> None:
    assert "adapter-unavailable" in run(submit, "Missing")


@proves("golden-record-mismatch", "golden-count-mismatch")
def test_golden_records_must_be_reproduced(
    submit: Submit, vendor_code: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from ccstd.cli.app import app

    submit(None, ("governance",), "adapter", adapter_section("Careful"))
    with (tmp_path / "ccstd-vendor.toml").open("a") as manifest:
        manifest.write('golden = "golden.ndjson"\n')
    written = CliRunner().invoke(app, ["certify", "golden", str(tmp_path)])
    assert written.exit_code == 0, written.output
    assert run(submit, "Careful", "golden.ndjson") == {"sample-items-rejected"}
    golden = tmp_path / "golden.ndjson"
    records = [orjson.loads(line) for line in golden.read_bytes().splitlines()]
    records[1]["name"] = "改过的名字"
    golden.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in [*records, records[0]]))
    result = submit(None, ("governance",), "adapter", adapter_section("Careful", "golden.ndjson"))
    mismatch = [a.finding for a in result.findings if a.finding.code == "golden-record-mismatch"]
    assert [(f.location.line, f.location.pointer) for f in mismatch] == [(2, "/name")]
    assert "golden-count-mismatch" in codes(result)


@proves("adapter-counts-mismatch")
def test_counts_that_do_not_add_up(
    submit: Submit, vendor_code: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: runner.ConversionReport) -> None:
        raise CountMismatchError("read 3 != converted 2 + skipped 0 + rejected 0")

    monkeypatch.setattr(runner.ConversionReport, "check", broken)
    assert "adapter-counts-mismatch" in run(submit, "Careful")


def test_a_golden_file_that_is_not_ndjson_stops_the_run(
    submit: Submit, vendor_code: Path, tmp_path: Path
) -> None:
    (tmp_path / "golden.ndjson").write_text("not json\n")
    with pytest.raises(ManifestError, match="golden file is not NDJSON"):
        submit(None, ("governance",), "adapter", adapter_section("Careful", "golden.ndjson"))
