"""The field ledger counts a value as mapped only where it reached a record."""

from __future__ import annotations

from ccstd.adapters.ledger import Coverage, Ledger, field_paths

COVERAGE = {"Condition": Coverage(frozenset({"code", "subject"}), {"note": "free text"})}
CONDITION = {
    "code": {"coding": [{"system": "s", "code": "1"}, {"system": "t", "code": "2"}], "text": "x"},
    "subject": {"reference": "Patient/1", "display": "A Name"},
    "note": [{"text": "n"}],
    "extension": [{"url": "u", "valueString": "v"}],
}


def test_drops_apply_to_their_item_and_everything_below() -> None:
    ledger = Ledger(COVERAGE)
    dropped = [("code.coding[1]", "only the first coding"), ("subject.display", "a name")]
    ledger.observe("Condition", CONDITION, dropped)
    ledger.observe("Condition", {"code": {"coding": [{"system": "s", "code": "1"}]}})
    report = ledger.report()
    assert report["mapped"]["Condition.code.coding.code"] == 2  # the first coding, both items
    assert report["dropped"]["Condition.code.coding.code"] == {
        "count": 1,
        "reason": "only the first coding",
    }
    assert "Condition.subject.display" not in report["mapped"]
    assert report["dropped"]["Condition.subject.display"]["reason"] == "a name"
    assert report["dropped"]["Condition.note.text"] == {"count": 1, "reason": "free text"}
    assert report["unknown"] == {"Condition.extension[u]": 1}


def test_a_drop_inside_another_counts_once_and_absent_paths_nothing() -> None:
    ledger = Ledger(COVERAGE)
    dropped = [("code.coding[1]", "only the first coding"), ("code.coding[1].system", "other"),
               ("subject.identifier", "absent"), ("code.coding[7]", "absent")]  # fmt: skip
    ledger.observe("Condition", CONDITION, dropped)
    report = ledger.report()
    assert report["dropped"]["Condition.code.coding.system"] == {
        "count": 1,
        "reason": "only the first coding",
    }
    assert not any("identifier" in path for path in report["dropped"])


def test_field_paths_fold_array_indexes_and_name_extensions_by_url() -> None:
    assert field_paths(CONDITION) == {
        "code.coding.system", "code.coding.code", "code.text", "subject.reference",
        "subject.display", "note.text", "extension[u]",
    }  # fmt: skip
    assert field_paths({"given": ["a", "b"], "n": [[1]]}) == {"given", "n"}


def test_source_keys_that_are_id_or_phone_numbers_are_redacted_and_still_add_up() -> None:
    coverage = {"Order": Coverage(frozenset(), {"13912345678": "a phone"})}
    ledger = Ledger(coverage)
    item = {"13812345678": "x", "138-1234-5678": "y", "110102195701131895": "z", "id": 1}
    ledger.observe("Order", item)
    ledger.observe("Order", {"13912345678": "w", "13712345678": "v"})
    report = ledger.report()
    assert report["unknown"] == {"Order.[redacted]": 4, "Order.id": 1}
    assert report["dropped"] == {"Order.[redacted]": {"count": 1, "reason": "a phone"}}
    text = str(report)
    assert not any(n in text for n in ("13812345678", "1234-5678", "110102195701131895", "139"))
