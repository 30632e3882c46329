"""Every shipped example behaves as labelled: valid ones pass, invalid ones give their finding."""

from __future__ import annotations

from collections import Counter

import pytest

from ccstd.standard.publishing.examples_check import misbehaving
from ccstd.standard.registry import StandardRegistry
from tests.conftest import Example, load_examples

EXAMPLES = {v: load_examples(v) for v in StandardRegistry().versions(include_draft=True)}
ALL = [e for examples in EXAMPLES.values() for e in examples]


@pytest.mark.parametrize("example", ALL, ids=lambda e: e.id)
def test_example_behaves_as_labelled(example: Example) -> None:
    assert misbehaving(StandardRegistry(), [example]) == []


@pytest.mark.parametrize("version", sorted(EXAMPLES))
def test_every_entity_ships_two_valid_and_three_invalid_examples(version: str) -> None:
    valid = Counter(e.path.parent.name for e in EXAMPLES[version] if e.expected_code is None)
    invalid = Counter(e.path.parent.name for e in EXAMPLES[version] if e.expected_code)
    entities = StandardRegistry().get(version).entities
    assert all(valid[e] >= 2 and invalid[e] >= 3 for e in entities), (valid, invalid)


def test_every_expectation_names_a_real_example_file() -> None:
    for examples in EXAMPLES.values():
        named = {e.id for e in examples if e.expected_code}
        labelled = {e.id for e in examples if e.path.name.startswith("invalid-")}
        assert named == labelled
