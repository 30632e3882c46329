"""The line scanner behind SARIF regions agrees with a JSON parser, however the file is cut."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ccstd.standard.sarif_lines import _item_lines

_PIECES = ['"a[b{c"', '"q\\"]}"', '"\\\\"', '{"k": ["x", {"y": "]"}]}', "12", "true", "null",
           "[1,\n2]", '"\\u005d"', '{"n":\n"\\n["}', "-1.5e3", '"门禁"']  # fmt: skip
_SEPARATORS = [",", ",\n", " ,\n  ", "\n,", ",\r\n"]


def _lines_by_parser(text: str) -> list[int]:
    decoder, i, lines = json.JSONDecoder(), text.index("[") + 1, []
    while True:
        while text[i] in " \n\r\t,":
            i += 1
        if text[i] == "]":
            return lines
        lines.append(text.count("\n", 0, i) + 1)
        _, i = decoder.raw_decode(text, i)


@given(
    st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_SEPARATORS)), max_size=25),
    st.sampled_from(["", "\n", "  \n "]),
    st.integers(min_value=1, max_value=64),
)
def test_item_lines_match_a_parser_for_any_chunking(
    items: list[tuple[str, str]], lead: str, chunk: int
) -> None:
    body = "".join(p + (s if k < len(items) - 1 else "") for k, (p, s) in enumerate(items))
    data = f"[{lead}{body}\n]\n".encode()
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    found = list(_item_lines((c, k == len(chunks) - 1) for k, c in enumerate(chunks)))
    assert [index for index, _ in found] == list(range(len(items)))
    assert [line for _, line in found] == _lines_by_parser(data.decode())
