"""Hostile manifests: paths that leave their folder, endless globs, bombs; hostile names shown."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.conftest import REPO_ROOT
from tests.hostile.harness import Run, ccstd, tree

RECORDS = REPO_ROOT / "examples" / "vendors" / "swift-courier" / "records"
HEAD = """\
[vendor]
name = "Hostile Vendor"
product = "Hostile Product"
[claim]
standard = "1.0.0"
profiles = ["logistics"]
level = "quality"
"""


def vendor(folder: Path, tail: str = '[data]\nrecords = ["records/*.ndjson"]\n') -> Path:
    """A submission in `folder`: the swift-courier records and a manifest ending with `tail`."""
    shutil.copytree(RECORDS, folder / "records")
    (folder / "ccstd-vendor.toml").write_text(HEAD + tail, encoding="utf-8")
    return folder


def refused(folder: Path, *expected: str, manifest: Path | None = None) -> Run:
    """`ccstd certify run` gave up: exit 2, one line naming what is wrong, nothing changed."""
    before = tree(folder)
    run = ccstd("certify", "run", manifest or folder, "--out", folder.parent / "out", timeout=30)
    run.assert_clean_failure(2)
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    for part in expected:
        assert part in run.stderr, run.stderr
    assert tree(folder) == before
    assert not (folder.parent / "out").exists()
    return run


def test_a_record_path_that_climbs_out_is_refused(tmp_path: Path) -> None:
    folder = vendor(tmp_path / "v", '[data]\nrecords = ["../outside/*.ndjson"]\n')
    shutil.copytree(RECORDS, tmp_path / "outside")
    refused(folder, "ccstd-vendor.toml", "[data] records", "climbs out")


def test_an_absolute_record_path_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.ndjson"
    shutil.copy(RECORDS / "orders.ndjson", outside)
    folder = vendor(tmp_path / "v", f'[data]\nrecords = ["{outside}"]\n')
    refused(folder, "[data] records", "absolute")


def test_a_symlinked_record_file_pointing_out_is_refused(tmp_path: Path) -> None:
    shutil.copy(RECORDS / "orders.ndjson", tmp_path / "secret.ndjson")
    folder = vendor(tmp_path / "v")
    (folder / "records" / "link.ndjson").symlink_to(tmp_path / "secret.ndjson")
    refused(folder, "[data] records", "link.ndjson", "leads outside")


def test_a_golden_file_symlinked_out_is_refused(tmp_path: Path) -> None:
    folder = vendor(tmp_path / "v", '[adapter]\nname = "orders-taobao"\nsources = ["records/*"]\n')
    (folder / "golden.ndjson").symlink_to("/etc/passwd")
    manifest = folder / "ccstd-vendor.toml"
    manifest.write_text(manifest.read_text() + 'golden = "golden.ndjson"\n')
    refused(folder, "[adapter] golden", "leads outside")


def test_an_adapter_path_outside_is_refused(tmp_path: Path) -> None:
    tail = '[adapter]\nname = "mine:Mine"\npath = "../code"\nsources = ["records/*"]\n'
    (tmp_path / "code").mkdir()
    refused(vendor(tmp_path / "v", tail), "[adapter] path", "climbs out")


def test_a_glob_does_not_follow_folder_links(tmp_path: Path) -> None:
    shutil.copytree(RECORDS, tmp_path / "elsewhere")
    folder = vendor(tmp_path / "v", '[data]\nrecords = ["linked/**/*.ndjson"]\n')
    (folder / "linked").mkdir()
    (folder / "linked" / "out").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    refused(folder, "[data] records", "matches no file")


def test_two_links_to_the_parent_do_not_grow_a_glob_without_bound(tmp_path: Path) -> None:
    folder = vendor(tmp_path / "v", '[data]\nrecords = ["**/*.ndjson"]\n')
    for name in ("a", "b"):
        (folder / "records" / name).symlink_to("..", target_is_directory=True)
    run = ccstd("certify", "run", folder, "--out", tmp_path / "out", "-q", timeout=60)
    assert not run.traceback and run.exit_code == 1, run.stderr  # swift-courier fails, as built
    inputs = json.loads((tmp_path / "out" / "report.json").read_text())["inputs"]
    assert sorted(i["path"] for i in inputs if i["role"] == "records") == [
        "records/deliveries.ndjson",
        "records/orders.ndjson",
    ]


def test_each_real_file_counts_once(tmp_path: Path) -> None:
    tail = '[data]\nrecords = ["records/*.ndjson", "./records/orders.ndjson", "again.ndjson"]\n'
    folder = vendor(tmp_path / "v", tail)
    os.link(folder / "records" / "orders.ndjson", folder / "again.ndjson")
    run = ccstd("certify", "run", folder, "--out", tmp_path / "out", "-q")
    assert not run.traceback and run.exit_code == 1, run.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert len([i for i in report["inputs"] if i["role"] == "records"]) == 2


def test_a_pattern_matching_too_many_files_is_refused(tmp_path: Path) -> None:
    folder = vendor(tmp_path / "v", '[data]\nrecords = ["many/*.ndjson"]\n')
    (folder / "many").mkdir()
    for number in range(10_001):
        (folder / "many" / f"{number}.ndjson").touch()
    refused(folder, "[data] records", "over 10,000 files")


def test_a_file_name_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    folder = vendor(tmp_path / "v")
    odd = os.fsencode(folder / "records") + b"/\xff\xfe.ndjson"
    shutil.copy(RECORDS / "orders.ndjson", os.fsdecode(odd))
    refused(folder, "[data] records", "not UTF-8")


@pytest.mark.parametrize(
    "nested",
    ["a = " + "[" * 100_000 + "]" * 100_000, "a = " + "{a = " * 100_000 + "}" * 100_000],
    ids=["arrays", "inline-tables"],
)
def test_a_deeply_nested_manifest_is_one_line(tmp_path: Path, nested: str) -> None:
    folder = vendor(tmp_path / "v")
    (folder / "ccstd-vendor.toml").write_text(nested + "\n" + HEAD, encoding="utf-8")
    refused(folder, "ccstd-vendor.toml", "not valid TOML")


def test_a_manifest_over_one_mib_is_refused(tmp_path: Path) -> None:
    folder = vendor(tmp_path / "v")
    (folder / "ccstd-vendor.toml").write_text(HEAD + "# padding\n" * 200_000, encoding="utf-8")
    refused(folder, "ccstd-vendor.toml", "larger than 1,048,576 bytes")


def test_a_manifest_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    folder = vendor(tmp_path / "v")
    (folder / "ccstd-vendor.toml").write_bytes(HEAD.encode("utf-8") + b'x = "\xff\xfe"\n')
    refused(folder, "ccstd-vendor.toml", "not UTF-8")


def test_a_huge_integer_in_the_manifest_is_one_line(tmp_path: Path) -> None:
    folder = vendor(tmp_path / "v")
    (folder / "ccstd-vendor.toml").write_text(f"x = {'9' * 5000}\n" + HEAD, encoding="utf-8")
    refused(folder, "ccstd-vendor.toml", "not valid TOML")


def test_a_manifest_that_is_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    folder = vendor(tmp_path / "v")
    (folder / "ccstd-vendor.toml").unlink()
    os.mkfifo(folder / "ccstd-vendor.toml")
    refused(folder, "ccstd-vendor.toml", "not a regular file")


def test_a_manifest_that_is_a_device_is_refused(tmp_path: Path) -> None:
    folder = vendor(tmp_path / "v")
    refused(folder, "/dev/zero", "not a regular file", manifest=Path("/dev/zero"))


HOSTILE = "[red]X[/] <script>alert(1)</script> **b** | \\u001b[2J\\u0007 \\u202eevil"


def test_hostile_names_are_shown_as_text_in_every_report_and_on_the_terminal(
    tmp_path: Path,
) -> None:
    folder = vendor(tmp_path / "v", '[data]\nrecords = ["records/*"]\n')
    manifest = folder / "ccstd-vendor.toml"
    text = manifest.read_text().replace('"Hostile Vendor"', f'"{HOSTILE}"')
    manifest.write_text(text.replace('"Hostile Product"', '"</style><b>P</b>\\u0001"'))
    record = {"id": "</style><script>alert(2)</script>\x07", "type": "Delivery"}
    (folder / "records" / "a<script>\x01.ndjson").write_text(json.dumps(record) + "\n")
    run = ccstd("certify", "run", folder, "--out", tmp_path / "out")
    assert not run.traceback and run.exit_code == 1, run.stderr
    assert "[red]X[/] <script>" in run.stderr  # markup printed as written
    assert not {"\x1b", "\x07", "\x01", "\u202e"} & set(run.stderr)
    out = tmp_path / "out"
    ElementTree.parse(out / "junit.xml")  # well-formed despite the control characters
    json.loads((out / "sarif.json").read_bytes())
    json.loads((out / "report.json").read_bytes())
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "</style><b>" not in page and "<b>P" not in page
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert r"**\[red\]X\[\/\] \<script\>alert\(1\)\<\/script\> \*\*b\*\* \|" in summary
    assert not {"\x1b", "\x07", "\x01"} & set(summary)


def test_a_quoted_claim_cannot_break_the_error_line(tmp_path: Path) -> None:
    folder = vendor(tmp_path / "v")
    manifest = folder / "ccstd-vendor.toml"
    manifest.write_text(manifest.read_text().replace('"1.0.0"', '"1.0.0\\n\\u001b[2Jevil"'))
    run = refused(folder, "[claim] standard", r"\x1b[2Jevil")
    assert "\x1b" not in run.stderr


@pytest.fixture(scope="module")
def deep(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A submission whose folder holds a/a/…/a 1,500 deep (past Python's recursion limit),
    with orders at depth 30; removed bottom up (shutil.rmtree would recurse that deep).
    Built once for the module (seconds to make and remove); each test writes its manifest."""
    folder = vendor(tmp_path_factory.mktemp("deep") / "v")
    levels = [folder]
    try:
        for _ in range(1500):
            levels.append(levels[-1] / "a")
            levels[-1].mkdir()
        shutil.copy(RECORDS / "orders.ndjson", levels[30] / "orders.ndjson")
        yield folder
    finally:
        (levels[min(30, len(levels) - 1)] / "orders.ndjson").unlink(missing_ok=True)
        for level in reversed(levels[1:]):
            level.rmdir()


@pytest.mark.parametrize(
    "pattern", ["**/" * 40 + "*.ndjson", "**/a/" * 30 + "*.ndjson"], ids=["stars", "interleaved"]
)
def test_a_glob_over_a_deep_tree_costs_folders_not_combinations(
    deep: Path, tmp_path: Path, pattern: str
) -> None:
    (deep / "ccstd-vendor.toml").write_text(HEAD + f'[data]\nrecords = ["{pattern}"]\n')
    run = ccstd("certify", "run", deep, "--out", tmp_path / "out", "-q", timeout=60)
    assert not run.traceback and run.exit_code in (0, 1), run.stderr
    assert run.seconds < 45  # combinations of 30-40 `**` would take hours; folders take seconds
