"""The run's look-ahead never parses whole a compact one-line Bundle larger than the streaming
threshold (it asked for twenty times 64 MiB of address space, refusing a 73 MB Bundle under
1 GiB that the streamed reading converts): it streams it, as the reading does. The thresholds
are lowered here to keep the test small; the CLI runs as it is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccstd.adapters.fhir import adapter
from tests.adapters.fhir.test_real_shapes import bundle, convert, lines, observation, patient

_LIMIT = 64 << 10


def test_a_one_line_bundle_over_the_threshold_is_streamed_in_the_look_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adapter, "STREAM_ABOVE", _LIMIT)
    monkeypatch.setattr(adapter, "_FIRST_LINE", _LIMIT)
    parsed: list[int] = []
    real = adapter.loads_json

    def spied(data: bytes) -> Any:
        parsed.append(len(data))
        return real(data)

    monkeypatch.setattr(adapter, "loads_json", spied)
    resources = [patient()] + [observation(f"o{n}") for n in range(400)]
    source = tmp_path / "big.json"
    source.write_text(json.dumps(bundle(*resources), separators=(",", ":")))
    assert source.stat().st_size > 2 * _LIMIT
    result, out = convert(tmp_path, source, extra=("--from", "fhir-r4"))
    assert result.exit_code == 0, result.output
    assert len(lines(out / "records.ndjson")) == 401
    assert all(size < _LIMIT for size in parsed)  # no text that large parsed whole
