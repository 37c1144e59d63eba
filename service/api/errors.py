"""Every API error leaves as one body shape: {ok, status, code, error, errors}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from index.errors import IndexError_
from service.errors import ErrorInfo, FactCheckError, describe, error_body, hide_paths

log = logging.getLogger(__name__)


# Starlette's own HTTP errors in the one vocabulary (service.errors.CODES); a 400 is a body that could not
# be parsed: not UTF-8, or JSON nested too deep
HTTP_CODES = {
    400: "malformed_json", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    413: "payload_too_large",
}  # fmt: skip


def _response(info: ErrorInfo, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(info), status_code=info.status, headers=headers or None)


def _validation_details(exc: RequestValidationError) -> list[dict]:
    details = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        details.append({"loc": loc or None, "message": err.get("msg", "invalid")})
    return details


async def _on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return _response(
            ErrorInfo(
                "malformed_json",
                400,
                2,
                "the request body is not valid JSON",
                [{"loc": None, "message": errors[0].get("msg", "invalid JSON")}],
            )
        )
    details = _validation_details(exc)
    summary = "; ".join(f"{d['loc']}: {d['message']}" if d["loc"] else d["message"] for d in details)
    return _response(ErrorInfo("invalid_request", 422, 2, f"invalid request: {summary}", details))


async def _on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = HTTP_CODES.get(exc.status_code, "internal_error" if exc.status_code >= 500 else "invalid_request")
    return _response(ErrorInfo(code, exc.status_code, 1, str(exc.detail)), getattr(exc, "headers", None))


async def _on_any(request: Request, exc: Exception) -> JSONResponse:
    info = describe(exc)
    if info.status >= 500 and info.code == "internal_error":
        log.exception("unhandled error on %s %s", request.method, request.url.path)
    info.message = hide_paths(info.message, request.app.state.settings.index_dir)
    return _response(info, getattr(exc, "headers", None))


async def answer_unhandled(scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
    """The 500 (or the mapped answer) for an error no handler took, sent while the request id is known."""
    request = Request(scope, receive)
    response = await _on_any(request, exc)
    await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    # Known errors get their own handlers: a handler for bare Exception runs in Starlette's
    # outermost middleware, which re-raises after answering.
    app.add_exception_handler(FactCheckError, _on_any)
    app.add_exception_handler(IndexError_, _on_any)
    app.add_exception_handler(Exception, _on_any)
