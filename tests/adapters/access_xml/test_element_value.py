"""`element_value` (one pass over the children, leaves read inline: issue 13) gives the nested
dict the straightforward reading of an element gives, key order included, for any element."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ccstd.adapters.access_xml.engine import PARSER_OPTIONS, element_value

_NAMES = st.sampled_from(["A", "b", "Card", "x:C"])
_TEXT = st.sampled_from(["", " ", "t", " 12 ", "东门", "\n"])


def _reference(element: Any) -> Any:
    """The reading as the engine's docstring defines it, written plainly."""
    node = {"@" + k.rpartition("}")[2]: v.strip() for k, v in element.attrib.items()}
    children = [c for c in element if isinstance(c.tag, str)]
    text = (element.text or "").strip()
    if not children and not node:
        return text
    if text:
        node["#text"] = text
    for child in children:
        name, value = child.tag.rpartition("}")[2], _reference(child)
        held = node.get(name)
        if name not in node:
            node[name] = value
        else:
            node[name] = [*held, value] if isinstance(held, list) else [held, value]
    return node


def _xml(tree: Any) -> str:
    name, attributes, text, children = tree
    attrs = "".join(f' {k}="{v}"' for k, v in attributes.items())
    inner = text + "".join(_xml(child) + tail for child, tail in children)
    return f"<{name}{attrs}>{inner}</{name}>"


_TREES = st.recursive(
    st.tuples(
        _NAMES,
        st.dictionaries(st.sampled_from(["a", "code", "y:z"]), _TEXT, max_size=2),
        _TEXT,
        st.just([]),
    ),
    lambda inner: st.tuples(
        _NAMES,
        st.dictionaries(st.sampled_from(["a", "code"]), _TEXT, max_size=2),
        _TEXT,
        st.lists(st.tuples(inner, _TEXT), max_size=4),
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(_TREES, st.booleans())
def test_element_value_is_the_plain_reading(tree: Any, comment: bool) -> None:
    body = _xml(tree)
    if comment:
        body = body.replace(">", "><!-- c --><?pi x?>", 1)
    document = f'<Root xmlns:x="urn:x" xmlns:y="urn:y">{body}</Root>'
    root = etree.fromstring(document.encode(), etree.XMLParser(**PARSER_OPTIONS))
    element = root[0]
    value, expected = element_value(element), _reference(element)
    assert value == expected
    if isinstance(expected, dict):
        assert list(value) == list(expected)
