"""RFC 9457 problem documents for every error, and gRPC status -> HTTP status."""

from __future__ import annotations

import re
from typing import Any

import grpc
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from pymongo.errors import ConnectionFailure, ExecutionTimeout

from omni_gateway.context import assign_request_id
from omni_kit.errors import DomainError, error_details
from omni_kit.logs import get_logger
from omni_kit.telemetry import current_trace_id

log = get_logger("omni.gateway")

PROBLEM = "application/problem+json"

HTTP_FOR_GRPC = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.OUT_OF_RANGE: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
    grpc.StatusCode.CANCELLED: 503,
}
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    502: "Bad gateway",
    503: "Service unavailable",
}
RETRY_AFTER_SECONDS = "2"
# What a call answers when the service could not be reached or ran out of time, with or without
# a service's own ErrorInfo: 503, retry shortly.
UNREACHABLE = {503}


def problem(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    code: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[dict[str, Any]]:
    slug = (code or TITLES.get(status, "error")).lower().replace(" ", "-").replace("_", "-")
    body: dict[str, Any] = {
        "type": f"https://omni.dev/problems/{slug}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if code:
        body["code"] = code
    if errors:
        body["errors"] = errors
    body["request_id"] = assign_request_id(request.scope)
    trace_id = current_trace_id()
    if trace_id:
        body["trace_id"] = trace_id
    body.update(extra or {})
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers or {})


# Refusals that are about the request's URL rather than its meaning: 400, not 422.
BAD_REQUEST_REASONS = {"INVALID_PAGE_TOKEN"}
URL_PARTS = {"query", "path", "header", "cookie"}
PAGING_PARAMETERS = {"page_size", "page_token"}


def grpc_error_handler(
    request: Request[Any, Any, Any], error: grpc.aio.AioRpcError
) -> Response[Any]:
    details = error_details(error)
    status = HTTP_FOR_GRPC.get(details.code, 502)
    if not details.domain and status not in UNREACHABLE:
        # No ErrorInfo: the refusal is gRPC's own (a transport limit, an unimplemented method),
        # not a service's answer about the request; its text is internal.
        status = 502
    if details.reason in BAD_REQUEST_REASONS:
        status = 400
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if status == 503 else {}
    if status == 502:
        log.error("downstream_failed", code=details.code.name, message=details.message)
        return problem(request, 502, "a service failed to answer this request", headers=headers)
    if status == 503:
        detail = "a service is temporarily unavailable; retry shortly"
    else:
        detail = details.message
    errors = [{"field": details.field, "message": details.message}] if details.field else None
    extra = {"metadata": details.metadata} if details.metadata else None
    return problem(
        request,
        status,
        detail,
        code=details.reason or None,
        errors=errors,
        headers=headers,
        extra=extra,
    )


def domain_error_handler(request: Request[Any, Any, Any], error: DomainError) -> Response[Any]:
    status = HTTP_FOR_GRPC.get(error.code, 500)
    errors = [{"field": error.field, "message": error.message}] if error.field else None
    return problem(request, status, error.message, code=error.reason, errors=errors)


MISSING = re.compile(r"missing required field `([^`]+)`")


def _missing_field(field: str, message: str) -> str:
    """A body field that is missing is the one to name, not the body (or its parent)."""
    missing = MISSING.search(message)
    if missing is None:
        return field
    return missing.group(1) if field in ("data", "body") else f"{field}.{missing.group(1)}"


def validation_error_handler(
    request: Request[Any, Any, Any], error: ValidationException
) -> Response[Any]:
    errors = []
    paging_or_length = True
    for item in error.extra if isinstance(error.extra, list) else []:
        if isinstance(item, dict):
            field = str(item.get("key") or item.get("source") or "body")
            message = str(item.get("message", ""))
            field = _missing_field(field, message)
            errors.append({"field": field, "message": message})
            source = str(getattr(item.get("source"), "value", item.get("source")))
            paging_or_length &= source in URL_PARTS and (
                field in PAGING_PARAMETERS or "of length" in message
            )
    malformed = (
        "malformed" in (error.detail or "").lower() or "decode" in (error.detail or "").lower()
    )
    # A page size out of range, a page token or an over-long value in the URL: 400, the request
    # is not one the route reads. A value that parses but means nothing valid: 422.
    in_url = bool(errors) and paging_or_length
    status = 400 if (malformed and not errors) or in_url else 422
    return problem(
        request,
        status,
        error.detail or "the request is invalid",
        code="VALIDATION_FAILED"
        if status == 422
        else ("INVALID_PARAMETER" if in_url else "MALFORMED_BODY"),
        errors=errors or None,
    )


def undecodable_body_handler(
    request: Request[Any, Any, Any], error: UnicodeDecodeError
) -> Response[Any]:
    """A body that is not UTF-8 cannot be JSON: the caller's mistake, never a 500."""
    return problem(
        request,
        400,
        f"the request body is not UTF-8 text (byte {error.start})",
        code="MALFORMED_BODY",
        errors=[{"field": "body", "message": "not valid UTF-8"}],
    )


def http_error_handler(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    status = error.status_code
    headers = dict(error.headers or {})
    extra = error.extra if isinstance(error.extra, dict) else {}
    code = extra.pop("code", None) if extra else None
    errors = extra.pop("errors", None) if extra else None
    return problem(
        request,
        status,
        error.detail,
        code=code,
        errors=errors,
        headers=headers,
        extra=extra or None,
    )


def store_error_handler(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """The gateway's own store (accounts, sessions, keys, idempotency) did not answer."""
    log.warning("gateway_store_unavailable", path=request.url.path, error=type(error).__name__)
    return problem(
        request,
        503,
        "the gateway cannot reach its store right now; retry shortly",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


def internal_error_handler(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    log.exception("unhandled_error", path=request.url.path)
    return problem(request, 500, "an internal error occurred; it has been logged")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    grpc.aio.AioRpcError: grpc_error_handler,
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    UnicodeDecodeError: undecodable_body_handler,
    HTTPException: http_error_handler,
    ConnectionFailure: store_error_handler,
    ExecutionTimeout: store_error_handler,
    Exception: internal_error_handler,
}
