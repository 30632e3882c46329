"""What a hostile access log's markup made `ccstd convert` do wrong, driven through the CLI: a
start tag of 110,000 attributes read in quadratic time; comments, processing instructions and
end tags over 1 MiB refusing the whole log (records before them lost); a tag limit that moved with
where the tag fell; locators counting records instead of naming the element; an oversized record
inside another; a message naming the internal wrapper element."""

from __future__ import annotations

import time
from pathlib import Path

from tests.adapters.access_xml.test_record_limits import EVENT, adds_up, convert, events

FROM = ("--from", "xml-legacy-accesslog")


def test_a_start_tag_of_110000_attributes_is_read_in_linear_time(tmp_path: Path) -> None:
    """lxml's `items()` looks each value up along the attribute list: 58 s for this record."""
    many = " ".join(f'a{n}=""' for n in range(110_000))
    source = tmp_path / "log.xml"
    with source.open("w", encoding="utf-8") as log:
        log.write('<AccessLog site="s">\n')
        for i in range(3):
            log.write(EVENT.format(i=i, door=1).replace(">", f" {many}>", 1) if i == 1 else
                      EVENT.format(i=i, door=1))  # fmt: skip
        log.write("</AccessLog>\n")
    started = time.perf_counter()
    code, output, report, rejects = convert(tmp_path, source, *FROM)
    assert time.perf_counter() - started < 10, "quadratic in the number of attributes"
    assert code == 0, output
    assert len(events(tmp_path / "out.ndjson")) == 3 and not rejects
    assert adds_up(report)
