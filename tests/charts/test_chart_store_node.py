"""The alert for a store whose node has not reached the centre: off with the other alerts by
default, on the gauge the order service exports, with its threshold from the values."""

from __future__ import annotations

from test_chart import VALUE_SETS, helm, of_kind, render, template_args

from omni_order.metrics import STORE_NODE_SILENCE


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
