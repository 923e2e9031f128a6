"""A production start with development parts stops at once, exit code 2, naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys


def start(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("OMNI_")}
    return subprocess.run(
        [sys.executable, "-m", module],
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_a_production_gateway_with_the_development_admin_password_does_not_start():
    result = start(
        "omni_gateway",
        {
            "OMNI_GATEWAY_ENVIRONMENT": "production",
            "OMNI_GATEWAY_JWT_SECRET": "s" * 40,
            "OMNI_GATEWAY_WEBHOOK_SECRET_KEY": "w" * 40,
            "OMNI_GATEWAY_PASSWORD_PEPPER": "p" * 40,
            "OMNI_GATEWAY_ADMIN_PASSWORD": "omni-admin-dev",
            "OMNI_GATEWAY_HTTP_PORT": "0",
        },
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "invalid setting OMNI_GATEWAY_ADMIN_PASSWORD: value error, the development admin "
        "password; refused in production"
    ]


def test_a_production_order_service_with_the_test_payment_provider_does_not_start():
    result = start(
        "omni_order", {"OMNI_ORDER_ENVIRONMENT": "production", "OMNI_ORDER_GRPC_PORT": "0"}
    )
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("invalid setting OMNI_ORDER_PAYMENT_PROVIDER: ")
    assert "test payment provider is refused in production" in line
