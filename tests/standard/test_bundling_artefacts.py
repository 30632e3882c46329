"""Release artefacts: sources at their `$id` paths, examples, vocabulary, checksums; the docs
site serving every `$id`; the same bytes whatever directory the release is built from."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import pytest

from ccstd.standard.publishing import artefacts, releases
from ccstd.standard.publishing.release import release
from ccstd.standard.registry import SCHEMAS_ROOT, StandardRegistry
from tests.conftest import REPO_ROOT

REGISTRY = StandardRegistry()
LATEST = REGISTRY.latest()
CCSTD = Path(sys.executable).parent / "ccstd"
HOSTILE_PYPROJECT = """\
[project]
name = "someone-else"
[tool.ruff]
line-length = 20
[tool.black]
line-length = 20
skip-string-normalization = true
[tool.isort]
line_length = 20
known_first_party = ["pydantic", "typing"]
[tool.datamodel-codegen]
builtin-format-line-length = 20
use-double-quotes = false
"""


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The artefacts of the latest release, rebuilt in-process from the repository root."""
    return _tree(release(LATEST, dist=tmp_path_factory.mktemp("dist")).artifacts)


def test_sources_are_published_byte_for_byte_at_their_id_paths(built: dict[str, bytes]) -> None:
    locked = releases.load_lock()[LATEST]
    sources = {n: d for n, d in built.items() if n.startswith("sources/")}
    schemas = {n: d for n, d in sources.items() if "/vocabulary/" not in n}
    assert len(schemas) == len(REGISTRY.get(LATEST).documents)
    for name, data in schemas.items():
        uri = orjson.loads(data)["$id"]
        assert urlsplit(uri).path == name.removeprefix("sources"), name
        released = f"schemas/{LATEST}/" + name.split(f"/{LATEST}/", 1)[1]
        assert hashlib.sha256(data).hexdigest() == locked[released], name
    vocabulary = artefacts.id_path(artefacts.vocabulary()["$id"])
    assert sources[f"sources/{vocabulary}"] == artefacts.VOCABULARY.read_bytes()


def test_examples_are_published_as_released(built: dict[str, bytes]) -> None:
    locked = releases.load_lock()[LATEST]
    examples = {n: d for n, d in built.items() if n.startswith("examples/")}
    wanted = {p for p in locked if p.startswith(f"examples/{LATEST}/")}
    assert {f"examples/{LATEST}/" + n.removeprefix("examples/") for n in examples} == wanted
    for name, data in examples.items():
        path = f"examples/{LATEST}/" + name.removeprefix("examples/")
        assert hashlib.sha256(data).hexdigest() == locked[path]


def test_checksums_cover_every_other_file(built: dict[str, bytes], tmp_path: Path) -> None:
    lines = built["SHA256SUMS"].decode("ascii").splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    assert set(listed) == set(built) - {"SHA256SUMS"}
    assert {"index.json", "CHANGELOG.md"} <= set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256(built[name]).hexdigest() == digest, name
    if shutil.which("sha256sum"):  # the tool a downloader runs
        for name, data in built.items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_bytes(data)
        check = subprocess.run(
            ["sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stdout + check.stderr


def test_an_unsafe_id_is_not_published() -> None:
    for uri in (
        "https://ccstd.org/schemas/../../etc/passwd.json",
        "http://ccstd.org/schemas/1.1.0/a.json",
        "https://ccstd.org/schemas/1.1.0/a.json#x",
        "https://ccstd.org/schemas/1.1.0/a",
        "https://ccstd.org/schemas//1.1.0/a.json",
        "https://ccstd.org/schemas/./1.1.0/a.json",
        "urn:ccstd:a.json",
    ):
        with pytest.raises(ValueError, match="not a publishable"):
            artefacts.id_path(uri)


def test_the_docs_site_serves_every_schema_at_its_id_path(tmp_path: Path) -> None:
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPO_ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    documents = [artefacts.VOCABULARY]
    for version in REGISTRY.versions(include_draft=True):
        documents += sorted((SCHEMAS_ROOT / version).rglob("*.json"))
    for path in documents:
        uri = orjson.loads(path.read_bytes())["$id"]
        assert urlsplit(uri).netloc == "ccstd.org"
        served = site / urlsplit(uri).path.lstrip("/")
        assert served.is_file(), f"{uri} is not served"
        assert served.read_bytes() == path.read_bytes(), uri


def test_a_release_is_the_same_bytes_from_a_directory_with_a_hostile_pyproject(
    built: dict[str, bytes], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text(HOSTILE_PYPROJECT, encoding="utf-8")
    (elsewhere / ".isort.cfg").write_text("[settings]\nline_length = 20\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    made = subprocess.run(
        [str(CCSTD), "release", LATEST, "--dist", "out"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert _tree(elsewhere / "out" / f"standard-{LATEST}") == built


def test_a_draft_whose_artefacts_cannot_be_built_is_refused_before_it_is_frozen(
    tmp_path: Path,
) -> None:
    root = tmp_path / "standard"
    for tree in ("schemas", "examples"):  # the released versions, not a draft in progress
        ignore = shutil.ignore_patterns("draft")
        shutil.copytree(releases.PACKAGE_ROOT / tree, root / tree, ignore=ignore)
    shutil.copyfile(releases.LOCK_FILE, root / "releases.lock.json")
    assert run_cli(["release", "--new-draft", "--root", str(root)]).returncode == 0
    draft = root / "schemas" / "draft"
    shutil.copyfile(draft / "codelists" / "gender.json", draft / "codelists" / "gender-copy.json")
    refused = run_cli(["release", "9.0.0", "--root", str(root), "--dist", str(tmp_path / "d")])
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert "the draft cannot be published" in refused.stderr
    assert "gender-copy.json" in refused.stderr and "gender.json" in refused.stderr
    assert draft.is_dir() and not (tmp_path / "d").exists()


def run_cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CCSTD), *args], capture_output=True, text=True, check=False)
