"""Models that `ccstd codegen` writes, generated through the CLI and imported."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from typer.testing import CliRunner

from ccstd.cli.app import app


def codegen_models(version: str, out: Path) -> Iterator[ModuleType]:
    """Run `ccstd codegen --version VERSION --out OUT`, import the module, yield it, forget it."""
    result = CliRunner().invoke(app, ["codegen", "--version", version, "--out", str(out)])
    assert result.exit_code == 0, result.output
    spec = importlib.util.spec_from_file_location(out.stem, out)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[out.stem] = module  # pydantic resolves the module of generic root models
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[out.stem]
