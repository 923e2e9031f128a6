"""The switches that let tests and local development call http and private receivers are refused
in production, and a notification provider URL that is not allowed stops the service at start."""

from __future__ import annotations

import pytest

from omni_gateway.settings import GatewaySettings
from omni_kit.outbound import OutboundPolicy
from omni_kit.settings import load_settings
from omni_notification.settings import NotificationSettings

SECRET = "a-secret-only-for-this-test-0123456789"


@pytest.mark.parametrize("switch", ["webhook_allow_http", "webhook_allow_private_networks"])
def test_the_gateway_refuses_its_outbound_switches_in_production(switch, monkeypatch, capsys):
    monkeypatch.setenv("OMNI_GATEWAY_JWT_SECRET", SECRET)
    monkeypatch.setenv("OMNI_GATEWAY_ENVIRONMENT", "production")
    monkeypatch.setenv(f"OMNI_GATEWAY_{switch.upper()}", "true")
    with pytest.raises(SystemExit):
        load_settings(GatewaySettings)
    assert f"invalid setting OMNI_GATEWAY_{switch.upper()}" in capsys.readouterr().err
    assert GatewaySettings(jwt_secret=SECRET, environment="dev", **{switch: True}).outbound_policy()


@pytest.mark.parametrize("switch", ["outbound_allow_http", "outbound_allow_private_networks"])
def test_services_refuse_their_outbound_switches_in_production(switch):
    with pytest.raises(ValueError, match="refused in production"):
        NotificationSettings(environment="production", **{switch: True})
    assert getattr(NotificationSettings(environment="test", **{switch: True}), switch)


@pytest.mark.parametrize(
    "url", ["https://127.1/send", "https://2130706433/send", "https://sms.svc/x", "http://a.b/x"]
)
def test_a_provider_url_that_is_not_allowed_stops_the_service(url):
    with pytest.raises(ValueError, match="OMNI_NOTIFICATION_OUTBOUND_ALLOW"):
        NotificationSettings(sms_webhook_url=url)
    local = NotificationSettings(
        sms_webhook_url=url, outbound_allow_http=True, outbound_allow_private_networks=True
    )
    assert local.outbound_policy() == OutboundPolicy(True, True)
    assert NotificationSettings(sms_webhook_url="https://sms.example.com/send").sms_webhook_url
