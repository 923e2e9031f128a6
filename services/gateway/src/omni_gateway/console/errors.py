"""What the console shows when a request is refused: the sign-in page for a missing or ended
session (an htmx request is told to load it), otherwise a page with the API's own message."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import grpc
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect
from litestar_htmx import ClientRedirect

from omni_gateway.console.labels import N_
from omni_gateway.console.render import page, translate
from omni_gateway.console.session import ENDED, PATH
from omni_gateway.problems import HTTP_FOR_GRPC
from omni_kit.errors import error_details
from omni_kit.logs import get_logger

log = get_logger("omni.gateway.console")
SIGN_IN = f"{PATH}/sign-in"
PASSWORD = f"{PATH}/password"


def sign_in_url(request: Request[Any, Any, Any]) -> str:
    query = {}
    ended = request.scope.get("state", {}).get(ENDED)
    if ended:
        query["ended"] = ended
    if request.method == "GET" and not request.headers.get("hx-request"):
        query["next"] = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return SIGN_IN + (f"?{urlencode(query)}" if query else "")


def signed_out(request: Request[Any, Any, Any], _: NotAuthorizedException) -> Response[Any]:
    session = request.scope.get("session")
    if isinstance(session, dict):
        session.clear()
    target = sign_in_url(request)
    if request.headers.get("hx-request"):
        return ClientRedirect(target)
    return Redirect(target, status_code=303)


def refused(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    extra = error.extra if isinstance(error.extra, dict) else {}
    if extra.get("code") == "PASSWORD_CHANGE_REQUIRED":  # an admin set it: choose one first
        if request.headers.get("hx-request"):
            return ClientRedirect(PASSWORD)
        return Redirect(PASSWORD, status_code=303)
    return page(
        request,
        "error.html",
        status=error.status_code,
        title=translate(request, _TITLES.get(error.status_code, N_("Something went wrong"))),
        detail=error.detail,
        code=str(extra.get("code", "")),
    )


def downstream(request: Request[Any, Any, Any], error: grpc.aio.AioRpcError) -> Response[Any]:
    details = error_details(error)
    status = HTTP_FOR_GRPC.get(details.code, 502)
    if status >= 500 or not details.domain:
        log.warning("console_downstream_failed", code=details.code.name)
        detail = translate(request, "A service did not answer; try again shortly.")
        status = 503
    else:
        detail = details.message
    return page(
        request,
        "error.html",
        status=status,
        title=translate(request, _TITLES.get(status, N_("Something went wrong"))),
        detail=detail,
        code=details.reason,
    )


def failed(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    log.exception("console_unhandled_error", path=request.url.path)
    return page(
        request,
        "error.html",
        status=500,
        title=translate(request, N_("Something went wrong")),
        detail=translate(request, N_("The error has been logged; try again.")),
        code="",
    )


_TITLES = {
    400: N_("This request is not valid"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    409: N_("Not possible now"),
    422: N_("This request is not valid"),
    429: N_("Too many requests"),
    503: N_("Temporarily unavailable"),
}

HANDLERS: dict[Any, Any] = {
    NotAuthorizedException: signed_out,
    HTTPException: refused,
    grpc.aio.AioRpcError: downstream,
    Exception: failed,
}
