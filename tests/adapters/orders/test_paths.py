"""The path syntax of platform files: one definition (paths.py) that the schema states, quoted
keys that round-trip, and every path written before quoting existed read as it was."""

from __future__ import annotations

import json
import re
import tomllib

from hypothesis import given
from hypothesis import strategies as st

from ccstd.adapters.orders import paths
from ccstd.adapters.orders.tables import BUILTIN, SCHEMA_FILE

SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_the_schema_states_the_syntax_the_engine_reads() -> None:
    defs = SCHEMA["$defs"]
    assert defs["path"]["pattern"] == f"^{paths.PATH}$"
    sums = next(alt for alt in defs["value"]["oneOf"] if "sum" in alt.get("properties", {}))
    for key in ("sum", "less"):
        assert sums["properties"][key]["items"]["pattern"] == f"^{paths.TERM}$"


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=4), st.booleans())
def test_any_keys_quoted_parse_back_to_themselves(keys: list[str], rooted: bool) -> None:
    text = ("^" if rooted else "") + ".".join(paths.quote(k) for k in keys)
    assert re.fullmatch(paths.PATH, text)
    parsed = paths.parse(text)
    assert parsed.keys == tuple(keys) and parsed.rooted is rooted
    assert parsed.text() == text and parsed.dotted == ".".join(keys)


@given(st.text(max_size=20))
def test_parse_accepts_exactly_what_the_schema_accepts(text: str) -> None:
    try:
        paths.parse(text)
    except ValueError:
        assert not re.fullmatch(paths.PATH, text)
    else:
        assert re.fullmatch(paths.PATH, text)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_unquoted_paths_of_the_built_in_platforms_read_as_before() -> None:
    for file in sorted(BUILTIN.glob("*.toml")):
        spec = tomllib.loads(file.read_text(encoding="utf-8"))
        sections = [spec[k] for k in ("order", "money", "lines", "recipient", "deliveries")
                    if k in spec]  # fmt: skip
        for text in _strings(sections):
            for term in paths.terms(text):
                if re.fullmatch(
                    r"\^?[A-Za-z_][A-Za-z0-9_]*(\[\])?(\.[A-Za-z_][A-Za-z0-9_]*(\[\])?)*", term
                ):
                    steps = term.lstrip("^").replace("[]", "").split(".")
                    assert paths.parse(term).keys == tuple(steps), term


def test_the_docs_name_every_key_and_value_kind_of_the_format() -> None:
    docs = (BUILTIN.parent.parent.parent / "docs" / "convert.md").read_text(encoding="utf-8")
    orders = docs[docs.index("## E-commerce orders") : docs.index("## Writing an adapter")]
    kinds = {name for alt in SCHEMA["$defs"]["value"]["oneOf"] for name in alt.get("required", [])}
    for key in [*SCHEMA["properties"], *sorted(kinds)]:
        assert re.search(rf"(`|\{{|^|\[|, ){re.escape(key)}\b", orders, re.M), key
