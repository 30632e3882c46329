"""Changes of an upgrade mapping applied to records: every action, array items, conflicts."""

from __future__ import annotations

from typing import Any

import pytest

from ccstd.standard.upgrade_mapping import Change, ChangeConflictError, apply


def _change(action: str, field: str, to: str = "", **values: Any) -> Change:
    return Change(
        entity="Household",
        action=action,  # type: ignore[arg-type]
        field=tuple(field.split(".")),
        to=tuple(to.split(".")) if to else (),
        values=tuple(values.items()),
        reason="test",
    )


def _household() -> dict[str, Any]:
    return {
        "type": "Household",
        "members": [
            {"resident": {"type": "Resident", "id": "r1"}, "role": "head"},
            {"resident": {"type": "Resident", "id": "r2"}, "role": "spouse"},
            {"resident": {"type": "Resident", "id": "r3"}},
        ],
        "size": 3,
    }


def test_map_values_reaches_every_array_item_and_keeps_unlisted_values() -> None:
    record = _household()
    apply(_change("map-values", "members.*.role", head="householder"), record)
    assert [m.get("role") for m in record["members"]] == ["householder", "spouse", None]


def test_rename_in_every_item_keeps_the_value() -> None:
    record = _household()
    apply(_change("rename", "members.*.role", "relationship"), record)
    assert [m.get("relationship") for m in record["members"]] == ["head", "spouse", None]
    assert not any("role" in m for m in record["members"])


def test_move_creates_the_objects_on_the_way() -> None:
    record = _household()
    apply(_change("move", "size", "counts.members"), record)
    assert record["counts"] == {"members": 3} and "size" not in record


def test_drop_removes_only_the_field() -> None:
    record = _household()
    apply(_change("drop", "members.*.role"), record)
    assert record["members"][0] == {"resident": {"type": "Resident", "id": "r1"}}


def test_an_absent_field_is_no_change() -> None:
    record = _household()
    for change in (
        _change("drop", "notThere"),
        _change("move", "notThere", "counts.x"),
        _change("rename", "members.*.nope", "x"),
    ):
        apply(change, record)
    assert record == _household()


@pytest.mark.parametrize(
    "change",
    [
        _change("rename", "members.*.role", "resident"),  # would overwrite the reference
        _change("move", "size", "members.total"),  # the parent is an array
        _change("move", "size", "type"),  # would overwrite the type
    ],
)
def test_a_change_that_would_overwrite_a_value_is_a_conflict(change: Change) -> None:
    with pytest.raises(ChangeConflictError):
        apply(change, _household())


def test_values_that_are_not_strings_are_left_alone() -> None:
    record = {"type": "Household", "size": 3}
    apply(_change("map-values", "size", **{"3": "three"}), record)
    assert record["size"] == 3
