"""FHIR → standard mapping rules, one by one."""

from __future__ import annotations

import datetime
import re

from hypothesis import given
from hypothesis import strategies as st

from ccstd.adapters.base import SourceContext
from ccstd.adapters.fhir.mapping import (
    UNCODED,
    Drops,
    coded_fields,
    concept,
    date_time,
    partial_date,
    quantity,
    reference,
)


def test_references_in_all_their_shapes() -> None:
    context = SourceContext("b.json", {"fullUrls": {"urn:uuid:abc": ("Patient", "p1")}})
    assert reference({"reference": "urn:uuid:abc"}, context) == {"type": "Resident", "id": "p1"}
    assert reference({"reference": "Patient/7"}, context) == {"type": "Resident", "id": "7"}
    assert reference({"reference": "Encounter/9/_history/2"}, context) == {
        "type": "Encounter",
        "id": "9",
    }
    assert reference({"reference": "https://ehr.example/fhir/Patient/42"}, context) == {
        "type": "Resident",
        "id": "42",
    }
    assert reference({"reference": "Patient/Anyman/Bob"}, context) == {
        "type": "Resident",
        "id": "Anyman:Bob",
    }
    assert reference({"reference": "Organization/1"}, context) is None
    assert reference({"reference": "urn:uuid:unknown"}, context) is None
    assert reference({"display": "no reference"}, context) is None


def test_times_keep_offsets_and_widen_partial_dates() -> None:
    assert date_time("2019-05-01T10:00:00+08:00") == "2019-05-01T10:00:00+08:00"
    assert date_time("2019-05-01") == "2019-05-01T00:00:00Z"
    assert date_time("2019-05") == "2019-05-01T00:00:00Z"
    assert date_time("2019") == "2019-01-01T00:00:00Z"
    assert date_time(1458278824000) == "2016-03-18T05:27:04Z"
    assert date_time("yesterday") is None


def test_concepts_take_the_first_coded_coding_or_say_they_are_text_only() -> None:
    coded = {
        "coding": [{"display": "no code"}, {"system": "http://loinc.org", "code": "8480-6"}],
        "text": "SBP",
    }
    assert concept(coded) == {"system": "http://loinc.org", "code": "8480-6", "display": "SBP"}
    assert concept({"text": "Blood typing"}) == {
        "system": UNCODED,
        "code": "Blood typing",
        "display": "Blood typing",
    }
    assert concept({}) is None


def test_quantities_prefer_ucum_codes() -> None:
    ucum = {"value": 120, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}
    assert quantity(ucum) == {"value": 120, "unit": "mm[Hg]"}
    assert quantity({"value": 3, "unit": "tablets"}) == {"value": 3, "unit": "tablets"}


PARTIAL = re.compile(r"[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?")


@given(st.from_regex(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", fullmatch=True) | st.text(max_size=12))
def test_a_partial_date_is_the_source_text_or_nothing(text: str) -> None:
    found = partial_date(text)
    assert found is None or (found == text and PARTIAL.fullmatch(found))
    if found is not None and len(found) == 10:
        datetime.date.fromisoformat(found)  # a full date exists (2015-02-30 does not)


CODINGS = st.lists(
    st.fixed_dictionaries(
        {"system": st.sampled_from(["http://snomed.info/sct", "http://loinc.org"])},
        optional={"code": st.text(min_size=1, max_size=8), "display": st.text(max_size=8)},
    ),
    max_size=5,
)


@given(CODINGS, st.one_of(st.none(), st.text(min_size=1, max_size=8)))
def test_every_coded_coding_is_kept_in_order_and_the_first_is_the_code(
    codings: list[dict[str, str]], text: str | None
) -> None:
    value: dict[str, object] = {"coding": codings} | ({"text": text} if text else {})
    dropped = Drops()
    found = coded_fields(value, "code", dropped, ("code", "codings"), text=True)
    coded = [c for c in codings if c.get("code")]
    kept = found.get("codings") or ([found["code"]] if "code" in found else [])
    assert [c["code"] for c in kept] == [c["code"][:128] for c in coded]
    if coded:
        assert found["code"] == kept[0]
    # a coded concept's text may name someone: it goes to the protected sibling (1.3.0)
    assert (("textProtected" if coded else "text") in found) == bool(text and text.strip())
    uncoded = len(codings) - len(coded)  # each reported dropped; all of them at once if all
    assert len(dropped) == (uncoded if coded else min(uncoded, 1))
