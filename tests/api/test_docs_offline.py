"""The interactive docs load only the product's own files (issue 26: blank on an office network
without internet when they came from a CDN)."""

import re

import pytest
from starlette.testclient import TestClient

from crm.api.app import create_api


@pytest.fixture
def client(engine):
    with TestClient(create_api(lambda: engine), root_path="/api/v1") as test_client:
        yield test_client


def test_the_docs_page_names_only_its_own_assets(client):
    # Requested as the server sees them: the API is mounted at /api/v1 (ui.server).
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    loaded = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    loaded += re.findall(r"""url: ?["']([^"']+)["']""", page.text)
    assert loaded, page.text
    assert all(url.startswith("/api/v1/") for url in loaded), loaded
    assert "/api/v1/openapi.json" in loaded
    for url in loaded:
        answer = client.get(url)
        assert answer.status_code == 200, url
    script = client.get("/api/v1/docs-assets/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in script.text


def test_only_the_pages_assets_are_served(client):
    for name in ("index.html", "swagger-ui-bundle.js.map", "../__init__.py", "%2e%2e/x"):
        assert client.get(f"/api/v1/docs-assets/{name}").status_code == 404, name
