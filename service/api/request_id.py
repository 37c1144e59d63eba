"""``X-Request-ID`` on every response, taken from the request when it carries a sane one, else made here;
the id is in every log line written while the request is served (see :mod:`service.logs`)."""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.logs import request_id

_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SANE.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)

        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if started:
                raise
            # Answered here, not by Starlette's outermost error middleware: there the id is gone, so the
            # error's log line, the access log line and the answer's header would not name it.
            from service.api.errors import answer_unhandled

            await answer_unhandled(scope, receive, send_with_id, exc)
        finally:
            request_id.reset(token)
