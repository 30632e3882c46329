"""What a hostile access log's markup made `ccstd convert` do wrong, driven through the CLI: a
start tag of 110,000 attributes read in quadratic time; comments, processing instructions and
end tags over 1 MiB refusing the whole log (records before them lost); a tag limit that moved with
where the tag fell; locators counting records instead of naming the element; an oversized record
inside another; a message naming the internal wrapper element."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.adapters.access_xml.test_record_limits import EVENT, adds_up, convert, events

FROM = ("--from", "xml-legacy-accesslog")


def test_a_start_tag_of_100000_attributes_is_read_in_linear_time(tmp_path: Path) -> None:
    """lxml's `items()` looks each value up along the attribute list: 50 s for this record
    (a start tag under the 1 MiB limit)."""
    many = " ".join(f'a{n}=""' for n in range(100_000))
    assert len(many) < 1 << 20
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


BIG = 3 << 20


def write_log(path: Path, markup: str, after: int = 3) -> None:
    """Three events, `markup` on line 5, `after` events, an event without fields on the last
    line but one (rejected, naming its line)."""
    with path.open("w", encoding="utf-8") as log:
        log.write('<AccessLog site="s">\n')
        for i in range(3):
            log.write(EVENT.format(i=i, door=1))
        log.write(markup + "\n")
        for i in range(after):
            log.write(EVENT.format(i=10 + i, door=1))
        log.write('<Event id="x"/>\n</AccessLog>\n')


@pytest.mark.parametrize(
    "markup",
    [
        "<!-- " + "x" * BIG + "\n" * 20 + " -->",
        "<?vendor-note " + "x" * BIG + "\n" * 20 + "?>",
        "<!-- <Event " + "A" * BIG + "\n" * 20 + " -->",
        "<!-- <Event a='" + "A" * BIG + "\n" * 20 + " -->",
    ],
    ids=["comment", "processing-instruction", "start-tag-in-comment", "quote-in-comment"],
)
def test_a_comment_or_pi_over_1_mib_is_skipped_and_the_records_around_it_convert(
    tmp_path: Path, markup: str
) -> None:
    """They refused the whole log (`a markup declaration longer than 1 MiB`, line null), and the
    records read into the same buffer before them were lost: counts did not add up."""
    source = tmp_path / "log.xml"
    write_log(source, markup)
    code, output, report, rejects = convert(tmp_path, source, *FROM)
    assert code == 1, output
    assert len(events(tmp_path / "out.ndjson")) == 6
    [rejected] = rejects  # the event without fields, on its line (the 20 newlines kept)
    assert (rejected["reason"], rejected["line"]) == ("missing-required", 29), rejected["message"]
    assert (report["read"], report["converted"], report["rejected"]) == (7, 6, 1)


def test_an_end_tag_over_1_mib_is_read_as_the_end_tag(tmp_path: Path) -> None:
    source = tmp_path / "log.xml"
    long_end = EVENT.format(i=9, door=1).replace("</Event>", "</Event" + " " * BIG + "\n>")
    write_log(source, long_end.rstrip("\n"))
    code, output, report, rejects = convert(tmp_path, source, *FROM)
    assert code == 1, output
    assert len(events(tmp_path / "out.ndjson")) == 7
    assert [(r["reason"], r["line"]) for r in rejects] == [("missing-required", 10)]
    assert (report["read"], report["converted"], report["rejected"]) == (8, 7, 1)


def test_a_cdata_section_over_1_mib_is_refused_on_its_line_after_the_records_before_it(
    tmp_path: Path,
) -> None:
    source = tmp_path / "log.xml"
    write_log(source, "<![CDATA[" + "x" * BIG + "]]>")
    code, output, report, rejects = convert(tmp_path, source, *FROM)
    assert code == 1, output
    assert len(events(tmp_path / "out.ndjson")) == 3
    [refused] = rejects
    assert (refused["locator"], refused["line"]) == ("document at line 5", 5)
    assert refused["message"] == (
        "unsafe XML refused: a CDATA section longer than 1 MiB "
        "(3 records before it read; the rest of the file is refused)"
    )
    assert (report["read"], report["converted"], report["rejected"]) == (4, 3, 1)
    assert adds_up(report)


@pytest.mark.parametrize("before", [0, 7_000])  # 7,000 events: 0.9 MiB of the read buffer
@pytest.mark.parametrize(("size", "oversized"), [(1 << 20, False), ((1 << 20) + 1, True),
                                                 (3 << 19, True)])  # fmt: skip
def test_the_start_tag_limit_is_exact_wherever_the_tag_falls(
    tmp_path: Path, before: int, size: int, oversized: bool
) -> None:
    """The same 1.5 MiB tag converted as the first record and was rejected after 0.9 MiB."""
    tag = EVENT.format(i=9, door=1).split(">", 1)[0]
    padding = ' pad="' + "p" * (size - len(tag) - len(' pad="">')) + '"'
    event = EVENT.format(i=9, door=1).replace(">", padding + ">", 1)
    assert event.index(">") + 1 == size
    source = tmp_path / "log.xml"
    with source.open("w", encoding="utf-8") as log:
        log.write('<AccessLog site="s">\n')
        for i in range(before):
            log.write(EVENT.format(i=i % 60, door=2 + i))
        log.write(event + EVENT.format(i=10, door=1) + "</AccessLog>\n")
    code, output, report, rejects = convert(tmp_path, source, *FROM)
    reasons = [r["reason"] for r in rejects]
    assert (code, reasons) == ((1, ["oversized-item"]) if oversized else (0, [])), output
    assert report["read"] == before + 2 and adds_up(report)


def test_a_log_that_breaks_off_says_so_without_naming_the_wrapper(tmp_path: Path) -> None:
    """It said `Opening and ending tag mismatch: AccessLog line 1 and ccstd-documents`."""
    source = tmp_path / "log.xml"
    source.write_text('<AccessLog site="s">\n' + EVENT.format(i=1, door=1), "utf-8")
    code, output, report, rejects = convert(tmp_path, source, *FROM)
    assert code == 1, output
    [broken] = rejects
    assert broken["message"] == (
        "malformed XML at line 3: the log ends before <AccessLog> (opened on line 1) is closed "
        "(1 record before it read; the rest of the file is refused)"
    )
    assert (report["read"], report["converted"], report["rejected"]) == (2, 1, 1)


def test_a_record_holding_an_oversized_record_is_a_nested_record(tmp_path: Path) -> None:
    """The outer one was `missing-required` (its fields freed with the inner one), its raw text
    kept as `<Event …><Event/></Event>`, and a replay said the same."""
    inner = EVENT.format(i=3, door="A" * BIG).strip()
    outer = EVENT.format(i=2, door=1).replace("<Result", f"\n{inner}\n<Result")
    source = tmp_path / "log.xml"
    body = EVENT.format(i=1, door=1) + outer + EVENT.format(i=4, door=1)
    source.write_text(f'<AccessLog site="s">\n{body}</AccessLog>\n', "utf-8")
    code, output, report, rejects = convert(tmp_path, source, *FROM)
    assert code == 1, output
    assert len(events(tmp_path / "out.ndjson")) == 2
    assert [(r["reason"], r["line"]) for r in rejects] == [
        ("oversized-item", 4),
        ("nested-record", 3),
    ]
    assert "holding another <Event> record (at line 4)" in rejects[1]["message"]
    assert not rejects[1]["raw"]["text"]
    assert (report["read"], report["converted"], report["rejected"]) == (4, 2, 2)
    again = tmp_path / "again"
    again.mkdir()
    how = (tmp_path / "rejects.ndjson", *FROM)
    code, output, _, replayed = convert(again, Path("--replay"), *how)
    assert code == 1, output
    assert [r["reason"] for r in replayed] == ["oversized-item", "nested-record"]


def test_a_locator_is_the_xpath_of_the_element_not_a_count_of_records(tmp_path: Path) -> None:
    """After `<Event 2><Event 3/></Event>` the next top-level event was `/AccessLog/Event[4]`
    (it is Event[3]); the first event in <Batch> was `/AccessLog/Batch/Event[2]`."""
    inner = EVENT.format(i=3, door=2).strip()
    outer = EVENT.format(i=2, door=1).replace("<Result", f"\n{inner}\n<Result")
    lacking = '<Event id="{}"/>\n'
    body = (
        EVENT.format(i=1, door=1) + outer + lacking.format(4)
        + '<Batch n="1">\n' + lacking.format(5) + lacking.format(6) + "</Batch>\n"
        + lacking.format(7) + '<Batch n="2">\n' + lacking.format(8) + "</Batch>\n"
    )  # fmt: skip
    source = tmp_path / "log.xml"
    source.write_text(f'<AccessLog site="s">\n{body}</AccessLog>\n', "utf-8")
    code, output, report, rejects = convert(tmp_path, source, *FROM)
    assert code == 1, output
    assert [r["locator"] for r in rejects] == [
        "/AccessLog/Event/Event[1]",
        "/AccessLog/Event[2]",
        "/AccessLog/Event[3]",
        "/AccessLog/Batch/Event[1]",
        "/AccessLog/Batch/Event[2]",
        "/AccessLog/Event[4]",
        "/AccessLog/Batch/Event[1]",
    ]
    assert all("ccstd" not in str(r.get("context")) for r in rejects)
    assert (report["read"], report["converted"], report["rejected"]) == (8, 1, 7)
