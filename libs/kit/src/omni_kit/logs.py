"""Structured JSON logs that carry the current trace and span ids."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, WrappedLogger


def _add_trace_ids(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event


SECRET_KEYS = re.compile(r"pass(word)?|secret|token|api_?key|authorization|cookie|signature", re.I)
# Credentials that can hide inside free text: JWTs, partner API keys, bearer headers.
SECRET_VALUES = re.compile(
    r"eyJ[\w-]+\.[\w-]+\.[\w-]+|omni_pk_[\w-]+\.[\w-]+|(?i:bearer)\s+[\w.~+/-]+=*"
)
REDACTED = "[redacted]"


def redact(value: Any) -> Any:
    if isinstance(value, str):
        return SECRET_VALUES.sub(REDACTED, value)
    if isinstance(value, dict):
        return {
            key: REDACTED if isinstance(key, str) and SECRET_KEYS.search(key) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


def _redact_secrets(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """No token, key or password reaches a log line, whatever a caller passes in."""
    redacted: EventDict = redact(dict(event))
    return redacted


def setup_logging(service_name: str, level: str = "INFO") -> None:
    numeric = logging.getLevelName(level)
    logging.basicConfig(stream=sys.stderr, level=numeric, format="%(message)s", force=True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_trace_ids,
            structlog.processors.format_exc_info,
            _redact_secrets,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(service=service_name)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
