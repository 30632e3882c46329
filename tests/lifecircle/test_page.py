"""report.html in headless Debian chromium (Playwright, no browser download): every community's
map and tables render, nothing is fetched from anywhere, and a screenshot is taken."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.lifecircle.conftest import report

pytestmark = pytest.mark.browser


def test_report_renders_every_map_and_table(routed: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian chromium is needed: `make test` and .ci/run install it"
    communities = report(routed)["communities"]
    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto((routed / "report.html").as_uri())
        sections = page.query_selector_all("section.community")
        assert len(sections) == len(communities)
        for section in sections:
            box = section.query_selector("svg.map").bounding_box()
            assert box is not None and box["width"] > 50 and box["height"] > 20
            assert section.query_selector_all("table.coverage tr")
            assert section.query_selector_all("table.onehour tr")
        shown = page.query_selector_all("section.community svg.map circle.building")
        visible = [c for c in communities.values() if not c["suppressed"]]
        assert len(shown) == sum(c["buildings"] for c in visible)  # none of a suppressed one
        assert page.query_selector_all("svg.map path.uncovered")  # the canal's gap is marked
        assert len(page.query_selector_all("svg.map path.streets")) == len(visible)
        assert page.query_selector_all("ol.gaps li")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert [u for u in requests if not u.startswith("file://")] == []
    assert problems == []
    assert (tmp_path / "report.png").stat().st_size > 10_000
