"""Built-in English templates, stored on a first start so a fresh platform sends something
readable for every event; staff replace or translate them through UpsertTemplate."""

from __future__ import annotations

from omni_notification.domain import registry
from omni_notification.domain.common import Actor, ActorKind
from omni_notification.domain.templates import (
    DELIVERY_CHANNELS,
    SUBJECT_CHANNELS,
    Template,
    check_template,
)

_HI = "Hi{% if customer_name %} {{ customer_name }}{% endif %}, "
_AT_STORE = "{% if store_name %} at {{ store_name }}{% endif %}"
_STORE = (
    "{% if store_name %} {{ store_name }}: {{ store_address }}. Opening hours: "
    "{{ store_opening_hours }}.{% if store_special_hours %} Special hours: "
    "{{ store_special_hours }}.{% endif %}{% endif %}"
)

TEXTS = {
    registry.ORDER_CONFIRMED: (
        "Order {{ order_number }} confirmed",
        _HI + "thank you! Your order {{ order_number }} ({{ item_count }} items, "
        "{{ order_total }}) is confirmed.",
    ),
    registry.ORDER_FAILED: (
        "We could not place your order {{ order_number }}",
        _HI + "we are sorry: a technical problem on our side stopped us from placing your order "
        "{{ order_number }} ({{ item_count }} items, {{ order_total }}). Nothing was charged and "
        "any card authorization was released. Please place the order again.",
    ),
    registry.READY_FOR_PICKUP: (
        "Order {{ order_number }} is ready for pickup",
        _HI + "your order {{ order_number }} is ready" + _AT_STORE + ". Pickup code: "
        "{{ pickup_code }}.{% if pickup_deadline %} Please collect it by {{ pickup_deadline }}."
        "{% endif %}" + _STORE,
    ),
    registry.PICKUP_REMINDER: (
        "Reminder: order {{ order_number }} is waiting for you",
        _HI + "your order {{ order_number }} is still waiting" + _AT_STORE + ". Pickup code: "
        "{{ pickup_code }}.{% if pickup_deadline %} Please collect it by {{ pickup_deadline }}."
        "{% endif %}" + _STORE,
    ),
    registry.ORDER_SHIPPED: (
        "Order {{ order_number }} is on its way",
        _HI + "your order {{ order_number }} has shipped{% if carrier %} with {{ carrier }}"
        "{% endif %}.{% if tracking_number %} Tracking number: {{ tracking_number }}.{% endif %}",
    ),
    registry.ORDER_DELIVERED: (
        "Order {{ order_number }} delivered",
        _HI + "your order {{ order_number }} has been delivered. Enjoy!",
    ),
    registry.RETURN_RECEIVED: (
        "We received your return for order {{ order_number }}",
        _HI + "we received your return for order {{ order_number }}" + _AT_STORE + ""
        "{% if refund_total %}; a refund of {{ refund_total }} is on its way{% endif %}.",
    ),
    registry.BACK_IN_STOCK: (
        "{{ product_name }} is back in stock",
        _HI + "{{ product_name }} ({{ sku }}) is back in stock" + _AT_STORE + ".",
    ),
    registry.ACCOUNT_VERIFY_EMAIL: (
        "Your verification code",
        _HI + "your code to confirm this e-mail address is {{ code }}. It expires in "
        "{{ expires_minutes }} minutes and works once. If you did not create an account, "
        "ignore this message.",
    ),
    registry.ACCOUNT_PASSWORD_RESET: (
        "Reset your password",
        _HI + "use this code to choose a new password: {{ token }}. It expires in "
        "{{ expires_minutes }} minutes and works once. If you did not ask for it, ignore this "
        "message: your password stays as it is.",
    ),
    registry.ACCOUNT_REGISTRATION_NOTICE: (
        "Someone tried to create an account with your address",
        _HI + "someone tried to create an account with this e-mail address, which already has "
        "one. If it was you, sign in, or reset your password if you forgot it. If not, nothing "
        "changed and you can ignore this message.",
    ),
    registry.ACCOUNT_PASSWORD_CHANGED: (
        "Your password was changed",
        _HI + "the password of your account was just changed and every session was signed out. "
        "If you did not do this, reset your password now.",
    ),
}


BUILT_IN = Actor(kind=ActorKind.SYSTEM, id="notification", display="built-in")


def default_templates(language: str = "en") -> list[Template]:
    templates = []
    for event_type, (subject, body) in TEXTS.items():
        for channel in DELIVERY_CHANNELS:
            template = Template(
                event_type=event_type,
                channel=channel,
                language=language,
                subject=subject if channel in SUBJECT_CHANNELS else "",
                body=body,
                urgent=registry.EVENT_TYPES[event_type].urgent,
                updated_by=BUILT_IN,
            )
            templates.append(check_template(template))
    return templates
