"""The order service's payment settings in the chart: the provider is a value, its keys come
from the Secret (never the ConfigMap), and the dev values use the test provider."""

from __future__ import annotations

from test_chart import (
    by_name,
    configmap_env,
    container_env,
    render,
    render_set,
    rule_ports,
    service_name,
)

SECRET_KEYS = {
    "OMNI_ORDER_STRIPE_SECRET_KEY": "order-stripe-secret-key",
    "OMNI_ORDER_STRIPE_WEBHOOK_SECRET": "order-stripe-webhook-secret",
    "OMNI_ORDER_LIQPAY_PRIVATE_KEY": "order-liqpay-private-key",
    "OMNI_ORDER_CASHBILL_SECRET": "order-cashbill-secret",
}


def test_production_pays_through_a_real_provider_with_keys_from_the_secret() -> None:
    docs = render_set("production")
    assert configmap_env(docs, "order")["OMNI_ORDER_PAYMENT_PROVIDER"] == "stripe"
    env = container_env(docs, "order")
    for name, key in SECRET_KEYS.items():
        assert env[name]["valueFrom"]["secretKeyRef"]["key"] == key
        assert name not in configmap_env(docs, "order")
    policy = by_name(docs, "NetworkPolicy", service_name("order"))
    assert any(443 in rule_ports(rule) for rule in policy["spec"]["egress"])  # the providers


def test_routes_and_a_provider_are_values() -> None:
    docs = render(
        sets=(
            "services.order.env.PAYMENT_PROVIDER=liqpay",
            'json:services.order.env.PAYMENT_ROUTES="{\\"web:online_card\\": \\"stripe\\"}"',
        )
    )
    env = configmap_env(docs, "order")
    assert env["OMNI_ORDER_PAYMENT_PROVIDER"] == "liqpay"
    assert env["OMNI_ORDER_PAYMENT_ROUTES"] == '{"web:online_card": "stripe"}'


def test_dev_uses_the_test_provider() -> None:
    assert configmap_env(render_set("dev"), "order")["OMNI_ORDER_PAYMENT_PROVIDER"] == "test"
