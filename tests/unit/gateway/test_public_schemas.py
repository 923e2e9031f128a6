"""The public API as a generated client sees it: every success response, and every webhook body
partners receive, has a closed, typed schema, no internal field crosses the gateway, and enums
are lower-case words."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from omni_gateway.webhooks.subscriptions import EVENT_TYPES

# Internal state that must never appear in a public body (saga, stock holds, store internals,
# the request's own bookkeeping, which travels in headers).
FORBIDDEN = {
    "saga",
    "last_error",
    "attempts",
    "reservation_id",
    "reservation_ids",
    "hold_id",
    "hold_ids",
    "request_id",
    "idempotency_key",
    "_id",
    "schema_version",
    "outbox",
    "lease",
    "password_hash",
    "key_hash",
    "secret_hash",
}
METHODS = ("get", "put", "post", "delete", "patch")

DOCUMENT = Path(__file__).resolve().parents[3] / "api" / "openapi.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    # The committed document: tests/contracts/test_openapi_is_current.py keeps it equal to the
    # one the gateway serves.
    return json.loads(DOCUMENT.read_text())


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = document["components"]["schemas"][name]
    return schema


def _walk(
    document: dict[str, Any], schema: dict[str, Any], where: str, seen: set[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema reachable from `schema`, with where it sits."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return
        seen = seen | {schema["$ref"]}
    schema = _resolve(document, schema)
    yield where, schema
    for name, child in (schema.get("properties") or {}).items():
        yield from _walk(document, child, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _walk(document, schema[key], f"{where}[]", seen)
    for key in ("oneOf", "anyOf", "allOf"):
        for child in schema.get(key, []):
            yield from _walk(document, child, where, seen)


def _success_bodies(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                for media, body in (response.get("content") or {}).items():
                    label = f"{method.upper()} {path} {status} {media}"
                    yield label, body.get("schema", {})


def _webhook_bodies(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for event_type, item in document.get("webhooks", {}).items():
        for media, body in item["post"]["requestBody"]["content"].items():
            yield f"webhook {event_type} {media}", body.get("schema", {})


def _public_bodies(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from _success_bodies(document)
    yield from _webhook_bodies(document)


def _typed(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "object" not in kinds:
        return True
    extra = schema.get("additionalProperties")
    return bool(schema.get("properties")) or (isinstance(extra, dict) and bool(extra))


def test_every_success_response_is_a_closed_typed_schema(document):
    open_ones = []
    for label, schema in _public_bodies(document):
        if not schema:
            open_ones.append(f"{label}: no schema")
            continue
        for where, found in _walk(document, schema, label, set()):
            untyped = not any(key in found for key in ("type", "oneOf", "anyOf", "allOf", "enum"))
            if untyped or not _typed(found):
                open_ones.append(f"{where}: an open object")
    assert not open_ones, "\n".join(open_ones)


def test_no_internal_field_reaches_a_public_body(document):
    leaks = []
    for label, schema in _public_bodies(document):
        for where, found in _walk(document, schema, label, set()):
            leaks += [
                f"{where}.{name}" for name in found.get("properties", {}) if name in FORBIDDEN
            ]
    assert not leaks, "\n".join(leaks)


def test_public_enums_are_lower_case_words(document):
    shouting = []
    for label, schema in _public_bodies(document):
        for where, found in _walk(document, schema, label, set()):
            shouting += [
                f"{where}: {value}"
                for value in found.get("enum", [])
                if isinstance(value, str) and value != value.lower()
            ]
    assert not shouting, "\n".join(shouting)


def test_money_is_amount_minor_and_currency(document):
    wrong = []
    for name, schema in document["components"]["schemas"].items():
        properties = schema.get("properties", {})
        if "amount_minor" in properties and set(properties) != {"amount_minor", "currency"}:
            wrong.append(f"{name}: {sorted(properties)}")
        if "currency_code" in properties:
            wrong.append(f"{name}: currency_code (say currency)")
    assert not wrong, "\n".join(wrong)


def test_every_offered_event_type_documents_its_webhook_body(document):
    webhooks = document.get("webhooks", {})
    assert set(webhooks) == set(EVENT_TYPES)
    for event_type, item in webhooks.items():
        body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert set(body["required"]) == {"id", "type", "occurred_at", "data"}, event_type
        assert body["properties"]["type"]["const"] == event_type
        assert body["additionalProperties"] is False
        headers = {p["name"] for p in item["post"]["parameters"] if p["in"] == "header"}
        assert {"Omni-Signature", "Omni-Timestamp", "Omni-Event-Id"} <= headers, event_type
