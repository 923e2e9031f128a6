"""The gateway's keys, trusted proxies and the production environment, as the chart renders them."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "omni"


def helm_bin() -> str:
    local = REPO / ".tools" / "bin" / "helm"
    return str(local) if local.is_file() else "helm"


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    command = [helm_bin(), "template", "omni", str(CHART), "--namespace", "omni", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def gateway(*args: str) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """The gateway's ConfigMap data and its container's env, by name."""
    proc = helm(*args)
    assert proc.returncode == 0, proc.stderr
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    [config] = [
        d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "omni-gateway"
    ]
    [deployment] = [
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "omni-gateway"
    ]
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    return config["data"], {item["name"]: item for item in env}


def test_the_gateway_reads_its_keys_from_the_secret() -> None:
    _, env = gateway()
    refs = {
        name: item["valueFrom"]["secretKeyRef"]
        for name, item in env.items()
        if "secretKeyRef" in item.get("valueFrom", {})
    }
    assert refs["OMNI_GATEWAY_JWT_SECRET"] == {"name": "omni", "key": "gateway-jwt-secret"}
    for name, key in [
        ("OMNI_GATEWAY_JWT_PREVIOUS_SECRET", "gateway-jwt-previous-secret"),
        ("OMNI_GATEWAY_WEBHOOK_SECRET_KEY", "gateway-webhook-secret-key"),
        ("OMNI_GATEWAY_WEBHOOK_SECRET_PREVIOUS_KEY", "gateway-webhook-secret-previous-key"),
        ("OMNI_GATEWAY_PASSWORD_PEPPER", "gateway-password-pepper"),
        ("OMNI_GATEWAY_PASSWORD_PREVIOUS_PEPPER", "gateway-password-previous-pepper"),
    ]:
        # Optional for Kubernetes: the gateway itself names what production needs at start.
        assert refs[name] == {"name": "omni", "key": key, "optional": True}
    assert not any("value" in item for name, item in env.items() if "SECRET" in name)


def test_production_values_say_production_and_trusted_proxies_reach_the_gateway() -> None:
    config, _ = gateway(
        "-f",
        str(CHART / "values-production.yaml"),
        "--set-json",
        'httpSecurity.trustedProxies=["10.42.0.0/16","fd00::/8"]',
    )
    assert config["OMNI_GATEWAY_ENVIRONMENT"] == "production"
    assert config["OMNI_GATEWAY_TRUSTED_PROXIES"] == "10.42.0.0/16,fd00::/8"
    dev, _ = gateway("-f", str(CHART / "values-dev.yaml"))
    assert dev["OMNI_GATEWAY_ENVIRONMENT"] == "dev"
    assert "OMNI_GATEWAY_TRUSTED_PROXIES" not in dev


@pytest.mark.parametrize("proxy", ["ingress-nginx", "10.0.0.0/8 ", "*"])
def test_a_trusted_proxy_that_is_not_a_cidr_is_refused(proxy: str) -> None:
    proc = helm("--set-json", f'httpSecurity.trustedProxies=["{proxy}"]')
    assert proc.returncode != 0
    assert "trustedProxies" in proc.stderr


def test_the_first_admin_comes_from_its_secret_and_production_requires_it() -> None:
    def admin_refs(*args: str) -> dict[str, dict[str, Any]]:
        _, env = gateway(*args)
        names = ("OMNI_GATEWAY_ADMIN_USERNAME", "OMNI_GATEWAY_ADMIN_PASSWORD")
        return {name: env[name]["valueFrom"]["secretKeyRef"] for name in names}

    # Production values: a Secret of its own, both keys required (no pod without them).
    assert admin_refs("-f", str(CHART / "values-production.yaml")) == {
        "OMNI_GATEWAY_ADMIN_USERNAME": {"name": "omni-admin", "key": "gateway-admin-username"},
        "OMNI_GATEWAY_ADMIN_PASSWORD": {"name": "omni-admin", "key": "gateway-admin-password"},
    }
    # The chart's default environment is production too: the main Secret's keys, required.
    assert admin_refs()["OMNI_GATEWAY_ADMIN_PASSWORD"] == {
        "name": "omni",
        "key": "gateway-admin-password",
    }
    custom = admin_refs(
        "--set", "admin.existingSecret=first-admin", "--set", "admin.passwordKey=pw"
    )
    assert custom["OMNI_GATEWAY_ADMIN_PASSWORD"] == {"name": "first-admin", "key": "pw"}
    # Dev: the chart's own Secret holds "admin" and a random password, kept across upgrades.
    dev = admin_refs("-f", str(CHART / "values-dev.yaml"))
    assert dev["OMNI_GATEWAY_ADMIN_USERNAME"] == {
        "name": "omni-dev",
        "key": "gateway-admin-username",
        "optional": True,
    }
    proc = helm("-f", str(CHART / "values-dev.yaml"))
    [secret] = [d for d in yaml.safe_load_all(proc.stdout) if d and d["kind"] == "Secret"]
    assert base64.b64decode(secret["data"]["gateway-admin-username"]) == b"admin"
    assert len(base64.b64decode(secret["data"]["gateway-admin-password"])) == 24


@pytest.mark.parametrize("value", ["Bad_Name", "not a secret name!"])
def test_an_admin_secret_that_is_no_secret_name_is_refused(value: str) -> None:
    proc = helm("--set", f"admin.existingSecret={value}")
    assert proc.returncode != 0
    assert "admin" in proc.stderr
