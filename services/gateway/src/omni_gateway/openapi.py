"""The OpenAPI document: every operation lists the problem documents it can answer with, and the
responses that hand out an id link to the operations that take it (OpenAPI links), so clients and
stateful test tools can follow create -> read -> change -> delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import msgspec
from litestar import Litestar
from litestar.openapi.spec import (
    Components,
    Link,
    OpenAPIMediaType,
    OpenAPIResponse,
    Reference,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIType

from omni_gateway.problems import PROBLEM, TITLES


class Follow(NamedTuple):
    """A call a response enables: the target ("METHOD /path") and where its inputs come from
    (OpenAPI runtime expressions; `header.If-Match` and the like name a header)."""

    target: str
    parameters: dict[str, str] = {}
    body: dict[str, Any] | None = None


ID = "$response.body#/id"
ETAG = "$response.header.ETag"


PROBLEM_STATUSES = (400, 401, 403, 404, 409, 413, 415, 422, 429, 503)

PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    description="RFC 9457 problem details",
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "instance": Schema(type=OpenAPIType.STRING),
        "code": Schema(type=OpenAPIType.STRING, description="machine-readable reason"),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                properties={
                    "field": Schema(type=OpenAPIType.STRING),
                    "message": Schema(type=OpenAPIType.STRING),
                },
            ),
        ),
        "request_id": Schema(type=OpenAPIType.STRING),
        "trace_id": Schema(type=OpenAPIType.STRING),
    },
)


def document_problems(app: Litestar) -> None:
    openapi = app.openapi_schema
    openapi.components = openapi.components or Components()
    schemas = dict(openapi.components.schemas or {})
    schemas["Problem"] = PROBLEM_SCHEMA
    openapi.components.schemas = schemas
    reference = Reference(ref="#/components/schemas/Problem")
    for path_item in (openapi.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(path_item, method, None)
            if operation is None:
                continue
            responses = dict(operation.responses or {})
            responses.pop("400", None)  # replaced by the problem document below
            for status in PROBLEM_STATUSES:
                responses.setdefault(
                    str(status),
                    OpenAPIResponse(
                        description=TITLES.get(status, "Error"),
                        content={PROBLEM: OpenAPIMediaType(schema=reference)},
                    ),
                )
            operation.responses = responses


def document_closed_bodies(app: Litestar) -> None:
    """Request bodies refuse fields they do not name (forbid_unknown_fields): the document says
    so, or clients and generated tests would send extra fields the gateway answers with a 422."""
    schemas = (app.openapi_schema.components or Components()).schemas or {}
    for struct in _structs(msgspec.Struct):
        schema = schemas.get(struct.__name__)
        if isinstance(schema, Schema) and struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False


def _structs(base: type[msgspec.Struct]) -> Iterator[type[msgspec.Struct]]:
    for struct in base.__subclasses__():
        if struct.__module__.startswith("omni_gateway."):
            yield struct
        yield from _structs(struct)


def links(status: int, follows: dict[str, Follow]) -> dict[str, Any]:
    """A route's OpenAPI links, declared next to it: `@get(..., opt=links(200, {...}))`."""
    return {"links": {status: follows}}


def _declared_links(app: Litestar) -> dict[tuple[str, int], dict[str, Follow]]:
    declared: dict[tuple[str, int], dict[str, Follow]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for status, follows in handler.opt.get("links", {}).items():
                for method in sorted(handler.http_methods):
                    declared[(f"{method} {route.path_format}", status)] = follows
    return declared


def document_links(app: Litestar) -> None:
    """Adds the links routes declare to the responses they start from; a link naming an unknown
    operation fails the start, so links cannot drift from the routes."""
    paths = app.openapi_schema.paths or {}

    def operation(label: str) -> Any:
        method, path = label.split(" ", 1)
        found = getattr(paths.get(path), method.lower(), None) if path in paths else None
        if found is None:
            raise LookupError(f"OpenAPI link names no operation: {label}")
        return found

    for (label, status), follows in _declared_links(app).items():
        response = (operation(label).responses or {})[str(status)]
        if not isinstance(response, OpenAPIResponse):
            raise LookupError(f"OpenAPI link starts from no response: {label} {status}")
        response.links = {
            name: Link(
                operation_id=operation(follow.target).operation_id,
                parameters=dict(follow.parameters) or None,
                request_body=follow.body,
            )
            for name, follow in follows.items()
        }
