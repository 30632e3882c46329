"""The personal-data screen clears the ids a key made (hex digests, most with a run of eleven
digits) before its one-scan pre-filter, only where the exact test found nothing in them: its
findings are those of the certify scanner's `leaks` on the record as it is."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ccstd.adapters.finishing import _ids_cleared
from ccstd.conformance.leaks import allowed_trie, leaks

IDS = frozenset({("id",), ("meta", "source", "fhirId"), ("subject", "id"), ("items", "*", "id")})
ALLOWED = frozenset({("identifiers", "*", "value")})
TEXTS = st.sampled_from(
    [
        "d8b6e3a9ffb2f578612f20673513018ae26db18175e085991ab6d61bd49d7066",  # 11 digits, a digest
        "Observation/d8b6e3a9ffb2f578612f20673513018ae",
        "a11010519491231002Xb",  # an ID number glued into an id
        "p-13800138000",  # a mobile number in an id
        "021-63201234",
        "x@example.org",
        "plain",
        "\ud800",  # a lone surrogate
    ]
)
VALUES = st.one_of(TEXTS, st.none(), st.integers(), st.lists(TEXTS, max_size=2))


def _record(draw: Any) -> dict[str, Any]:
    return {
        "id": draw(VALUES),
        "meta": {"source": {"fhirId": draw(VALUES)}},
        "subject": draw(st.one_of(st.fixed_dictionaries({"id": VALUES}), VALUES)),
        "items": draw(st.lists(st.fixed_dictionaries({"id": VALUES, "note": VALUES}), max_size=3)),
        "identifiers": [{"value": draw(VALUES)}],
    }


@settings(max_examples=300, deadline=None)
@given(st.data(), st.booleans())
def test_findings_unchanged(data: st.DataObject, remembered: bool) -> None:
    record = _record(data.draw)
    clean: set[str] = set()
    if remembered:  # the second reading answers from what the first remembered
        _ids_cleared(record, allowed_trie(IDS), clean)
    cleared = _ids_cleared(record, allowed_trie(IDS), clean)
    assert list(leaks(cleared, ALLOWED)) == list(leaks(record, ALLOWED))


def test_raw_numbers_kept_digests_cleared() -> None:
    digest = "d8b6e3a9ffb2f578612f20673513018ae26db18175e085991ab6d61bd49d7066"
    record = {"id": digest, "subject": {"id": "p-13800138000"}, "items": [{"id": digest}]}
    clean: set[str] = set()
    cleared = _ids_cleared(record, allowed_trie(IDS), clean)
    assert cleared == {"id": None, "subject": {"id": "p-13800138000"}, "items": [{"id": None}]}
    assert record["id"] == digest and clean == {digest}  # the record itself is not changed
    assert [kind for _, kind in leaks(cleared, frozenset())] == ["mobile number"]
