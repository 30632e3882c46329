"""FHIR → standard mapping rules, one by one."""

from __future__ import annotations

from ccstd.adapters.base import SourceContext
from ccstd.adapters.fhir.mapping import UNCODED, concept, date_time, quantity, reference


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
