"""The store node in the chart: the alert for a store whose node has not reached the centre (off
with the other alerts by default, on the gauge the order service exports, its threshold from the
values), and the optional node itself (storeNode.enabled): one pod with its journal on a claim,
settings the node reads, reachable only from the tills, reaching only order and catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_chart import (
    STORE_NODE_CALLS,
    VALUE_SETS,
    by_name,
    helm,
    of_kind,
    peers_selecting,
    render,
    rule_ports,
    selector,
    service_name,
    template_args,
)

from omni_order.metrics import STORE_NODE_SILENCE
from omni_store_node.settings import StoreNodeSettings


def store_node_alert(*sets: str) -> dict:
    [rule] = of_kind(render(VALUE_SETS["production"], sets), "PrometheusRule")
    rules = {r["alert"]: r for r in rule["spec"]["groups"][0]["rules"]}
    return rules["OmniStoreNodeOffline"]


def test_no_alert_rules_unless_enabled() -> None:
    assert not of_kind(render(VALUE_SETS["default"]), "PrometheusRule")


def test_store_node_offline_alert_fires_on_the_order_services_gauge() -> None:
    alert = store_node_alert()
    expr = alert["expr"]
    assert f"max by (namespace, store_id) ({STORE_NODE_SILENCE._name}{{" in expr
    assert expr.rstrip().endswith("> 900"), "the default threshold is 15 minutes"
    assert "{{ $labels.store_id }}" in alert["annotations"]["summary"]
    assert alert["annotations"]["runbook"] == "docs/store-node.md#the-centre-sees-the-store"


def test_store_node_offline_threshold_comes_from_values() -> None:
    alert = store_node_alert("monitoring.prometheusRule.thresholds.storeNodeOfflineSeconds=120")
    assert alert["expr"].rstrip().endswith("> 120")


def test_the_threshold_must_be_a_positive_number() -> None:
    proc = helm(
        *template_args(
            VALUE_SETS["production"],
            ("monitoring.prometheusRule.thresholds.storeNodeOfflineSeconds=0",),
        )
    )
    assert proc.returncode != 0
    assert "storeNodeOfflineSeconds" in proc.stderr


# --------------------------------------------------------------------------- the store node itself

NODE = service_name("store-node")
TILLS = [{"ipBlock": {"cidr": "10.40.7.0/24"}}]


def test_no_store_node_unless_enabled() -> None:
    for value_set in ("default", "dev", "production"):
        docs = render(VALUE_SETS[value_set])
        assert not [d for d in docs if d["metadata"]["name"] == NODE], value_set


def test_the_node_is_one_pod_with_its_journal_on_a_claim_and_settings_it_reads() -> None:
    docs = render(VALUE_SETS["all-features"])
    node = by_name(docs, "StatefulSet", NODE)
    assert node["spec"]["replicas"] == 1, "one writer of the journal"
    pod = node["spec"]["template"]["spec"]
    [claim] = node["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "2Gi"
    assert claim["spec"]["storageClassName"] == "local-ssd"
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    [container] = pod["containers"]
    assert container["image"] == "ghcr.io/omni-commerce/omni-store-node:1.4.2"
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}

    config = by_name(docs, "ConfigMap", NODE)["data"]
    settings = set(StoreNodeSettings.model_fields)
    for key in config:
        assert key.startswith("OMNI_STORE_NODE_"), key
        assert key.removeprefix("OMNI_STORE_NODE_").lower() in settings, f"{key}: no such setting"
    assert config["OMNI_STORE_NODE_STORE_ID"] == "loc_kyiv_01"
    assert config["OMNI_STORE_NODE_TIME_ZONE"] == "Europe/Kyiv"
    assert config["OMNI_STORE_NODE_CARD_OFFLINE_SALE_CAP_MINOR"] == "15000"
    assert Path(config["OMNI_STORE_NODE_JOURNAL_PATH"]).parent == Path(mounts["journal"])
    assert config["OMNI_STORE_NODE_ORDER_ADDR"] == f"dns:///{service_name('order')}-headless:50051"
    assert config["OMNI_STORE_NODE_CATALOG_ADDR"] == (
        f"dns:///{service_name('catalog')}-headless:50051"
    )
    assert config["OMNI_STORE_NODE_HTTP_HOST"] == "0.0.0.0"
    # the values load as the node's settings (a zone it does not know would stop it at start)
    StoreNodeSettings(**{k.removeprefix("OMNI_STORE_NODE_").lower(): v for k, v in config.items()})
    # all-features keeps NATS's URL in a Secret: the node reads it from there
    env = {e["name"]: e for e in container["env"]}
    assert env["OMNI_STORE_NODE_NATS_URL"]["valueFrom"]["secretKeyRef"]["name"] == "omni-nats"

    port = int(config["OMNI_STORE_NODE_HTTP_PORT"])
    assert {"name": "http", "containerPort": port, "protocol": "TCP"} in container["ports"]
    service = by_name(docs, "Service", NODE)
    assert service["spec"]["selector"] == selector(node)
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/pos/v1/status", "port": "http"}


def test_only_the_tills_reach_the_node_and_it_reaches_only_order_and_catalog() -> None:
    docs = render(VALUE_SETS["all-features"])
    policy = by_name(docs, "NetworkPolicy", NODE)["spec"]
    tills_in = [r for r in policy["ingress"] if rule_ports(r) == {8090}]
    assert [r["from"] for r in tills_in] == [TILLS]
    grpc_out = [r for r in policy["egress"] if rule_ports(r) == {50051}]
    assert [peers_selecting(r, "to") for r in grpc_out] == [STORE_NODE_CALLS]
    for callee in ("order", "catalog"):
        spec = by_name(docs, "NetworkPolicy", service_name(callee))["spec"]
        grpc_in = [r for r in spec["ingress"] if rule_ports(r) == {50051}]
        assert "store-node" in set().union(*(peers_selecting(r, "from") for r in grpc_in))
    inventory = by_name(docs, "NetworkPolicy", service_name("inventory"))["spec"]
    assert "store-node" not in set().union(
        *(peers_selecting(r, "from") for r in inventory["ingress"])
    )


def test_a_centre_elsewhere_is_reached_at_its_addresses() -> None:
    docs = render(
        VALUE_SETS["all-features"],
        (
            "storeNode.orderAddr=centre.example.com:443",
            "storeNode.catalogAddr=centre.example.com:443",
        ),
    )
    config = by_name(docs, "ConfigMap", NODE)["data"]
    assert config["OMNI_STORE_NODE_ORDER_ADDR"] == "centre.example.com:443"
    policy = by_name(docs, "NetworkPolicy", NODE)["spec"]
    assert not any(peers_selecting(r, "to") for r in policy["egress"])
    order = by_name(docs, "NetworkPolicy", service_name("order"))["spec"]
    assert "store-node" not in set().union(*(peers_selecting(r, "from") for r in order["ingress"]))


@pytest.mark.parametrize(
    ("sets", "named"),
    [
        (("storeNode.enabled=true", "json:storeNode.tillsFrom=" + json.dumps(TILLS)), "storeId"),
        (("storeNode.enabled=true", "storeNode.storeId=loc_1"), "tillsFrom"),
        (
            (
                "storeNode.enabled=true",
                "storeNode.storeId=loc_1",
                "json:storeNode.tillsFrom=" + json.dumps(TILLS),
                "storeNode.image.tag=latest",
            ),
            "storeNode",
        ),
    ],
)
def test_an_enabled_node_needs_its_store_and_its_tills(sets: tuple[str, ...], named: str) -> None:
    proc = helm(*template_args(VALUE_SETS["default"], sets))
    assert proc.returncode != 0
    assert named in proc.stderr
