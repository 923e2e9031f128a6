"""The OpenAPI document: every operation lists the problem documents it can answer with."""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import Components, OpenAPIMediaType, OpenAPIResponse, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType

from omni_gateway.problems import PROBLEM, TITLES

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
