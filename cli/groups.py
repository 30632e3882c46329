"""Command groups (`ccstd schemas`, `ccstd adapters`, `ccstd certify`) whose help lists each
command on one line of prose and ends with the group's exit codes, as every command's does."""

from __future__ import annotations

import inspect

import typer.core
from typer import _click as click


def summary(help_text: str) -> str:
    """The first paragraph of a command's help, its line breaks (from the docstring) removed."""
    return " ".join(inspect.cleandoc(help_text).split("\n\n")[0].split())


class CommandGroup(typer.core.TyperGroup):
    """A group whose command list shows each summary as one paragraph: typer's rich mode keeps
    a docstring's line breaks there, which cut the sentence wherever the source wrapped it."""

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        for command in self.commands.values():
            if command.short_help is None and command.help:
                command.short_help = summary(command.help)
        super().format_help(ctx, formatter)
