"""Command-line values coerced without pydantic where typer's own coercion is a plain step.

Typer coerces every parameter through a pydantic `TypeAdapter`, and building the first one
imports pydantic: a third of the start-up of `ccstd validate FILE` (issue 13). For the values
whose coercion needs no validation library (a string, a list of strings, a choice, a path, an
integer already in range) this does the same step typer's adapter would run (typer's own
`coerce_cli_choice` and `coerce_cli_path`, or the value itself); anything else (a number to
parse, a value out of range) goes to typer's adapter, built on first use, so its messages stay
typer's. Installed by `cli/lazy.py` for every command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin

import typer.core
from typer import _coercion, _param_types

if TYPE_CHECKING:
    from typer import _click as click

_SLOW = object()  # no plain step: typer's adapter coerces the value
_typer_build = _coercion.build_runtime_param


@dataclass(frozen=True)
class _Deferred(_coercion.RuntimeParam):
    """A parameter's coercion: the plain step when it applies, else typer's (built once)."""

    descriptor: _coercion.TypeDescriptor | None = None
    _built: list[_coercion.RuntimeParam] = field(default_factory=list, compare=False)

    def _coerce_value(self, value: Any, param: Any, ctx: click.Context) -> Any:
        plain = _plain_step(self.annotation, self.parameter_info, value, param, ctx)
        if plain is not _SLOW:
            return plain
        if not self._built:
            assert self.descriptor is not None
            self._built.append(_typer_build(self.descriptor))
        return self._built[0]._coerce_value(value, param=param, ctx=ctx)


def _plain_step(annotation: Any, info: Any, value: Any, param: Any, ctx: click.Context) -> Any:
    """What typer's adapter returns for `value`, when no validation library is needed for it;
    else _SLOW. Dispatches on the annotation in the order typer's adapters do."""
    if info.parser is not None:
        return _SLOW
    if get_origin(annotation) is list:
        strings = get_args(annotation) == (str,) and isinstance(value, list | tuple)
        return list(value) if strings and all(type(v) is str for v in value) else _SLOW
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _choice(list(annotation), info, value, ctx)
    if get_origin(annotation) is Literal:
        return _choice(list(get_args(annotation)), info, value, ctx)
    if annotation is int:
        return value if type(value) is int and _in_range(value, info) else _SLOW
    if annotation is str:
        return value if type(value) is str else _SLOW
    if isinstance(annotation, type) and issubclass(annotation, Path):
        path_type = info.path_type if info.path_type is not None else annotation
        if not isinstance(value, path_type):
            return _SLOW  # typer makes the path with pydantic
        return _param_types.coerce_cli_path(value, info, path_type=path_type, param=param, ctx=ctx)
    return _SLOW


def _choice(choices: list[Any], info: Any, value: Any, ctx: click.Context) -> Any:
    """The choice `value` names; _SLOW when it names none (typer's message says so)."""
    try:
        return _param_types.coerce_cli_choice(
            value, choices=choices, case_sensitive=info.case_sensitive, ctx=ctx
        )
    except ValueError:
        return _SLOW


def _in_range(value: int, info: Any) -> bool:
    if info.clamp:
        return False
    return (info.min is None or value >= info.min) and (info.max is None or value <= info.max)


def _build(descriptor: _coercion.TypeDescriptor) -> _coercion.RuntimeParam:
    if descriptor.file_annotation is not None:  # files: typer's own step, no adapter
        return _typer_build(descriptor)
    return _Deferred(descriptor.parameter_info, descriptor.annotation, descriptor)


def install() -> None:
    """Coerce every typer parameter this way (idempotent)."""
    typer.core.build_runtime_param = _build  # type: ignore[attr-defined]
