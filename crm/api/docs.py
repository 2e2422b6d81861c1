"""The interactive API documentation served from the product's own files: Swagger UI 5 (it reads
OpenAPI 3.1, which FastAPI writes) as packaged by ``fastapi-offline``, not from a CDN, so
``/api/v1/docs`` works on an office network without internet."""

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

ASSETS = "/docs-assets"
SWAGGER_UI = files("fastapi_offline") / "static"
# Only what the page loads: the bundle, its style sheet and the icon (not ReDoc, not used).
FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")


class _Listed(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        if path not in FILES:
            path = "missing"  # answered 404 by StaticFiles
        return await super().get_response(path, scope)


def add_docs(api: FastAPI) -> None:
    """``/docs`` (Swagger UI on the API's own OpenAPI document) and its assets."""
    api.mount(ASSETS, _Listed(directory=str(SWAGGER_UI)), name="docs-assets")

    @api.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{api.openapi_url}",
            title=f"{api.title} — ドキュメント",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
        )
