"""The personal-data screen takes the ids a key made (hex digests, most with a run of eleven
digits) for allowed, so that its one-scan pre-filter passes over them, only where the exact test
found nothing in them: its findings are those of the certify scanner's `leaks` as it is."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ccstd.adapters.finishing import _LONG_RUN, _PLAIN_ID, _clear_ids
from ccstd.conformance.leaks import leaks
from ccstd.standard.redaction import raw_identifier_kind

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
        _clear_ids(record, IDS, clean)
    cleared = _clear_ids(record, IDS, clean)
    assert list(leaks(record, ALLOWED | cleared)) == list(leaks(record, ALLOWED))


def test_raw_numbers_kept_digests_cleared() -> None:
    digest = "d8b6e3a9ffb2f578612f20673513018ae26db18175e085991ab6d61bd49d7066"
    record = {"id": digest, "subject": {"id": "p-13800138000"}, "items": [{"id": digest}]}
    clean: set[str] = set()
    cleared = _clear_ids(record, IDS, clean)
    assert cleared == IDS - {("subject", "id")} and clean == {digest}
    assert [kind for _, kind in leaks(record, cleared)] == ["mobile number"]


_RUNS = st.lists(
    st.tuples(st.text("0123456789", max_size=10), st.text("abcdef", min_size=1, max_size=3)),
    max_size=12,
)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["", "Patient/", "Observation/", "x/"]), _RUNS, st.text("0123456789"))
def test_plain_ids_hold_no_number(kind: str, runs: list[tuple[str, str]], tail: str) -> None:
    """What the screen takes for clear without the exact test (a hex id, perhaps after its
    type, with no run of eleven digits) is clear by the exact test: this fails if the patterns
    of `standard/redaction.py` come to find a number in less."""
    value = kind + "".join(digits + letters for digits, letters in runs) + tail[:10]
    assert _PLAIN_ID.fullmatch(value) is not None and _LONG_RUN.search(value) is None
    assert raw_identifier_kind(value) is None
    assert _clear_ids({"id": value}, IDS, set()) == IDS


def test_plain_ids_with_numbers_are_tested() -> None:
    """A hex id with a long run of digits goes to the exact test: an ID number in it is kept."""
    glued = "ab110105194912311006cd"  # hex characters around a valid ID number
    record = {"id": glued, "meta": {"source": {"fhirId": "Patient/" + glued}}}
    cleared = _clear_ids(record, IDS, set())
    assert ("id",) not in cleared and ("meta", "source", "fhirId") not in cleared
    assert [kind for _, kind in leaks(record, cleared)] == ["resident ID number"] * 2
