"""Adapters that translate vendor formats into the standard (see DESIGN §6)."""
