"""A third-party adapter, installed as its own distribution, is found through the entry point."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PLUGIN = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "ccstd-plugin-parcel-csv"
        version = "1.0.0"

        [project.entry-points."ccstd.adapters"]
        parcel-csv = "parcel_csv:ParcelCsv"
    """,
    "parcel_csv.py": '''
        """A vendor's own adapter: one delivery per CSV line (carrier,tracking,status,time)."""
        import hashlib
        from ccstd.adapters.base import Adapter, Converted, Rejected, SourceItem


        class ParcelCsv(Adapter):
            name, version, formats = "parcel-csv", "1.0.0", ("Parcel CSV",)

            def sniff(self, sample, filename):
                return 0.9 if filename.endswith(".csv") else 0.0

            def mapping_digest(self):
                return "sha256:" + hashlib.sha256(b"parcel-csv 1").hexdigest()

            def items(self, path, context):
                for number, line in enumerate(path.read_bytes().splitlines(), 1):
                    yield SourceItem(str(path), f"line {number}", line, line.decode(), line=number)

            def convert(self, item, context):
                fields = item.value.split(",")
                if len(fields) != 4:
                    return Rejected("wrong-field-count", f"{len(fields)} fields, expected 4")
                carrier, tracking, status, at = fields
                return Converted(({
                    "id": f"dlv-{tracking}", "type": "Delivery", "standardVersion": "1.0.0",
                    "meta": {"sourceSystem": "parcel-csv"}, "carrier": {"name": carrier},
                    "trackingNumber": tracking, "status": status,
                    "timeline": [{"status": status, "at": at}],
                },))
    ''',
}


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("plugin-src")
    for name, text in PLUGIN.items():
        (source / name).write_text(textwrap.dedent(text))
    site = tmp_path_factory.mktemp("plugin-site")
    offline = ["--no-deps", "--no-build-isolation", "--no-index"]
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "-q",
        *offline,
        "--target",
        str(site),
        str(source),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return site


def ccstd(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "ccstd.cli", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=env, check=False
    )


def test_installed_plugin_is_listed_beside_the_built_ins(plugin_site: Path) -> None:
    listing = ccstd(plugin_site, "adapters", "list")
    assert listing.returncode == 0
    assert "parcel-csv" in listing.stdout and "fhir-r4" in listing.stdout


def test_plugin_converts_through_the_cli_and_counts_add_up(
    plugin_site: Path, tmp_path: Path
) -> None:
    source = tmp_path / "parcels.csv"
    source.write_text("SF,SF100,delivered,2024-05-02T10:00:00+08:00\nbroken line\n")
    out = tmp_path / "out.ndjson"
    rejects = tmp_path / "rejects.ndjson"
    done = ccstd(plugin_site, "convert", str(source), "--out", str(out), "--rejects", str(rejects),
                 "--raw-identifiers", "-q")  # fmt: skip
    assert done.returncode == 1, done.stderr  # one line rejected
    [record] = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["meta"]["adapter"]["name"] == "parcel-csv"
    validated = ccstd(plugin_site, "validate", str(out), "-q")
    assert validated.returncode == 0, validated.stdout


def test_a_1_0_0_record_names_its_source_by_digest_in_meta_source_file(
    plugin_site: Path, tmp_path: Path
) -> None:
    """Standard 1.0.0 has no `meta.source.fileSha256`: the digest and label stay in `file`."""
    source = tmp_path / "Wang_Fang_parcels.csv"
    source.write_text("SF,SF100,delivered,2024-05-02T10:00:00+08:00\n")
    out = tmp_path / "out.ndjson"
    done = ccstd(plugin_site, "convert", str(source), "--out", str(out), "--source-label", "depot",
                 "--raw-identifiers", "-q")  # fmt: skip
    assert done.returncode == 0, done.stderr
    [record] = [json.loads(line) for line in out.read_text().splitlines()]
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert record["meta"]["source"]["file"] == f"depot sha256:{digest}"
    assert "fileSha256" not in record["meta"]["source"] and "Wang" not in out.read_text()
