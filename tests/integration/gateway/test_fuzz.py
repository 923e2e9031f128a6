"""schemathesis against the gateway's own OpenAPI document, as each audience: no 5xx, and no
response that breaks the schema (status codes, content types, bodies). First every operation on
its own (examples, coverage, fuzzing), then sequences that follow the document's links (stateful):
a cart read, changed and checked out, a partner's key issued and revoked, an order shipped."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_orders import check_out_tee, marketplace_order, seed

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
CONFIG = Path(__file__).with_name("schemathesis.toml")
# Per audience and run, in seconds: the whole test stays within a few minutes on two cores.
# Stateful first, while the seeded resources its links start from are still there (fuzzing
# reuses ids it has seen and deletes some of them).
BUDGET = {"stateful": 15, "examples,coverage,fuzzing": 40}


def schemathesis(
    base: str, include: str, headers: dict[str, str], phases: str
) -> subprocess.CompletedProcess[str]:
    argv = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{base}/schema/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        "8",
        "--max-time",
        str(BUDGET[phases]),
        "--seed",
        "7",
        "--include-path-regex",
        include,
        "--phases",
        phases,
        "--request-timeout",
        "10",
        "--suppress-health-check",
        "all",
        "--no-color",
    ]
    for name, value in headers.items():
        argv += ["--header", f"{name}: {value}"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)


def stateful_counts(output: str) -> tuple[int, int]:
    """Scenarios run and links followed, from the CLI's report of the stateful phase; a phase that
    was skipped has neither."""
    ran = re.search(
        r"✅  Stateful \(in [\d.]+s\)\s+Scenarios:\s+(\d+)\s+API Links:\s+(\d+) covered", output
    )
    assert ran, f"the stateful phase did not run:\n{output[-3000:]}"
    return int(ran.group(1)), int(ran.group(2))


async def seed_every_audience(stack, customer: dict[str, str], partner_id: str, partner) -> None:
    """Something for each audience's links to start from: a listed product with stock in two
    stores, a customer order, a partner's webhook (on loopback) and an imported order."""
    await seed(stack, partner_id=partner_id)
    hook = await stack.http.post(
        "/partner/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["omni.order.order.confirmed"]},
        headers=partner,
    )
    assert hook.status_code == 201, hook.text
    await check_out_tee(stack, customer, "fuzz-1")
    imported = await stack.http.post(
        "/partner/v1/orders", json=marketplace_order("FUZZ-1"), headers=partner
    )
    assert imported.status_code == 201, imported.text


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
    partner_id, partner = await stack.partner(
        "fuzz-market", ["webhooks:manage", "orders:read", "orders:write"]
    )
    await seed_every_audience(stack, customer, partner_id, partner)

    every = tuple(BUDGET)
    for include, headers, runs in [
        ("^/(api/v1|healthz|readyz)", customer, every),
        ("^/staff/v1", admin, every),
        ("^/partner/v1", partner, every),
        # Payment providers' callbacks: no authentication, no links to follow.
        ("^/hooks/", {}, ("examples,coverage,fuzzing",)),
    ]:
        for phases in runs:
            # In a thread: the services under test share this event loop and must keep serving.
            result = await asyncio.to_thread(schemathesis, fuzzed, include, headers, phases)
            assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
            print(include, phases, result.stdout.strip().splitlines()[-1].strip(" ="))
            if phases == "stateful":
                scenarios, links = stateful_counts(result.stdout)
                print(f"{include}: {scenarios} stateful scenarios, {links} links followed")
                assert scenarios > 0 and links > 0, result.stdout[-3000:]
