"""Bounded request bodies, and the bearer token checked before a body is read.

FastAPI reads and parses a body before it runs a route's dependencies, so without this a 500 MB body
(or one sent without a token) costs its size in memory before anything can refuse it. This ASGI
middleware refuses a body over its route's limit from its Content-Length, or as soon as a streamed
body passes the limit, and checks the token of a protected route from the headers alone.
"""

from __future__ import annotations

import json

from fastapi.security import HTTPAuthorizationCredentials
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.auth import require_admin, require_reader
from service.errors import FactCheckError, PayloadTooLargeError, describe, error_body
from service.settings import Settings

_ADMIN_PREFIXES = ("/v1/documents", "/v1/fact-checks", "/v1/index/rebuild", "/v1/index/jobs")
_READER_PREFIXES = ("/v1/claims", "/v1/articles")


class _TooLarge(Exception):
    pass


def _limit(settings: Settings, path: str) -> tuple[int, str]:
    if path.startswith("/v1/articles/check"):
        return settings.max_article_body_bytes, "FACTCHECK_MAX_ARTICLE_BODY_BYTES"
    if path.startswith(("/v1/documents", "/v1/fact-checks")):
        return settings.max_documents_body_bytes, "FACTCHECK_MAX_DOCUMENTS_BODY_BYTES"
    return settings.max_body_bytes, "FACTCHECK_MAX_BODY_BYTES"


def as_json(scope: Scope) -> Scope:
    """The request with its body declared JSON: every body this API takes is JSON, and ``curl -d`` (form
    encoded), ``fetch`` with a string (text/plain) or a client that names no type would otherwise get a
    422 about a dictionary. A body that is not JSON is then refused as ``malformed_json``."""
    headers = scope.get("headers", [])
    declared = dict(headers).get(b"content-type", b"").split(b";")[0].strip().lower()
    if declared == b"application/json" or declared.endswith(b"+json"):
        return scope
    kept = [(name, value) for name, value in headers if name != b"content-type"]
    return {**scope, "headers": [*kept, (b"content-type", b"application/json")]}


def _credentials(scope: Scope) -> HTTPAuthorizationCredentials | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return HTTPAuthorizationCredentials(scheme="Bearer", credentials=token.strip())
    return None


class BodyGuard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        try:
            if path.startswith(_ADMIN_PREFIXES):
                require_admin(self.settings, _credentials(scope))
            elif path.startswith(_READER_PREFIXES):
                require_reader(self.settings, _credentials(scope))
        except FactCheckError as exc:
            await _answer(send, exc)
            return
        scope = as_json(scope)
        limit, setting = _limit(self.settings, path)
        too_large = PayloadTooLargeError(
            f"the request body is over {limit:,} bytes, the limit of this route ({setting})"
        )
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _answer(send, too_large)
            return
        seen, started, exceeded = 0, False, False

        async def bounded_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if exceeded:  # the app's answer to a body it could not finish reading (FastAPI says 400)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracking_send)
        except _TooLarge:
            pass
        if exceeded and not started:
            await _answer(send, too_large)


async def _answer(send: Send, exc: FactCheckError) -> None:
    info = describe(exc)
    body = json.dumps(error_body(info)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in exc.headers.items()]
    await send({"type": "http.response.start", "status": info.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
