"""schemathesis against the gateway's own OpenAPI document, as each audience: no 5xx, and no
response that breaks the schema (status codes, content types, bodies)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def schemathesis(
    base: str, include: str, headers: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    argv = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base}/schema/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        "8",
        "--max-time",
        "45",
        "--seed",
        "7",
        "--include-path-regex",
        include,
        "--phases",
        "examples,coverage,fuzzing",
        "--request-timeout",
        "10",
        "--suppress-health-check",
        "all",
        "--no-color",
    ]
    for name, value in headers.items():
        argv += ["--header", f"{name}: {value}"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.timeout(600)
async def test_no_server_errors_and_no_schema_violations(start_gateway, stack):
    fuzzed = start_gateway(
        **{f"{n}_addr": f"127.0.0.1:{a.port}" for n, a in stack.apps.items()},
        rate_limit_per_minute="100000",
        partner_rate_limit_per_minute="100000",
    )
    stack.http.base_url = fuzzed
    customer, _ = await stack.customer("fuzz@example.com")
    admin = await stack.admin()
    _, partner = await stack.partner("fuzz-market", ["webhooks:manage", "orders:read"])

    for include, headers in [
        ("^/(api/v1|healthz|readyz)", customer),
        ("^/staff/v1", admin),
        ("^/partner/v1", partner),
    ]:
        # In a thread: the services under test share this event loop and must keep serving.
        result = await asyncio.to_thread(schemathesis, fuzzed, include, headers)
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
