"""Every command's --help, walked: an exit-code footer that describes that command, flags shown
as flags; every --format refuses an unknown value with the one-line error."""

from __future__ import annotations

import re

import pytest
import typer.core
import typer.main
from typer import _click as click
from typer.testing import CliRunner

from ccstd.cli.app import _Commands, app
from ccstd.cli.lazy import load_command

RUNNER = CliRunner()


def _leaves() -> dict[tuple[str, ...], click.Command]:
    found: dict[tuple[str, ...], click.Command] = {}

    def walk(path: tuple[str, ...], command: click.Command) -> None:
        if isinstance(command, typer.core.TyperGroup):
            for name, sub in command.commands.items():
                walk((*path, name), sub)
        else:
            found[path] = command

    for name, entry in _Commands.lazy_commands.items():
        walk((name,), load_command(name, entry))
    return found


LEAVES = _leaves()


def _help(*path: str) -> str:
    result = RUNNER.invoke(app, [*path, "--help"], env={"COLUMNS": "2000"})
    assert result.exit_code == 0, result.output
    return result.stdout


def _words(text: str) -> str:
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(path) for path in LEAVES}
    assert {"validate", "diff", "release", "certify run", "certify verify", "schemas show"} <= names


@pytest.mark.parametrize("path", list(LEAVES), ids=" ".join)
def test_each_footer_describes_its_own_command(path: tuple[str, ...]) -> None:
    command = LEAVES[path]
    assert command.epilog and command.epilog.startswith("Exit codes: 0 = ")
    assert _words(command.epilog) in _words(_help(*path))
    options = {opt for p in command.params for opt in p.opts}
    for option in re.findall(r"--[a-z][a-z-]+", command.epilog):
        assert option in options, f"{' '.join(path)}'s footer names {option}, not its option"
    twins = [other for other, c in LEAVES.items() if c.epilog == command.epilog and other != path]
    assert not twins, f"{' '.join(path)} shares its footer with {twins}"


@pytest.mark.parametrize("path", [(), *LEAVES], ids=lambda p: " ".join(p) or "ccstd")
def test_flags_are_shown_as_flags(path: tuple[str, ...]) -> None:
    text = _help(*path)
    assert "<bool>" not in text and "BOOLEAN" not in text
    command = LEAVES[path] if path else typer.main.get_command(app)
    flags = [p.opts[0] for p in command.params if getattr(p, "is_flag", False)] + ["--help"]
    for flag in flags:
        row = next(line for line in text.splitlines() if re.match(rf"│ [* ]*{flag}\b", line))
        assert "<" not in row, row.rstrip(" │")
    if not path:
        assert re.search(r"│ --version +Print the version and exit", text)


WITH_FORMAT = [path for path, c in LEAVES.items() if any("--format" in p.opts for p in c.params)]


@pytest.mark.parametrize("path", WITH_FORMAT, ids=" ".join)
def test_an_unknown_format_is_one_error_line(path: tuple[str, ...]) -> None:
    result = RUNNER.invoke(app, [*path, "--format", "xml", "x", "y"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ccstd: error: "), result.stderr
    assert "'xml'" in lines[0] and "--format" in lines[0] and "json" in lines[0]


def test_format_is_checked_on_both_commands_that_have_it() -> None:
    assert {"validate", "diff"} <= {" ".join(p) for p in WITH_FORMAT}


@pytest.mark.parametrize(
    "args", [["validate", "--bogus"], ["nosuch"], ["schemas", "show"], ["validate", "-j", "0", "x"]]
)
def test_other_usage_errors_are_one_line_too(args: list[str]) -> None:
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("ccstd: error: ")
    assert "Traceback" not in result.output and "╭" not in result.output


def _groups() -> dict[tuple[str, ...], typer.core.TyperGroup]:
    root = typer.main.get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    found: dict[tuple[str, ...], typer.core.TyperGroup] = {(): root}
    for name, entry in _Commands.lazy_commands.items():
        command = load_command(name, entry)
        if isinstance(command, typer.core.TyperGroup):
            found[(name,)] = command
    return found


GROUPS = _groups()


def test_the_group_walk_finds_every_group() -> None:
    assert {(), ("schemas",), ("adapters",), ("certify",)} <= set(GROUPS)


@pytest.mark.parametrize("path", list(GROUPS), ids=lambda p: " ".join(p) or "ccstd")
def test_each_group_has_its_own_exit_code_footer(path: tuple[str, ...]) -> None:
    epilog = GROUPS[path].epilog
    assert epilog and epilog.startswith("Exit codes: 0 = ") and "2 = " in epilog
    assert _words(epilog) in _words(_help(*path))
    others = [c.epilog for p, c in GROUPS.items() if p != path]
    assert epilog not in others + [c.epilog for c in LEAVES.values()]


@pytest.mark.parametrize("path", list(GROUPS), ids=lambda p: " ".join(p) or "ccstd")
def test_a_group_lists_each_command_on_one_line_when_there_is_room(path: tuple[str, ...]) -> None:
    text = _help(*path)
    panel = text.split("─ Commands ")[1].split("╰")[0].splitlines()[1:]
    names = [line[2:].split(" ", 1)[0] for line in panel]
    assert all(names), f"a summary broke onto another line: {panel}"
    assert set(names) == set(GROUPS[path].list_commands(click.Context(GROUPS[path])))
