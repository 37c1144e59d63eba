"""Bearer-token checks: admin endpoints need FACTCHECK_ADMIN_TOKEN (and are off without it);
read endpoints are open unless FACTCHECK_READ_TOKEN is set."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from service.api.deps import SettingsDep
from service.errors import AdminDisabledError, UnauthorizedError

# auto_error=False: a missing header must reach our checks and leave in the one error shape
_bearer = HTTPBearer(auto_error=False, description="FACTCHECK_ADMIN_TOKEN, or FACTCHECK_READ_TOKEN for reading.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _matches(given: HTTPAuthorizationCredentials | None, *tokens: SecretStr | None) -> bool:
    if given is None:
        return False
    offered = given.credentials.encode()
    # compare_digest: the time taken must not tell how much of a guess was right
    return any(t is not None and hmac.compare_digest(offered, t.get_secret_value().encode()) for t in tokens)


def require_admin(settings: SettingsDep, credentials: Credentials) -> None:
    if settings.admin_token is None:
        raise AdminDisabledError("admin endpoints are disabled: set FACTCHECK_ADMIN_TOKEN to enable them")
    if credentials is None:
        raise UnauthorizedError("this endpoint needs the admin token: send 'Authorization: Bearer <token>'")
    if not _matches(credentials, settings.admin_token):
        raise UnauthorizedError("the bearer token is not the admin token")


def require_reader(settings: SettingsDep, credentials: Credentials) -> None:
    if settings.read_token is None:
        return
    if credentials is None:
        raise UnauthorizedError("this endpoint needs the read token: send 'Authorization: Bearer <token>'")
    if not _matches(credentials, settings.read_token, settings.admin_token):
        raise UnauthorizedError("the bearer token is not valid here")


AdminDep = Depends(require_admin)
ReaderDep = Depends(require_reader)
