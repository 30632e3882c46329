"""Tests of the FHIR adapter. `ACCEPTANCE` is the shared acceptance corpus (`../shared/acceptance`
beside the checkout, or $CCSTD_ACCEPTANCE when the checkout lives elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import ACCEPTANCE as _BESIDE

ACCEPTANCE = Path(os.environ.get("CCSTD_ACCEPTANCE") or _BESIDE)
