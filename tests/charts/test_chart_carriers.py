"""The carrier configuration docs/operations.md shows renders, and the order service accepts
what the chart gives it (plain settings from the ConfigMap, credentials from the Secret)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic_settings import SettingsConfigDict
from test_chart import configmap_env, container_env, render

from omni_order.carriers.settings import CarrierSettings


class OrderCarrierSettings(CarrierSettings):
    """The order service's carrier settings alone, read as the service reads them."""

    model_config = SettingsConfigDict(env_prefix="OMNI_ORDER_", extra="ignore")


DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def documented_values() -> str:
    section = DOCS.read_text().split("### Carriers", 1)[1]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def test_the_documented_carrier_values_configure_the_order_service(tmp_path, monkeypatch):
    values = tmp_path / "carriers.yaml"
    values.write_text(documented_values().replace("…", "ref-from-the-carrier"))
    docs = render((str(values),))
    plain = configmap_env(docs, "order")
    secret = container_env(docs, "order")
    for name in ("OMNI_ORDER_NOVA_POSHTA_API_KEY", "OMNI_ORDER_MEEST_PASSWORD"):
        assert "secretKeyRef" in secret[name]["valueFrom"], name
        monkeypatch.setenv(name, "from-the-secret")
    for name, value in plain.items():
        monkeypatch.setenv(name, value)
    settings = OrderCarrierSettings()
    assert settings.carriers == ("nova_poshta", "meest", "table_rate")
    assert settings.table_rates[0].zone == ("PL",)
    monkeypatch.delenv("OMNI_ORDER_MEEST_PASSWORD")
    with pytest.raises(ValueError, match="OMNI_ORDER_MEEST_PASSWORD"):
        OrderCarrierSettings()
