"""A Bundle too large to parse whole is read twice with ijson, one entry at a time: the items and
the Bundle facts (fullUrls, shared fullUrls) are exactly those of reading it whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccstd.adapters.base import SourceContext
from ccstd.adapters.fhir import FhirAdapter
from tests.adapters.fhir import ACCEPTANCE
from tests.conftest import REPO_ROOT

PATIENT = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Wang"}]}
ENCOUNTER = {"resourceType": "Encounter", "id": "e1", "status": "finished",
             "class": {"code": "AMB"}, "subject": {"reference": "urn:uuid:1"}}  # fmt: skip
HOSTILE = {
    "shared-full-url": [{"fullUrl": "urn:uuid:1", "resource": PATIENT},
                        {"fullUrl": "urn:uuid:2", "resource": ENCOUNTER},
                        {"fullUrl": "urn:uuid:1", "resource": {**PATIENT, "id": "p2"}}],
    "bad-entries": [1, None, [PATIENT], {"fullUrl": 7, "resource": PATIENT}, {"fullUrl": "u"},
                    {"resource": "x"}, {"fullUrl": "urn:uuid:3", "resource": {"id": 5}},
                    {"fullUrl": "urn:uuid:4", "resource": {"resourceType": "Patient"}},
                    {"fullUrl": "urn:uuid:5", "resource": PATIENT, "resource.id": "z"},
                    {"fullUrl": "urn:uuid:6", "resource": PATIENT, "fullUrl.x": {"a": [1.5]}}],
    "deep": [{"fullUrl": "urn:uuid:1",
              "resource": {**PATIENT, "extension": json.loads("[" * 150 + "]" * 150)}}],
}  # fmt: skip
SAMPLES = [REPO_ROOT / "examples/vendors/fhir/clinic-export.json",
           *sorted((ACCEPTANCE / "fhir").glob("*.json"))]  # fmt: skip


def read(path: Path, streamed: bool) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    context = SourceContext(str(path))
    adapter = FhirAdapter()
    items = adapter.streamed_bundle(path, context) if streamed else adapter.items(path, context)
    assert items is not None
    found = [(i.locator, i.raw, i.value, i.problem, i.reason, i.line) for i in items]
    return found, context.facts


@pytest.mark.parametrize("case", HOSTILE)
def test_streamed_hostile_bundles_read_as_whole_ones(tmp_path: Path, case: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                "entry": HOSTILE[case]}))  # fmt: skip
    assert read(path, streamed=True) == read(path, streamed=False)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_streamed_sample_bundles_read_as_whole_ones(path: Path) -> None:
    assert read(path, streamed=True) == read(path, streamed=False)


@pytest.mark.parametrize(
    "document",
    [{"resourceType": "Patient", "id": "p"}, {"resourceType": "Bundle", "entry": {"item": {}}},
     {"resourceType": "Bundle", "entry.item": {}, "entry": []},
     {"entry": [PATIENT], "resourceType": "Bundle", "x": 1} | {"resourceType": "Observation"}],
)  # fmt: skip
def test_what_is_not_a_plain_bundle_is_read_whole(tmp_path: Path, document: Any) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps(document))
    assert FhirAdapter().streamed_bundle(path, SourceContext(str(path))) is None


def test_a_repeated_entry_key_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('{"resourceType": "Bundle", "entry": [], "entry": [{"resource": 1}]}')
    assert FhirAdapter().streamed_bundle(path, SourceContext(str(path))) is None
