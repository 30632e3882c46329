"""Commands imported when they run, not when `ccstd` starts (architecture §2).

`ccstd --help` and `ccstd validate FILE` import only what they use: the certification,
publishing and code-generation stacks load only for their own commands. The root help lists
each command from the summary written here; a test checks it against the command itself.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
import typer.core
import typer.main
from typer import _click as click  # typer's own click: its groups take and return these types

try:  # typer's private coercion hooks: a typer without them keeps its own (slower start-up)
    from ccstd.cli import coercion

    coercion.install()  # plain values coerced without importing pydantic (start-up, issue 13)
except (ImportError, AttributeError):  # pragma: no cover - another typer release
    pass


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives: `module.attribute` is a command function or a `typer.Typer`."""

    module: str
    attribute: str
    summary: str
    epilog: str | None = None  # "module:NAME" of the epilog text, for command functions


class LazyGroup(typer.core.TyperGroup):
    """A typer group whose subcommands are imported on first use."""

    lazy_commands: ClassVar[dict[str, LazyCommand]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy_commands, *(n for n in self.commands if n not in self.lazy_commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.lazy_commands.get(cmd_name)
        if entry is None or cmd_name in self.commands:
            return self.commands.get(cmd_name)
        if self._listing:
            return typer.core.TyperCommand(cmd_name, help=entry.summary, short_help=entry.summary)
        self.commands[cmd_name] = load_command(cmd_name, entry)
        return self.commands[cmd_name]

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def load_command(name: str, entry: LazyCommand) -> click.Command:
    """Import the command's module and build its click command."""
    target = getattr(importlib.import_module(entry.module), entry.attribute)
    command: click.Command
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)  # a group even when it has one subcommand
    else:
        single = typer.Typer(rich_markup_mode="rich", pretty_exceptions_enable=False)
        single.command(name=name, epilog=_epilog(entry.epilog))(target)
        single._add_completion = False  # as for the root: ccstd installs no completion
        command = typer.main.get_command(single)
    command.name = name
    return command


def _epilog(reference: str | None) -> str | None:
    if reference is None:
        return None
    module, attribute = reference.split(":")
    return str(getattr(importlib.import_module(module), attribute))


_typer_type_column = typer.core.TyperOption.display_type_rich


def _type_column(option: typer.core.TyperOption, ctx: click.Context) -> str | None:
    """A flag takes no value, so its help shows no type (typer prints `<bool>` for one)."""
    return None if option.is_flag else _typer_type_column(option, ctx)


setattr(typer.core.TyperOption, "display_type_rich", _type_column)  # noqa: B010  every help page
