"""What the chart lets ops set for traces: a sample ratio, export headers from a Secret, and any
other OpenTelemetry SDK variable passed through as it is; what it keeps for itself is refused."""

from __future__ import annotations

import pytest
from test_chart import SERVICES, configmap_env, container_env, helm, render, template_args


def test_sample_ratio_headers_and_otel_variables_reach_every_process() -> None:
    docs = render(
        sets=(
            "json:otel.sampleRatio=0.25",
            "otel.headers.existingSecret=collector",
            "otel.env.OTEL_EXPORTER_OTLP_COMPRESSION=gzip",
        )
    )
    for svc in SERVICES:
        prefix = f"OMNI_{svc.upper()}_"
        cfg = configmap_env(docs, svc)
        assert cfg[f"{prefix}TRACE_SAMPLE_RATIO"] == "0.25"
        assert cfg["OTEL_EXPORTER_OTLP_COMPRESSION"] == "gzip"
        headers = container_env(docs, svc)[f"{prefix}OTLP_HEADERS"]
        assert headers["valueFrom"]["secretKeyRef"] == {"name": "collector", "key": "otlp-headers"}


def test_by_default_the_sdk_defaults_apply() -> None:
    docs = render()
    for svc in SERVICES:
        assert not any(
            "SAMPLE_RATIO" in k or k.startswith("OTEL_") for k in configmap_env(docs, svc)
        )
        assert not any(k.endswith("OTLP_HEADERS") for k in container_env(docs, svc))


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("json:otel.sampleRatio=1.5", "/otel/sampleRatio"),
        ("otel.env.OTEL_RESOURCE_ATTRIBUTES=x=y", "OTEL_RESOURCE_ATTRIBUTES"),
        ("otel.env.OTEL_EXPORTER_OTLP_HEADERS=k=v", "OTEL_EXPORTER_OTLP_HEADERS"),
        ("otel.env.LOG_LEVEL=x", "LOG_LEVEL"),
    ],
)
def test_what_the_chart_keeps_or_a_secret_is_refused(setting: str, said: str) -> None:
    proc = helm(*template_args((), (setting,)))
    assert proc.returncode != 0, setting
    assert said in proc.stderr
