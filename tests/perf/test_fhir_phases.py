"""`python -m benchmarks.fhir --phases`: every phase is timed where the conversion calls it,
and the wrapped callables are put back afterwards."""

from __future__ import annotations

import re

import pytest

from benchmarks import fhir


def test_phases_timed_and_restored(capsys: pytest.CaptureFixture[str]) -> None:
    originals = [getattr(owner, name) for _, owner, name in fhir.PHASES]
    fhir.phases(copies=1, rounds=1)
    lines = capsys.readouterr().out.splitlines()
    assert [getattr(owner, name) for _, owner, name in fhir.PHASES] == originals
    seconds = {}
    for line in lines[1:]:
        found = re.match(r"(.+?)\s+(\d+\.\d{3})\b", line)
        assert found is not None, line
        seconds[found.group(1).strip()] = float(found.group(2))
    for label in ("fhir.resources validation", "mapping", "personal-data screen", "ledger"):
        assert seconds[label] > 0, label  # called, and timed, in the conversion
    parts = ("protection", "personal-data screen", "output check (compiled plan)")
    assert sum(seconds[part] for part in parts) <= seconds["finishing"] + 0.003  # within it
    assert "ratio" in lines[-1]
