"""Runs the interop tools (tests/interop/package-lock.json) over the standard, batched.

`node interop.mjs` gets every version's source schemas, bundles and cases in one job file; `tsc`
and Sourcemeta's `jsonschema` run once each over all files. ccstd's verdicts come from its own
validator (jsonschema-rs); the standard's domain formats, which no tool outside ccstd implements,
are handed to ajv as ccstd's verdict for each string the cases contain.
"""

from __future__ import annotations

import copy
import functools
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ccstd.standard.checker import build_plan
from ccstd.standard.formats import DOMAIN_FORMATS
from ccstd.standard.publishing.artefacts import vocabulary
from ccstd.standard.publishing.bundling import bundle_entity
from ccstd.standard.registry import StandardRegistry
from tests.conftest import REPO_ROOT, load_examples

HERE = Path(__file__).resolve().parent
BIN = HERE / "node_modules" / ".bin"
REGISTRY = StandardRegistry()
VERSIONS = REGISTRY.versions(include_draft=True)

# ajv's strict mode, with the two lint rules that draft 2020-12 schemas built from `$ref`ed parts
# cannot meet: `strictRequired` wants every required name in a sibling `properties` (ours come
# from EntityBase through `$ref`), `strictTypes` wants `type` beside every applicator.
AJV_STRICT = {"strict": True, "strictRequired": False, "strictTypes": False}


class NodeMissingError(RuntimeError):
    """Node.js is not installed and could not be installed."""


def ensure_tools() -> None:
    """Node and the pinned tools, installed as `make test` does; else NodeMissingError."""
    script = REPO_ROOT / "scripts" / "ensure_node_deps.sh"
    done = subprocess.run(
        ["bash", str(script)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if shutil.which("node") is None:
        raise NodeMissingError(
            f"node is absent and could not be installed: {done.stderr.strip()[-300:]}"
        )
    if done.returncode != 0:
        raise RuntimeError(f"{script} failed: {done.stderr.strip()[-2000:]}")


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)


@dataclass(frozen=True)
class Case:
    """A record, the entity it is checked as, ccstd's verdict, whether it is a shipped example."""

    id: str
    entity: str
    record: Any
    valid: bool
    example: bool


def cases(version: str) -> list[Case]:
    """Every example of a version, and each valid one with each top-level member dropped."""
    standard = REGISTRY.get(version)
    validators = {e: build_plan(standard, e).validator for e in standard.entities}
    found = []
    for example in load_examples(version):
        entity = example.path.parent.name
        variants = [(example.id, example.record, True)]
        if example.expected_code is None and isinstance(example.record, dict):
            for member in example.record:
                dropped = copy.deepcopy(example.record)
                del dropped[member]
                variants.append((f"{example.id} without {member}", dropped, False))
        for case_id, record, shipped in variants:
            valid = validators[entity].is_valid(record)
            found.append(Case(case_id, entity, record, valid, shipped))
    return found


def job(ts_dir: Path) -> dict[str, Any]:
    """The job file of interop.mjs: every version's sources, bundles and cases, the formats."""
    versions: dict[str, Any] = {}
    strings: set[str] = set()
    for version in VERSIONS:
        standard = REGISTRY.get(version)
        version_cases = cases(version)
        for case in version_cases:
            strings.update(_strings(case.record))
        versions[version] = {
            "sources": dict(standard.documents),
            "entities": dict(standard.entity_ids),
            "bundles": {e: bundle_entity(standard, e) for e in standard.entities},
            "cases": [case.__dict__ for case in version_cases],
        }
    formats = {
        name: {s: check(s) for s in sorted(strings)} for name, check in DOMAIN_FORMATS.items()
    }
    return {
        "versions": versions,
        "formats": formats,
        "vocabulary": vocabulary(),
        "strict": AJV_STRICT,
        "canary": canary(),
        "tsDir": str(ts_dir),
    }


def canary() -> dict[str, Any]:
    """A schema of the latest release with a misspelt keyword deep inside (must be refused)."""
    standard = REGISTRY.get(REGISTRY.latest())
    schema = copy.deepcopy(standard.entity_schema("Resident"))
    schema["properties"]["name"]["x-ccstd-titel-zh"] = "姓名"
    return schema


def run(command: list[str], cwd: Path = HERE) -> subprocess.CompletedProcess[str]:
    """A tool's run, its output captured (never raises on the tool's exit code)."""
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


@functools.cache
def node_report(work: Path) -> dict[str, Any]:
    """The report of one `node interop.mjs` over every version."""
    job_file = work / "job.json"
    job_file.write_bytes(orjson.dumps(job(work / "ts")))
    done = run(["node", str(HERE / "interop.mjs"), str(job_file)])
    if done.returncode != 0:
        raise RuntimeError(f"interop.mjs failed: {done.stderr[-3000:]}")
    report: dict[str, Any] = orjson.loads(done.stdout)
    return report
