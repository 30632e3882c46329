"""The ledger walks an item's fields once per shape (issue 13): its counts stay those of a walk
of every item, whatever the items, their drops and their extensions' urls."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ccstd.adapters.ledger import Coverage, Ledger, field_paths

COVERAGE = {
    "K": Coverage(frozenset({"a", "b.c", "extension"}), {"b": "not carried", "a.d": "inner"})
}
_KEYS = st.sampled_from(["a", "b", "c", "d", "extension"])
_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from(["", "x", "u"]))
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(_KEYS, inner, max_size=4),
        st.lists(st.fixed_dictionaries({"url": st.sampled_from(["u", "v", 1])}), max_size=2),
    ),
    max_leaves=12,
)
_ITEMS = st.one_of(st.dictionaries(_KEYS, _VALUES, max_size=5), _LEAVES)


def _drops(item: Any, choices: list[int]) -> list[tuple[str, str]]:
    """Drops at some of the item's own paths (with an index on the first part), some supplied."""
    paths = sorted(p for p in field_paths(item) if "[" not in p)  # as mappings name drops
    drops = [(paths[i % len(paths)], f"why {i % 3}") for i in choices] if paths else []
    drops = [(f"{p.split('.')[0]}[0]{p[len(p.split('.')[0]):]}" if i % 2 else p, why)
             for i, (p, why) in enumerate(drops)]  # fmt: skip
    return drops + ([("=zone", "assumed")] if len(choices) % 2 else [])


def _walked_every_time(items: list[tuple[Any, list[tuple[str, str]]]]) -> Ledger:
    ledger = Ledger(COVERAGE)
    for item, drops in items:
        ledger._shapes.clear()
        ledger.observe("K", item, drops)
    return ledger


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_ITEMS, st.lists(st.integers(0, 9), max_size=3)), max_size=8))
def test_counts_are_those_of_a_walk_of_every_item(drawn: list[tuple[Any, list[int]]]) -> None:
    items = [(item, _drops(item, choices)) for item, choices in drawn]
    items = items + items  # the second time, every shape is known
    remembered = Ledger(COVERAGE)
    for item, drops in items:
        remembered.observe("K", item, drops)
    walked = _walked_every_time(items)
    assert remembered.report() == walked.report()
    for name in ("mapped", "dropped", "unknown"):
        assert getattr(remembered, name) == getattr(walked, name)
    assert remembered.reasons == walked.reasons


def test_items_of_one_shape_share_one_walk_and_extension_urls_tell_shapes_apart() -> None:
    ledger = Ledger(COVERAGE)
    for value in ("1", "2", "3"):
        ledger.observe("K", {"a": value, "b": {"c": value}})
    ledger.observe("K", {"extension": [{"url": "u"}]})
    ledger.observe("K", {"extension": [{"url": "v"}]})
    assert len(ledger._shapes) == 3
    assert ledger.mapped == {"K.a": 3, "K.b.c": 3}
    assert ledger.unknown == {"K.extension[u]": 1, "K.extension[v]": 1}


def test_list_lengths_tell_shapes_apart_where_a_drop_takes_one_value() -> None:
    items = [({"a": ["x", "y"]}, [("a[0]", "first only")]), ({"a": ["x"]}, [("a[0]", "first")])]
    items += [({"a": ["x", "y"]}, [("a[0]", "first")]), ({"a": ["x"]}, [("a[0]", "first")])]
    remembered = Ledger(COVERAGE)
    for item, drops in items:
        remembered.observe("K", item, drops)
    assert remembered.mapped == {"K.a": 2}  # the second value of each two-value list
    assert remembered.report() == _walked_every_time(items).report()


def test_large_and_deep_items_are_walked_each_time_not_remembered() -> None:
    deep: Any = "leaf"
    for _ in range(3000):  # deeper than Python's recursion limit
        deep = {"a": deep}
    items: list[tuple[Any, list[tuple[str, str]]]] = [(deep, []), ({"a": list(range(5000))}, [])]
    items += [({"b": [{"c": i} for i in range(600)]}, [("b[0].c", "first")])]
    remembered = Ledger(COVERAGE)
    for item, drops in items + items:
        remembered.observe("K", item, drops)
    assert remembered._shapes == {}
    assert remembered.report() == _walked_every_time(items + items).report()
