"""The page at / in a real browser (Debian chromium driven by Playwright, no browser download):
a person drops a file and sees the findings in a table, filters them, gives a token. The page's
Content-Security-Policy stays on: the tests wait on selectors, never on evaluated strings."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from playwright.sync_api import Page, sync_playwright

from ccstd.service.config import ServiceConfig, load_tokens
from tests.conftest import valid_record
from tests.service.conftest import VENDOR_EXPORT, running

pytestmark = pytest.mark.browser
TOKEN = "page-test-token-0123456789abcdef"


@pytest.fixture(scope="module")
def browser_page() -> Iterator[tuple[Page, list[str]]]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian chromium is needed: `make test` and .ci/run install it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "console",
            lambda message: problems.append(message.text) if message.type == "error" else None,
        )
        yield page, problems
        browser.close()


def drop(page: Page, name: str, data: bytes) -> None:
    """Drop a file on the drop zone, as a person dragging it from their desktop does."""
    transfer = page.evaluate_handle(
        """([name, bytes]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name));
            return transfer;
        }""",
        [name, list(data)],
    )
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})


def unexpected(problems: list[str], status: str) -> list[str]:
    """Console errors other than chromium's note of an answer with `status`."""
    return [p for p in problems if not ("Failed to load resource" in p and status in p)]


def rows(page: Page) -> list[list[str]]:
    return [
        [cell.inner_text() for cell in row.query_selector_all("td")]
        for row in page.query_selector_all("#findings tbody tr")
    ]


def test_drop_a_file_and_filter_the_findings(
    browser_page: tuple[Page, list[str]], base_url: str
) -> None:
    page, problems = browser_page
    problems.clear()
    page.goto(base_url + "/")
    page.wait_for_selector("#standard option[value='1.0.0']", state="attached")
    body = VENDOR_EXPORT.read_bytes()
    expected = httpx.post(
        base_url + "/v1/validate", params={"name": "vendor-export.ndjson"}, content=body
    ).json()["findings"]
    drop(page, "vendor-export.ndjson", body)
    page.wait_for_selector("#result:not([hidden])")
    assert page.inner_text("#verdict") == "FAIL"
    shown = rows(page)
    assert len(shown) == len(expected) == int(page.inner_text("#shown-count"))
    assert [r[1] for r in shown] == [f["code"] for f in expected]
    assert [r[4] for r in shown] == [f["message"] for f in expected]
    assert "16 records, 8 valid, 8 invalid" in page.inner_text("#summary")

    page.select_option("#filter-severity", "warning")
    warnings = [f for f in expected if f["severity"] == "warning"]
    assert len(rows(page)) == len(warnings) == int(page.inner_text("#shown-count"))
    page.select_option("#filter-severity", "")
    code = expected[0]["code"]
    page.select_option("#filter-rule", code)
    assert {r[1] for r in rows(page)} == {code}
    page.select_option("#filter-rule", "")
    page.fill("#filter-text", "res-1002")
    assert rows(page) and all("res-1002" in " ".join(r) for r in rows(page))
    page.fill("#filter-text", "")
    assert len(rows(page)) == len(expected)
    assert not problems  # no script error, no blocked resource (the CSP would say)


def test_choose_a_gzip_file_and_options(
    browser_page: tuple[Page, list[str]], base_url: str, tmp_path: Path
) -> None:
    page, problems = browser_page
    problems.clear()
    page.goto(base_url + "/")
    page.wait_for_selector("#standard option[value='1.0.0']", state="attached")
    valid = tmp_path / "residents.ndjson.gz"
    valid.write_bytes(gzip.compress(orjson.dumps(valid_record("Resident")) + b"\n"))
    page.select_option("#standard", "1.0.0")
    page.set_input_files("#file", str(valid))
    page.wait_for_selector("#result:not([hidden])")
    assert page.inner_text("#verdict") == "PASS" and rows(page) == []
    assert "1 records, 1 valid" in page.inner_text("#summary")
    drop(page, "broken.json", b"\xff\xfe not json")
    page.wait_for_selector("#result:not([hidden]) #verdict.FAIL")
    assert "no record could be read" in page.inner_text("#status")
    assert not unexpected(problems, "422")


def test_a_service_with_tokens_asks_for_one(
    browser_page: tuple[Page, list[str]], tmp_path: Path
) -> None:
    page, problems = browser_page
    problems.clear()
    tokens = tmp_path / "tokens"
    tokens.write_text(TOKEN + "\n", encoding="utf-8")
    with running(ServiceConfig(tokens=load_tokens(tokens))) as url:
        page.goto(url + "/")
        page.wait_for_selector("#token-row:not([hidden])")
        page.fill("#token", TOKEN)
        page.dispatch_event("#token", "change")
        page.wait_for_selector("#standard option[value='1.0.0']", state="attached")
        drop(page, "vendor-export.ndjson", VENDOR_EXPORT.read_bytes())
        page.wait_for_selector("#result:not([hidden])")
        assert page.inner_text("#verdict") == "FAIL"
    assert not unexpected(problems, "401")  # the first, token-less look is one
