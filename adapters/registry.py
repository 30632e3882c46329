"""Installed adapters, discovered through the `ccstd.adapters` entry-point group (built-ins too)."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

from ccstd.adapters.base import Adapter
from ccstd.adapters.compression import CompressedInputError, plain_name, sample

GROUP = "ccstd.adapters"
_SNIFF_BYTES = 64 * 1024


class UnknownAdapterError(LookupError):
    """No installed adapter has that name, or none recognises an input."""


def installed() -> dict[str, Adapter]:
    """Every installed adapter by name; a plugin that fails to load is skipped, not fatal."""
    adapters: dict[str, Adapter] = {}
    for entry in entry_points(group=GROUP):
        try:
            adapter = entry.load()()
        except Exception:
            continue
        if isinstance(adapter, Adapter):
            adapters[adapter.name] = adapter
    return dict(sorted(adapters.items()))


def by_name(name: str) -> Adapter:
    """The adapter called `name`."""
    adapters = installed()
    if name not in adapters:
        raise UnknownAdapterError(f"no adapter '{name}' (installed: {', '.join(adapters)})")
    return adapters[name]


def detect(path: Path) -> Adapter:
    """The adapter most confident that `path` is in its format."""
    try:
        head = sample(path, _SNIFF_BYTES)  # decompressed when the file is gzip
    except CompressedInputError as exc:
        raise UnknownAdapterError(str(exc)) from None
    name = plain_name(path.name)
    scored = [(a.sniff(head, name), key, a) for key, a in installed().items()]
    confidence, _name, adapter = max(scored, key=lambda s: s[0], default=(0.0, "", None))
    if adapter is None or confidence < 0.5:
        raise UnknownAdapterError(f"{path}: no installed adapter recognises this input; use --from")
    return adapter
