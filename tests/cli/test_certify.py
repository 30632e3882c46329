"""`ccstd certify` end to end on the example vendors: verdicts, reports, certificates."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app, main
from ccstd.standard.registry import StandardRegistry
from tests.conftest import REPO_ROOT, proves

RUNNER = CliRunner()
VENDORS = REPO_ROOT / "examples" / "vendors"
REPORTS = {"report.json", "report.html", "junit.xml", "sarif.json", "summary.md", "badge.svg"}


def copy_vendors(target: Path) -> Path:
    """A copy of the example vendors (their reports are written beside their manifests)."""
    shutil.copytree(VENDORS, target, ignore=shutil.ignore_patterns("certify-report"))
    return target


@pytest.fixture(scope="module")
def vendors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_vendors(tmp_path_factory.mktemp("vendors") / "vendors")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keys")
    assert RUNNER.invoke(app, ["certify", "keygen", "--out", str(folder)]).exit_code == 0
    return folder


@pytest.fixture(scope="module")
def certified(
    tmp_path_factory: pytest.TempPathFactory, keys: Path, vendors: Path
) -> dict[str, Path]:
    """Each example vendor certified once (through `main`, as `ccstd certify MANIFEST`)."""
    out = tmp_path_factory.mktemp("certified")
    folders = {}
    for vendor in ("linli-market", "swift-courier", "leaky-gate"):
        folders[vendor] = out / vendor
        args = [str(vendors / vendor), "--out", str(out / vendor), "-q"]
        args += ["--signing-key", str(keys / "certify-signing.pem")]
        result = RUNNER.invoke(app, ["certify", "run", *args])
        assert result.exit_code == (0 if vendor == "linli-market" else 1), result.output
    return folders


def report(folder: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


def test_the_three_example_vendors_get_the_verdicts_they_were_built_for(
    certified: dict[str, Path],
) -> None:
    passing, semantic, leaky = (report(certified[v]) for v in certified)
    assert (passing["verdict"], passing["levelReached"]) == ("pass", "adapter")
    assert (semantic["verdict"], semantic["levelReached"]) == ("fail", "schema")
    assert set(semantic["summary"]["byRule"]) == {
        "illegal-status-transition",
        "time-not-monotonic",
        "status-contradicts-history",
        "duplicate-id",
        "unresolved-reference",
    }
    assert (leaky["verdict"], leaky["levelReached"]) == ("fail", "semantic")
    assert set(leaky["summary"]["byRule"]) == {"raw-identifier-leak", "resident-id-number-as-id"}
    for folder in certified.values():
        assert {p.name for p in folder.iterdir()} >= REPORTS
    assert (certified["linli-market"] / "certificate.json").exists()
    assert not (certified["leaky-gate"] / "certificate.json").exists()


def test_reports_never_show_the_leaked_identifiers(certified: dict[str, Path]) -> None:
    csv = (VENDORS / "leaky-gate" / "sources" / "gate-events.csv").read_text().splitlines()
    numbers = {line.split(",")[2] for line in csv[1:]}
    for path in certified["leaky-gate"].iterdir():
        text = path.read_text(encoding="utf-8")
        assert not any(n in text for n in numbers), path.name


def test_certificate_round_trip_and_a_changed_byte(
    certified: dict[str, Path], keys: Path, tmp_path: Path
) -> None:
    vendor = copy_vendors(tmp_path / "vendors")
    certificate = str(certified["linli-market"] / "certificate.json")
    public = ["--public-key", str(keys / "certify-signing.pub.pem")]
    inputs = ["--inputs", str(vendor / "linli-market")]
    ok = RUNNER.invoke(app, ["certify", "verify", certificate, *public, *inputs])
    assert ok.exit_code == 0 and "valid" in ok.stdout, ok.output
    source = vendor / "linli-market" / "sources" / "taobao-trades.ndjson"
    data = bytearray(source.read_bytes())
    data[100] ^= 1
    source.write_bytes(bytes(data))
    changed = RUNNER.invoke(app, ["certify", "verify", certificate, *public, *inputs])
    assert changed.exit_code == 1 and "taobao-trades.ndjson: changed" in changed.stderr


def test_a_forged_certificate_fails_verification(
    certified: dict[str, Path], keys: Path, tmp_path: Path
) -> None:
    document = json.loads((certified["linli-market"] / "certificate.json").read_text())
    document["certificate"]["profiles"].append("health")
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    public = ["--public-key", str(keys / "certify-signing.pub.pem")]
    result = RUNNER.invoke(app, ["certify", "verify", str(forged), *public])
    assert result.exit_code == 1 and "signature does not match" in result.stderr


def test_certify_manifest_is_short_for_certify_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["ccstd", "certify", str(VENDORS / "swift-courier"), "--out", str(tmp_path), "-q"]
    monkeypatch.setattr("sys.argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    assert report(tmp_path)["verdict"] == "fail"


def test_a_bad_manifest_is_one_line_and_exit_2(tmp_path: Path) -> None:
    manifest = tmp_path / "ccstd-vendor.toml"
    manifest.write_text(
        '[vendor]\nname = "X"\nproduct = "Y"\n[claim]\nstandard = "1.0.0"\n'
        'profiles = ["cooking"]\n[data]\nrecords = ["*.ndjson"]\n'
    )
    result = RUNNER.invoke(app, ["certify", "run", str(manifest)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert re.search(r"\[claim\] profiles: unknown cooking", result.stderr)
    manifest.write_text("not = [toml")
    assert RUNNER.invoke(app, ["certify", "run", str(manifest)]).exit_code == 2


def test_init_writes_a_template_and_never_overwrites(tmp_path: Path) -> None:
    assert RUNNER.invoke(app, ["certify", "init", str(tmp_path)]).exit_code == 0
    template = tomllib.loads((tmp_path / "ccstd-vendor.toml").read_text(encoding="utf-8"))
    latest = StandardRegistry().latest()
    assert template["claim"]["standard"] == latest and template["claim"]["profiles"]
    again = RUNNER.invoke(app, ["certify", "init", str(tmp_path)])
    assert again.exit_code == 2 and "exists" in again.stderr


def test_fail_on_warning_and_a_baseline(
    certified: dict[str, Path], vendors: Path, tmp_path: Path
) -> None:
    passing = vendors / "linli-market"
    strict = RUNNER.invoke(
        app, ["certify", "run", str(passing), "--out", str(tmp_path), "-q", "--fail-on", "warning"]
    )
    assert strict.exit_code == 1  # the expected-field-coverage warning
    assert not (tmp_path / "certificate.json").exists()
    baseline = ["--baseline", str(certified["linli-market"] / "report.json")]
    accepted = RUNNER.invoke(
        app,
        [
            "certify",
            "run",
            str(passing),
            "--out",
            str(tmp_path),
            "-q",
            "--fail-on",
            "warning",
            *baseline,
        ],
    )
    assert accepted.exit_code == 0 and report(tmp_path)["summary"]["baselined"] == 2


@pytest.mark.browser
def test_the_html_report_in_a_real_browser(certified: dict[str, Path]) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian chromium is needed: `make test` and .ci/run install it"
    for vendor, folder in certified.items():
        dom = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--dump-dom",
                (folder / "report.html").as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        expected = report(folder)
        verdict = re.search(r'id="verdict">(\w+)<', dom)
        shown = re.search(r'id="shown-count">(\d+)<', dom)
        assert verdict and verdict.group(1) == expected["verdict"].upper(), vendor
        assert shown, f"{vendor}: the page's script did not run"
        assert int(shown.group(1)) == len(expected["findings"]), vendor


@proves("samples-not-converted")
@pytest.mark.parametrize(
    "first_line",
    [
        'return Rejected("unknown-result", "nope", "result")',  # every sample rejected
        'return Converted(({"id": "x", "type": "AccessEvent"},))',  # every item invalid-output
    ],
)
def test_samples_that_give_no_record_fail_the_adapter_level(
    tmp_path: Path, keys: Path, first_line: str
) -> None:
    vendor = shutil.copytree(VENDORS / "leaky-gate", tmp_path / "vendor")
    code = vendor / "adapter" / "leaky_gate.py"
    text = code.read_text(encoding="utf-8")
    head = "        row = item.value\n"
    code.write_text(text.replace(head, f"        {first_line}\n{head}", 1), encoding="utf-8")
    out = tmp_path / "out"
    args = [str(vendor / "ccstd-vendor.toml"), "--out", str(out), "-q"]
    args += ["--signing-key", str(keys / "certify-signing.pem")]
    result = RUNNER.invoke(app, ["certify", "run", *args])
    assert result.exit_code == 1, result.output
    assert "samples-not-converted" in report(out)["summary"]["byRule"]
    assert report(out)["levelReached"] != "adapter"
    assert not (out / "certificate.json").exists()


@proves("samples-not-converted")
def test_every_sample_file_must_give_a_record(tmp_path: Path) -> None:
    """One sample that converts does not carry others that convert nothing: each such file is
    named by its own finding, and the adapter level is not reached."""
    vendor = shutil.copytree(VENDORS / "linli-market", tmp_path / "vendor")
    manifest = vendor / "ccstd-vendor.toml"
    text = manifest.read_text(encoding="utf-8").replace(
        'golden = "golden/taobao-trades.ndjson"', ""
    )
    sources = '"sources/taobao-trades.ndjson", "sources/closed.ndjson", "sources/notes.txt"'
    manifest.write_text(text.replace('"sources/taobao-trades.ndjson"', sources), encoding="utf-8")
    (vendor / "sources" / "closed.ndjson").write_text('{"tid": ""}\n{"status": 1}\n', "utf-8")
    (vendor / "sources" / "notes.txt").write_text("not a trade export\n", encoding="utf-8")
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["certify", "run", str(manifest), "--out", str(out), "-q"])
    assert result.exit_code == 1, result.output
    found = [f for f in report(out)["findings"] if f["code"] == "samples-not-converted"]
    assert sorted(f["file"] for f in found) == [
        "sources/closed.ndjson",
        "sources/notes.txt",
    ]
    assert report(out)["levelReached"] != "adapter"
    manifest.write_text(text, encoding="utf-8")  # the one sample that converts: the level holds
    assert (
        RUNNER.invoke(app, ["certify", "run", str(manifest), "--out", str(out), "-q"]).exit_code
        == 0
    )
    assert report(out)["levelReached"] == "adapter"
