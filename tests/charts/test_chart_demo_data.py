"""The demo data Job: off by default, on in the dev values, a post-install/post-upgrade hook
running `omni demo load` from the gateway's image against the gateway's URL, allowed through the
NetworkPolicies to the gateway's HTTP port and nothing else; production refuses it."""

from __future__ import annotations

import os
from typing import Any

import pytest
from test_chart import (
    CHART,
    FULLNAME,
    SERVICES,
    by_name,
    helm,
    of_kind,
    peers_selecting,
    render,
    render_set,
    rule_ports,
    service_name,
    template_args,
)

from omni_ops import targets

JOB = f"{FULLNAME}-demo-data"


def demo_jobs(docs: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    return [d for d in of_kind(docs, "Job") if d["metadata"]["name"] == JOB]


def test_the_dev_values_load_the_demo_data_with_a_hook_job(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not demo_jobs(render_set("default"))
    assert not demo_jobs(render_set("production"))
    docs = render_set("dev")
    [job] = demo_jobs(docs)
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "post-install,post-upgrade"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    pod = job["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["command"] == ["/app/.venv/bin/omni", "demo", "load"]
    gateway = by_name(docs, "Deployment", service_name("gateway"))
    assert container["image"] == gateway["spec"]["template"]["spec"]["containers"][0]["image"]
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    assert env["OMNI_GATEWAY_URL"] == f"http://{service_name('gateway')}:8080"
    # It signs in to the gateway as the first admin, from the same Secret the gateway reads.
    secret = {
        e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e
    }
    gateway_env = gateway["spec"]["template"]["spec"]["containers"][0]["env"]
    admin = {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for e in gateway_env
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    for setting in ("USERNAME", "PASSWORD"):
        assert (
            secret[f"OMNI_ADMIN_{setting}"]["name"]
            == admin[f"OMNI_GATEWAY_ADMIN_{setting}"]["name"]
        )
        assert (
            secret[f"OMNI_ADMIN_{setting}"]["key"] == admin[f"OMNI_GATEWAY_ADMIN_{setting}"]["key"]
        )
    # It loads through the gateway's API and is told no service's address.
    assert not [name for name in env if name.endswith("_ADDR")]
    for name in [n for n in os.environ if n.startswith("OMNI_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert targets.gateway_url() == env["OMNI_GATEWAY_URL"]
    assert pod["restartPolicy"] == "OnFailure" and job["spec"]["backoffLimit"] > 0


def test_the_demo_job_reaches_the_gateway_alone_and_only_the_gateway_takes_it_in() -> None:
    docs = render_set("dev")
    policy = by_name(docs, "NetworkPolicy", JOB)["spec"]
    assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "demo-data"
    assert set().union(*(rule_ports(r) for r in policy["egress"])) == {53, 8080}
    [to_gateway] = [r for r in policy["egress"] if rule_ports(r) == {8080}]
    assert peers_selecting(to_gateway, "to") == {"gateway"}
    assert "ingress" not in policy  # nothing calls it
    for svc in SERVICES:
        spec = by_name(docs, "NetworkPolicy", service_name(svc))["spec"]
        taking = [r for r in spec["ingress"] if "demo-data" in peers_selecting(r, "from")]
        assert [rule_ports(r) for r in taking] == ([{8080}] if svc == "gateway" else []), svc
    for svc in SERVICES:  # without the Job, no service lets it in
        spec = by_name(render_set("default"), "NetworkPolicy", service_name(svc))["spec"]
        assert not any("demo-data" in peers_selecting(r, "from") for r in spec["ingress"]), svc


def test_production_refuses_demo_data() -> None:
    files = (str(CHART / "values-production.yaml"),)
    proc = helm(*template_args(files, ("demoData.enabled=true",)))
    assert proc.returncode != 0
    assert "demoData.enabled: demo data is for dev installs" in proc.stderr
    # Any other environment may turn it on by itself.
    assert demo_jobs(render((), ("environment=test", "demoData.enabled=true")))
