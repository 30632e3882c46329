"""Adapters that translate vendor formats into the standard (docs/architecture.md §6)."""
