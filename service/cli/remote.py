"""``--server URL``: ``check`` and ``search`` answered by a running service, over its HTTP API.

A person checking claims by hand at a terminal pays the models' load once, in ``factcheck serve``,
instead of at every command: with a server, a command imports no model library and costs the
round trip. The answers are the API's, so the output is the same as without a server.
Only the standard library is used here (``urllib``), for the same reason.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, TypeVar

from pydantic import BaseModel

from service.cli.common import CLIError
from service.errors import EXIT_CODES
from service.schemas import BatchVerifyResponse, SearchResponse, VerifyResponse

Answer = TypeVar("Answer", bound=BaseModel)
TIMEOUT_S = 300.0  # a long batch on a slow CPU; a dead server is found by the connect, not by this


class RemoteError(CLIError):
    """The service refused a request: its error code, status and message."""

    def __init__(self, message: str, exit_code: int, code: str, status: int, detail: str) -> None:
        super().__init__(message, exit_code)
        self.code, self.status, self.detail = code, status, detail


class RemoteService:
    """The claim endpoints of the service at ``url``; ``token`` is its read token, when it has one."""

    def __init__(self, url: str, token: str | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise CLIError(f"--server wants an http:// or https:// URL, not {url!r}", 2)
        self.url = url.rstrip("/")
        self.token = token

    def _post(self, path: str, body: dict[str, Any], answer: type[Answer]) -> Answer:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as resp:
                return answer.model_validate(json.load(resp))
        except ValueError as exc:  # not JSON, or not the API's shape (pydantic's ValidationError is a ValueError)
            raise CLIError(
                f"the service at {self.url} did not answer as factcheck serve does ({type(exc).__name__}); "
                "is the URL right?",
                1,
            ) from None
        except urllib.error.HTTPError as exc:
            raise self._refusal(exc) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CLIError(
                f"cannot reach the service at {self.url}: {reason} (start one with: factcheck serve)", 3
            ) from None

    def _refusal(self, exc: urllib.error.HTTPError) -> RemoteError:
        try:
            body = json.load(exc)
            code, message = str(body["code"]), str(body["error"])
        except (ValueError, KeyError, TypeError):  # not our error shape: a proxy's page, say
            code, message = "error", exc.reason or "no message"
        exit_code = EXIT_CODES.get(code, 1)
        return RemoteError(
            f"the service at {self.url} answered {exc.code} {code}: {message}", exit_code, code, exc.code, message
        )

    @staticmethod
    def _options(top_k: int | None, language: str | None) -> dict[str, Any]:
        return {k: v for k, v in (("top_k", top_k), ("language", language)) if v is not None}

    def verify(self, claim: str, top_k: int | None, language: str | None) -> VerifyResponse:
        return self._post("/v1/claims/verify", {"claim": claim, **self._options(top_k, language)}, VerifyResponse)

    def verify_batch(self, claims: list[str], top_k: int | None, language: str | None) -> BatchVerifyResponse:
        body = {"claims": claims, **self._options(top_k, language)}
        return self._post("/v1/claims/verify-batch", body, BatchVerifyResponse)

    def lookup(self, claim: str, top_k: int | None) -> SearchResponse:
        return self._post("/v1/claims/search", {"claim": claim, **self._options(top_k, None)}, SearchResponse)
