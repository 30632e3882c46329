"""A Goal and the CarePlan naming it, in either order, in one file or two: the ledger tells the
truth (`carried-by-referrers` only when a plan's record carries the Goal), and what the run
holds back for plans is bounded (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccstd.adapters.base import Converted, SourceContext
from ccstd.adapters.fhir import FhirAdapter, adapter
from tests.adapters.fhir.test_real_shapes import convert, ledger, lines, ndjson, patient


def goal(gid: str, text: str) -> dict[str, Any]:
    return {"resourceType": "Goal", "id": gid, "lifecycleStatus": "active",
            "description": {"text": text}, "subject": {"reference": "Patient/p1"}}  # fmt: skip


def plan(*gids: str) -> dict[str, Any]:
    return {"resourceType": "CarePlan", "id": "cp1", "status": "active", "intent": "plan",
            "subject": {"reference": "Patient/p1"},
            "goal": [{"reference": f"Goal/{g}"} for g in gids]}  # fmt: skip


def _sources(tmp_path: Path, layout: str, goal_first: bool) -> list[Path]:
    first, second = (goal("g1", "Walks daily"), plan("g1"))
    first, second = (first, second) if goal_first else (second, first)
    if layout == "one file":
        source = tmp_path / "all.ndjson"
        source.write_text(ndjson(patient(), first, second))
        return [source]
    if layout == "one array":
        source = tmp_path / "all.json"
        source.write_text(json.dumps([patient(), first, second], indent=1))
        return [source]
    a, b = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    a.write_text(ndjson(patient(), first))
    b.write_text(ndjson(second))
    return [a, b]


@pytest.mark.parametrize("goal_first", [True, False])
@pytest.mark.parametrize("layout", ["one file", "one array", "two files"])
def test_a_goal_is_carried_in_either_order(tmp_path: Path, layout: str, goal_first: bool) -> None:
    result, out = convert(tmp_path, *_sources(tmp_path, layout, goal_first))
    assert result.exit_code == 0, result.output
    [care] = [r for r in lines(out / "records.ndjson") if r["type"] == "CarePlan"]
    assert [g["description"]["text"] for g in care["goals"]] == ["Walks daily"]
    assert ledger(out)["skipped"] == {"Goal: carried-by-referrers": 1}


@pytest.mark.parametrize("goal_first", [True, False])
def test_without_a_source_list_a_goal_is_told_in_either_order(
    tmp_path: Path, goal_first: bool
) -> None:
    """A run that gives the adapter no source list (the certification sandbox reads a source
    so): the file itself is looked ahead, a JSON array as a Bundle or NDJSON."""
    [source] = _sources(tmp_path, "one array", goal_first)
    fhir, context = FhirAdapter(), SourceContext(str(source))
    outcomes = {}
    for item in fhir.items(source, context):
        outcomes[item.value["resourceType"]] = fhir.convert(item, context)
    assert getattr(outcomes["Goal"], "reason", None) == "carried-by-referrers"
    assert isinstance(outcomes["CarePlan"], Converted)
    [care] = outcomes["CarePlan"].records
    assert [g["description"]["text"] for g in care["goals"]] == ["Walks daily"]


def test_goals_past_what_the_run_holds_are_not_called_carried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run holds at most `_MAX_MEDICATIONS` Goals for the plans naming them (lowered here to
    reach it): a Goal past that is named, but no record carries it, and the ledger says so."""
    monkeypatch.setattr(adapter, "_MAX_MEDICATIONS", 1)
    source = tmp_path / "all.ndjson"
    source.write_text(ndjson(patient(), goal("g1", "Walks daily"), goal("g2", "Swims"),
                             plan("g1", "g2")))  # fmt: skip
    result, out = convert(tmp_path, source)
    assert result.exit_code == 0, result.output
    [care] = [r for r in lines(out / "records.ndjson") if r["type"] == "CarePlan"]
    assert [g["description"]["text"] for g in care["goals"]] == ["Walks daily"]
    skipped = ledger(out)["skipped"]
    assert skipped == {"Goal: carried-by-referrers": 1, "Goal: not-carried-by-its-plan": 1}
