"""/docs and /redoc with their assets served by the app (from the fastapi-offline package), not from a CDN:
the service often runs where no CDN can be reached, and the API documentation must still show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"


def _assets_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).with_name("static")


def install(app: FastAPI) -> None:
    """Serve the OpenAPI UIs offline; ``app`` must be created with ``docs_url=None, redoc_url=None``."""
    app.mount(ASSETS, StaticFiles(directory=_assets_dir()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title}: API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title}: API",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )


_READ_PREFIXES = ("/v1/claims", "/v1/articles", "/v1/index")


def _state_limits(schema: dict, settings: Any) -> None:
    """Write this service's limits (settings, fixed for the life of the app) into the request schemas,
    so a client or a schema-driven test knows them: the most evidence passages, claims and documents."""
    bounds = {
        ("SearchRequest", "top_k"): ("maximum", settings.max_top_k),
        ("VerifyRequest", "top_k"): ("maximum", settings.max_top_k),
        ("BatchVerifyRequest", "top_k"): ("maximum", settings.max_top_k),
        ("ArticleCheckRequest", "top_k"): ("maximum", settings.max_top_k),
        ("BatchVerifyRequest", "claims"): ("maxItems", settings.max_batch_claims),
        ("ArticleCheckRequest", "max_claims"): ("maximum", settings.max_batch_claims),
        ("DocumentsRequest", "documents"): ("maxItems", settings.max_documents_per_request),
    }
    components = schema.get("components", {}).get("schemas", {})
    for (model, field), (keyword, value) in bounds.items():
        prop = components.get(model, {}).get("properties", {}).get(field)
        if prop is not None:
            prop[keyword] = value


def tune_openapi(app: FastAPI) -> None:
    """Make the spec say what the service does: the read routes' token is optional (only when
    FACTCHECK_READ_TOKEN is set), every POST may answer 413, and /readyz 503."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        error = {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
        }
        for path, operations in schema.get("paths", {}).items():
            for method, op in operations.items():
                responses = op.setdefault("responses", {})
                admin = path.startswith(("/v1/index/rebuild", "/v1/index/jobs", "/v1/documents", "/v1/fact-checks"))
                if path.startswith(_READ_PREFIXES) and not admin:
                    op["security"] = [{}, {"HTTPBearer": []}]  # open unless FACTCHECK_READ_TOKEN is set
                    responses.setdefault("401", error)
                if method in ("post", "put", "patch"):
                    responses.setdefault("413", {**error, "description": "The body is over the route's limit"})
                if path == "/readyz":
                    responses.setdefault("503", {"description": "Not ready yet: no index or models loaded"})
        _state_limits(schema, app.state.settings)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
