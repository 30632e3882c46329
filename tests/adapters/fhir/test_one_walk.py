"""One walk of a resource read ahead finds the names its references to people show and takes its
shape for the ledger (`people.shown_names_ahead`, `ledger.shape_ahead`): the same names as
`shown_names`, the same shape as the ledger's own walk, and nothing kept after a run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ccstd.adapters import ledger
from ccstd.adapters.fhir.people import shown_names, shown_names_ahead
from ccstd.cli.app import app

KEY = "9c4e1f0b7a2d58e3c6b1a9f40d7e2c58b3a6f1e9d0c4b7a2e5f8d1c3b6a9e2f4"
KEYS = st.sampled_from(["display", "reference", "type", "performer", "code", "extension", "x"])
LEAVES = st.one_of(
    st.sampled_from(["Dr Wang Fang", "Practitioner/p1", "Patient", "Organization/o1", ""]),
    st.integers(),
    st.none(),
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=60,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_one_walk_finds_what_the_two_walks_find(resource: dict[str, Any]) -> None:
    ledger.forget_shapes_ahead()
    found = shown_names_ahead(resource)
    assert Counter(found) == Counter(shown_names(resource))
    ahead = ledger._AHEAD.pop(id(resource), None)
    try:
        own: Any = ledger._shape(resource, [ledger._MAX_SHAPE_PARTS])
    except ledger._LargeShapeError:
        assert ahead is None
        return
    assert ahead is not None and ahead[0] is resource and ahead[1] == own


def test_a_resource_too_large_for_a_shape_still_shows_its_names() -> None:
    performers = [{"reference": f"Practitioner/p{n}", "display": f"Dr {n}"} for n in range(600)]
    resource = {"resourceType": "Observation", "performer": performers}
    assert shown_names_ahead(resource) == list(shown_names(resource))
    assert id(resource) not in ledger._AHEAD


def test_a_run_keeps_no_shape_and_its_ledger_is_the_walks(tmp_path: Path) -> None:
    patient = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Wang"}]}
    observation = {
        "resourceType": "Observation", "id": "o1", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2024-05-01",
        "performer": [{"reference": "Practitioner/d1", "display": "Dr Li Ming"}],
        "valueQuantity": {"value": 120, "unit": "mm[Hg]"},
    }  # fmt: skip
    claim = {"resourceType": "Claim", "id": "c1"}  # skipped: its shape is never observed
    resources = [patient, observation, observation | {"id": "o2"}, claim]
    entries = [{"fullUrl": f"urn:uuid:{n}", "resource": r} for n, r in enumerate(resources)]
    source = tmp_path / "export.json"
    source.write_text(
        json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})
    )
    args = ["convert", str(source), "--from", "fhir-r4", "--out", str(tmp_path / "out.ndjson"),
            "--ledger", str(tmp_path / "ledger.json"), "-q"]  # fmt: skip
    result = CliRunner().invoke(app, args, env={"CCSTD_PSEUDONYM_KEY": KEY})
    assert result.exit_code == 0, result.output
    assert not ledger._AHEAD
    report = json.loads((tmp_path / "ledger.json").read_text())
    assert "Dr Li Ming" not in (tmp_path / "ledger.json").read_text()
    assert "Observation.performer.display" in json.dumps(report)
