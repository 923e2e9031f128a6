"""The OpenAPI document: every operation lists the problem documents it can answer with, and the
responses that hand out an id link to the operations that take it (OpenAPI links), so clients and
stateful test tools can follow create -> read -> change -> delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import msgspec
from litestar import Litestar
from litestar._openapi.schema_generation import SchemaCreator
from litestar.openapi.spec import (
    Components,
    Link,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Parameter,
    PathItem,
    Reference,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.typing import FieldDefinition

from omni_gateway.problems import PROBLEM, TITLES
from omni_gateway.views.webhook_events import EVENTS


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


FILE = Schema(type=OpenAPIType.STRING, description="the file's text, one row per line")


def files(*media_types: str, request: bool = False, response: int | None = None) -> dict[str, Any]:
    """A route whose request body or response is a file streamed as-is (CSV, JSON Lines), not a
    JSON document: `@post(..., opt=files("text/csv", request=True))`."""
    return {"files": (media_types, request, response)}


def document_files(app: Litestar) -> None:
    """Describes the files routes take or answer with (Litestar sees no body in a stream)."""
    paths = app.openapi_schema.paths or {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "files" not in handler.opt:
                continue
            media_types, request, response = handler.opt["files"]
            content = {media: OpenAPIMediaType(schema=FILE) for media in media_types}
            for method in handler.http_methods:
                operation = getattr(paths[route.path_format], method.lower())
                if request:
                    operation.request_body = RequestBody(content=content, required=True)
                if response is not None:
                    operation.responses[str(response)].content = content


SIGNATURE_HEADERS = {
    "Omni-Webhook-Id": "The webhook this delivery is for.",
    "Omni-Delivery-Id": "The delivery (the same on every try of it).",
    "Omni-Event-Id": "The event (the body's `id`): the same on every delivery and replay of it.",
    "Omni-Event-Type": "The event type (the body's `type`).",
    "Omni-Timestamp": "When this try was signed, in Unix seconds.",
    "Omni-Signature": "`t=<Omni-Timestamp>,v1=<hex>`: `v1` is HMAC-SHA256 of `<t>.<body>` with "
    "the webhook's secret. Reject a signature that does not match or a timestamp older than "
    "five minutes.",
}


def document_webhooks(app: Litestar) -> None:
    """The document's `webhooks`: per offered event type, the signed POST a partner's webhook
    receives, its body `{id, type, occurred_at, data}` with `data` the event's view. Made from
    the views (`views/webhook_events.py`), so the two cannot drift."""
    openapi = app.openapi_schema
    creator = SchemaCreator(plugins=app.plugins.openapi, prefer_alias=True)
    data = {
        event_type: creator.for_field_definition(FieldDefinition.from_annotation(view.data))
        for event_type, view in EVENTS.items()
    }
    _name_components(creator, openapi.components)
    headers = [
        Parameter(
            name=name,
            param_in="header",
            required=True,
            description=description,
            schema=Schema(type=OpenAPIType.STRING),
        )
        for name, description in SIGNATURE_HEADERS.items()
    ]
    openapi.webhooks = {
        event_type: PathItem(
            post=Operation(
                summary=view.summary,
                operation_id=f"Webhook{''.join(p.title() for p in event_type.split('.'))}",
                tags=["partner webhooks"],
                parameters=list(headers),
                request_body=RequestBody(
                    required=True,
                    content={
                        "application/json": OpenAPIMediaType(
                            schema=_envelope(event_type, data[event_type])
                        )
                    },
                ),
                responses={
                    "2XX": OpenAPIResponse(
                        description="Received. Any other answer, or none in time, is retried "
                        "with backoff."
                    )
                },
            )
        )
        for event_type, view in sorted(EVENTS.items())
    }


def _envelope(event_type: str, data: Schema | Reference) -> Schema:
    return Schema(
        type=OpenAPIType.OBJECT,
        required=["id", "type", "occurred_at", "data"],
        additional_properties=False,
        properties={
            "id": Schema(type=OpenAPIType.STRING, description="The event id"),
            "type": Schema(type=OpenAPIType.STRING, const=event_type),
            "occurred_at": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME),
            "data": data,
        },
    )


def _name_components(creator: SchemaCreator, components: Components) -> None:
    """Gives the views the webhooks reference the names the routes' document gave them (a name
    is its type's, prefixed by module when two views share it), adding those it lacks. A view
    whose name the document gives a different schema fails the start: rename it."""
    schemas = dict(components.schemas or {})
    named: dict[str, Schema] = {}
    for registered in creator.schema_registry:
        key = registered.key
        candidates = ["_".join(key[i:]) for i in range(len(key) - 1, -1, -1)]
        name = next((c for c in candidates if c in schemas), key[-1])
        if name in named:
            raise ValueError(f"two webhook views are named {name!r}: rename one")
        creator.schema_registry.set_reference_paths(name, registered)
        named[name] = registered.schema
    for name, schema in named.items():
        if name not in schemas:
            schemas[name] = schema
        elif _shape(schemas[name]) != _shape(schema):
            raise ValueError(f"webhook view {name!r} is not the routes' {name!r}: rename it")
    components.schemas = dict(sorted(schemas.items()))


def _shape(schema: Schema | Reference) -> dict[str, Any]:
    # An enum's component takes the default of the first field found using it: not the type's.
    return {k: v for k, v in schema.to_schema().items() if k not in ("title", "default")}
