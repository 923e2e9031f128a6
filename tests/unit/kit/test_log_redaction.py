"""Secrets never reach a log line: by field name, or hidden inside free text."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from omni_kit.logs import REDACTED, redact, setup_logging

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjdXNfMSJ9.c2lnbmF0dXJlLXZhbHVl"
API_KEY = "omni_pk_01HX.s3cr3tPart_xyz"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("password", "hunter2-hunter2"),
        ("refresh_token", "r-123"),
        ("api_key", API_KEY),
        ("Authorization", f"Bearer {JWT}"),
        ("jwt_secret", "x" * 40),
        ("smtp_password", "mail-pass"),
    ],
)
def test_secret_fields_are_redacted(field: str, value: str) -> None:
    assert redact({field: value}) == {field: REDACTED}


def test_secrets_inside_text_and_nested_values_are_redacted() -> None:
    event = {
        "event": "login_failed",
        "detail": f"header was Bearer {JWT} and key {API_KEY}",
        "request": {"headers": [f"authorization: bearer {JWT}"], "user": "ann"},
        "count": 3,
    }
    cleaned = redact(event)
    text = json.dumps(cleaned)
    assert JWT not in text
    assert API_KEY not in text
    assert cleaned["request"]["user"] == "ann"
    assert cleaned["count"] == 3
    assert cleaned["event"] == "login_failed"


def test_the_configured_pipeline_redacts_before_rendering() -> None:
    """Run the processors setup_logging installs, as a log call would, without touching the
    process-wide logger (other tests keep using it)."""
    saved, root = structlog.get_config(), logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        setup_logging("test", "INFO")
        processors = structlog.get_config()["processors"]
    finally:
        structlog.configure(**saved)
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    event: object = {"event": "token_issued", "access_token": JWT, "note": f"key {API_KEY}"}
    for processor in processors:
        event = processor(None, "info", event)
    assert isinstance(event, str)  # the JSON renderer came last
    record = json.loads(event)
    assert record["access_token"] == REDACTED
    assert API_KEY not in event
    assert JWT not in event
