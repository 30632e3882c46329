"""The OpenAPI 3.1 document: valid (openapi-spec-validator), served, and published in the docs."""

from __future__ import annotations

import httpx
import orjson
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.conftest import REPO_ROOT

PUBLISHED = REPO_ROOT / "docs" / "openapi.json"


def test_the_document_is_valid_openapi_3_1(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)
    paths = document["paths"]
    assert {"/v1/validate", "/v1/standard", "/v1/rules", "/healthz"} <= set(paths)
    assert "/v1/standard/{version}/schemas/{entity}" in paths
    validate_op = paths["/v1/validate"]["post"]
    names = {p["name"] for p in validate_op["parameters"]}
    assert {"standard", "checkReferences", "failOn", "format"} <= names
    assert {"200", "400", "401", "408", "413", "415", "422", "503"} <= set(validate_op["responses"])
    assert "HTTPValidationError" not in str(document)  # bad options are 400 Problems


def test_the_docs_publish_the_served_document(client: httpx.Client) -> None:
    served = client.get("/openapi.json").json()
    printed = CliRunner().invoke(app, ["serve", "--print-openapi"])
    assert printed.exit_code == 0 and orjson.loads(printed.stdout) == served
    assert PUBLISHED.read_text(encoding="utf-8") == printed.stdout, (
        "docs/openapi.json is stale: ccstd serve --print-openapi > docs/openapi.json"
    )
