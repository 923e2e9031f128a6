"""One call sets up tracing (with a span for every store command); helpers carry W3C trace
context across NATS messages."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased


class JsonLinesSpanExporter(SpanExporter):
    """Appends each finished span as one JSON line, so a person can grep a trace id locally."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(json.dumps(json.loads(span.to_json())) + "\n" for span in spans)
        with self._lock:
            self._file.write(lines)
            self._file.flush()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        with self._lock:
            self._file.close()


def setup_telemetry(
    service_name: str,
    *,
    otlp_endpoint: str | None = None,
    trace_file: Path | None = None,
    exporter: SpanExporter | None = None,
    sample_ratio: float | None = None,
    otlp_headers: str | None = None,
) -> TracerProvider:
    """Install the process-wide tracer provider (once; later calls return the installed one).

    `sample_ratio` keeps that share of new traces (a call or event continuing a trace follows
    its parent's decision); None leaves it to OTEL_TRACES_SAMPLER / _ARG (default: all).
    `otlp_headers` ("key=value,key=value", e.g. a collector's API key) go with every export;
    None leaves them to OTEL_EXPORTER_OTLP_HEADERS. Store commands are spans too (PyMongo's
    command monitoring, which its async client reports as well), without their statements."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"omni-{service_name}"}),
        sampler=None if sample_ratio is None else ParentBased(TraceIdRatioBased(sample_ratio)),
    )
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    if trace_file is not None:
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(trace_file)))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        otlp = OTLPSpanExporter(endpoint=otlp_endpoint, headers=otlp_headers)
        provider.add_span_processor(BatchSpanProcessor(otlp))
    trace.set_tracer_provider(provider)
    PymongoInstrumentor().instrument(tracer_provider=provider)
    return provider


def add_span_exporter(exporter: SpanExporter, service_name: str = "tests") -> TracerProvider:
    """Send finished spans to `exporter` too (tests use an in-memory exporter)."""
    provider = setup_telemetry(service_name)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def tracer(name: str = "omni") -> trace.Tracer:
    return trace.get_tracer(name)


def inject_headers(headers: dict[str, str] | None = None) -> dict[str, str]:
    """The current trace context as W3C headers (traceparent, tracestate) for a NATS message."""
    carrier: dict[str, str] = dict(headers or {})
    propagate.inject(carrier)
    return carrier


def extract_context(headers: Mapping[str, str] | None) -> otel_context.Context:
    return propagate.extract(dict(headers or {}))


def current_trace_id() -> str | None:
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None
