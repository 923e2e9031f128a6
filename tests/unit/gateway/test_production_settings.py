"""What a production gateway and order service refuse to start with, each naming the setting."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from omni_gateway.settings import GatewaySettings
from omni_kit.settings import describe_errors
from omni_order.settings import OrderSettings

SECRET = "s" * 40
KEY = "webhook-key-" + "w" * 32
STRONG = "Kestrel-plum-4417"
PEPPER = "pepper-" + "p" * 40


def refusal(cls, **values) -> str:
    with pytest.raises(ValidationError) as error:
        cls(**values)
    [line] = describe_errors(cls, error.value)
    return line


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("omni-admin-dev", "the development admin password"),
        ("Short-pw-1", "shorter than 12 characters"),
        ("abababababababab", "fewer than 6 different characters"),
        ("my-admin-password-2024", "contains the admin username"),
    ],
)
def test_production_refuses_a_weak_or_well_known_admin_password(password, why):
    line = refusal(
        GatewaySettings,
        environment="production",
        jwt_secret=SECRET,
        webhook_secret_key=KEY,
        password_pepper=PEPPER,
        admin_password=password,
    )
    assert line.startswith("invalid setting OMNI_GATEWAY_ADMIN_PASSWORD:")
    assert why in line and "refused in production" in line
    assert password not in line  # a password is never echoed


def test_outside_production_any_admin_password_is_taken():
    settings = GatewaySettings(
        environment="dev", jwt_secret=SECRET, admin_password="omni-admin-dev"
    )
    assert settings.admin_password is not None


def test_production_needs_a_webhook_secret_key_and_takes_a_strong_admin_password():
    production = {"environment": "production", "jwt_secret": SECRET}
    line = refusal(GatewaySettings, **production, password_pepper=PEPPER)
    assert line.startswith("invalid setting OMNI_GATEWAY_WEBHOOK_SECRET_KEY: ")
    assert "required in production" in line
    line = refusal(GatewaySettings, **production, webhook_secret_key=KEY)
    assert line.startswith("invalid setting OMNI_GATEWAY_PASSWORD_PEPPER: ")
    assert "required in production" in line
    keys = {"webhook_secret_key": KEY, "password_pepper": PEPPER}
    settings = GatewaySettings(**production, **keys, admin_password=STRONG)
    assert settings.admin_password is not None
    # Without an admin password no first admin is made, which production allows.
    GatewaySettings(**production, **keys)


def test_the_previous_jwt_key_must_be_as_long_as_the_current_one():
    line = refusal(GatewaySettings, jwt_secret=SECRET, jwt_previous_secret="short")
    assert line.startswith("invalid setting OMNI_GATEWAY_JWT_PREVIOUS_SECRET:")
    assert "short" not in line.split(":", 1)[1].replace("shorter", "")


def test_trusted_proxies_are_cidrs():
    settings = GatewaySettings(jwt_secret=SECRET, trusted_proxies="10.0.0.0/8, 127.0.0.1,::1")
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1/32", "::1/128")
    line = refusal(GatewaySettings, jwt_secret=SECRET, trusted_proxies="10.0.0.0/8,ingress")
    assert line.startswith("invalid setting OMNI_GATEWAY_TRUSTED_PROXIES:")
    assert "'ingress' is not an address or CIDR" in line


def test_the_order_service_refuses_the_test_payment_provider_in_production():
    line = refusal(OrderSettings, environment="production")
    assert line.startswith("invalid setting OMNI_ORDER_PAYMENT_PROVIDER:")
    assert "test payment provider is refused in production" in line
    assert OrderSettings(environment="test").payment_provider == "test"
    assert OrderSettings(environment="dev").payment_provider == "test"


def test_production_admins_need_a_second_factor_and_elsewhere_it_is_chosen():
    production = {
        "environment": "production",
        "jwt_secret": SECRET,
        "webhook_secret_key": KEY,
        "password_pepper": PEPPER,
    }
    assert GatewaySettings(**production).staff_second_factor_roles == ("admin",)
    line = refusal(GatewaySettings, **production, staff_second_factor_roles="consultant")
    assert line.startswith("invalid setting OMNI_GATEWAY_STAFF_SECOND_FACTOR_ROLES:")
    assert "admin" in line
    chosen = GatewaySettings(
        **production, staff_second_factor_roles="admin,store_manager"
    ).staff_second_factor_roles
    assert chosen == ("admin", "store_manager")
    assert GatewaySettings(environment="dev", jwt_secret=SECRET).staff_second_factor_roles == ()
    typo = refusal(GatewaySettings, jwt_secret=SECRET, staff_second_factor_roles="admins")
    assert "'admins' is not a staff role" in typo
