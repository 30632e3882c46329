"""Rendering for people: findings as rich text, the run summary, and a progress bar."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ccstd.standard.findings import Finding, Severity, printable

if TYPE_CHECKING:  # rich is imported when something is rendered: `validate -q` of a valid file
    from rich.console import Console  # renders nothing and does not pay for it (issue 13)
    from rich.text import Text

    from ccstd.standard.results import ValidationResult

_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
LOG_WIDTH = 100_000  # in effect unbounded: a CI log is not a terminal and wraps nothing itself


def console(stderr: bool = False) -> Console:
    """A console for people: the terminal's width at a terminal; when the stream is a file or
    a pipe (a CI log), no width at all, so a summary line or table row never wraps."""
    from rich.console import Console

    out = Console(stderr=stderr, highlight=False)
    if not on_terminal(out):
        out.width = LOG_WIDTH
    return out


def on_terminal(console: Console) -> bool:
    """True when the console's stream really is a terminal. rich's `is_terminal` is also true
    under FORCE_COLOR (which should bring colour, not a terminal's width or live spinners)."""
    try:
        return console.file.isatty()
    except (AttributeError, ValueError, OSError):  # a closed or odd stream
        return False


def recording_console() -> Console:
    """A console that renders into memory for a report file (`export_text()`): no width, so
    no table is cut or wrapped and no line is broken."""
    from rich.console import Console

    return Console(record=True, file=io.StringIO(), width=LOG_WIDTH, highlight=False)


def finding_text(finding: Finding) -> Text:
    """One finding on one line: place, severity, code, message, record id; control characters in
    names and values taken from the input are shown escaped, never sent to the terminal."""
    from rich.text import Text

    where = finding.location
    text = Text()
    text.append(printable(where.describe()), style="bold")
    text.append("  ")
    text.append(f"{finding.severity.value:<7}", style=_STYLES[finding.severity])
    text.append(f" {finding.code}", style="magenta")
    text.append(f"  {printable(finding.message)}")
    if where.record_id is not None:
        text.append(f"  [{printable(where.record_id)}]", style="dim")
    return text


def print_findings(console: Console, result: ValidationResult) -> None:
    """Every listed finding, one per line."""
    for finding in result.findings:
        console.print(finding_text(finding), soft_wrap=True)


def summary_text(result: ValidationResult) -> Text:
    """The one-line summary printed at the end of a run."""
    from rich.text import Text

    parts = [
        f"{result.records:,} records in {result.files:,} file(s)",
        f"{result.valid:,} valid",
        f"{result.invalid:,} invalid",
        ", ".join(plural(result.count(s), s.value) for s in Severity),
    ]
    if result.seconds >= 1:  # below that, start-up dominates and the rate means nothing
        parts.append(f"{result.records_per_second:,.0f} records/s")
    if result.baselined:
        parts.append(f"{result.baselined:,} baselined")
    style = "bold red" if result.count(Severity.ERROR) else "bold green"
    return Text(" · ".join(parts), style=style)


def plural(count: int, noun: str) -> str:
    """`1 item`, `2 items`."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


@contextlib.contextmanager
def progress_bar(
    console: Console | None, enabled: bool, unit: str = "records"
) -> Iterator[Callable[[int], None] | None]:
    """A live counter on stderr when it is a terminal; None otherwise."""
    if not enabled or console is None or not on_terminal(console):
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn(f"{{task.completed:,}} {unit}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("validate", total=None)
        yield lambda done: progress.update(task, completed=done)
