"""The event types a notification can be about, and the variables each one offers templates.

A template may use only the variables its event type offers: that is checked when it is saved,
so a send never fails on a variable nobody provides.
"""

from __future__ import annotations

from dataclasses import dataclass

from omni_notification.domain import places
from omni_notification.domain.common import ContactPurpose

TRANSACTIONAL = ContactPurpose.TRANSACTIONAL
MARKETING = ContactPurpose.MARKETING

# Staff templates ("staff.ad_hoc", "staff.apology", ...) take their variables from the request.
STAFF_PREFIX = "staff."
STAFF_AD_HOC = "staff.ad_hoc"

ORDER_CONFIRMED = "omni.order.order.confirmed"
ORDER_FAILED = "omni.order.order.failed"
READY_FOR_PICKUP = "omni.order.order.ready_for_pickup"
PICKUP_REMINDER = "omni.order.pickup.reminder_due"
ORDER_SHIPPED = "omni.order.order.shipped"
ORDER_DELIVERED = "omni.order.order.delivered"
RETURN_RECEIVED = "omni.order.return.received"
BACK_IN_STOCK = "omni.inventory.stock.back_in_stock"
# Account messages the gateway asks for (SendNotification with the event type's template):
# proving an e-mail, resetting a password, and notices to the address's owner.
ACCOUNT_VERIFY_EMAIL = "omni.gateway.account.verify_email"
ACCOUNT_PASSWORD_RESET = "omni.gateway.account.password_reset"  # noqa: S105 - an event type
ACCOUNT_REGISTRATION_NOTICE = "omni.gateway.account.registration_notice"
ACCOUNT_PASSWORD_CHANGED = "omni.gateway.account.password_changed"  # noqa: S105 - an event type
ACCOUNT_EVENTS = (
    ACCOUNT_VERIFY_EMAIL,
    ACCOUNT_PASSWORD_RESET,
    ACCOUNT_REGISTRATION_NOTICE,
    ACCOUNT_PASSWORD_CHANGED,
)

# Filled when the message is sent, from the customer's profile.
SEND_TIME_VARIABLES = frozenset({"customer_name"})

_ORDER = frozenset(
    {
        "customer_name",
        "order_id",
        "order_number",
        "order_total",
        "item_count",
        # [{"product_name", "sku", "quantity"}, ...]
        "items",
        # The pickup store (or the store that received a return) and, from the service's copy
        # of locations when the message is made, its name, address and hours (places.py).
        "store_id",
        *places.VARIABLES,
    }
)
_PICKUP = frozenset({"pickup_code", "pickup_deadline"})
_SHIPMENT = frozenset({"carrier", "tracking_number"})


@dataclass(frozen=True)
class EventType:
    name: str
    purpose: ContactPurpose
    # Default for built-in templates: ignores quiet hours.
    urgent: bool
    # None: whatever the staff request provides (checked at SendNotification).
    variables: frozenset[str] | None
    summary: str


EVENT_TYPES: dict[str, EventType] = {
    e.name: e
    for e in (
        EventType(ORDER_CONFIRMED, TRANSACTIONAL, False, _ORDER, "Order confirmed"),
        EventType(ORDER_FAILED, TRANSACTIONAL, False, _ORDER, "Order could not be placed"),
        EventType(READY_FOR_PICKUP, TRANSACTIONAL, True, _ORDER | _PICKUP, "Ready for pickup"),
        EventType(
            PICKUP_REMINDER,
            TRANSACTIONAL,
            False,
            _ORDER | _PICKUP | {"reminder_number"},
            "Pickup reminder",
        ),
        EventType(ORDER_SHIPPED, TRANSACTIONAL, False, _ORDER | _SHIPMENT, "Order shipped"),
        EventType(ORDER_DELIVERED, TRANSACTIONAL, False, _ORDER | _SHIPMENT, "Order delivered"),
        EventType(
            RETURN_RECEIVED,
            TRANSACTIONAL,
            False,
            _ORDER | {"return_id", "returned_items", "refund_total"},
            "Return received",
        ),
        EventType(
            BACK_IN_STOCK,
            TRANSACTIONAL,
            False,
            frozenset({"customer_name", "sku", "product_name", "store_id", "available"})
            | places.VARIABLES,
            "Back in stock",
        ),
        EventType(
            ACCOUNT_VERIFY_EMAIL,
            TRANSACTIONAL,
            True,
            frozenset({"customer_name", "code", "expires_minutes"}),
            "E-mail verification code",
        ),
        EventType(
            ACCOUNT_PASSWORD_RESET,
            TRANSACTIONAL,
            True,
            frozenset({"customer_name", "token", "expires_minutes"}),
            "Password reset",
        ),
        EventType(
            ACCOUNT_REGISTRATION_NOTICE,
            TRANSACTIONAL,
            True,
            frozenset({"customer_name"}),
            "Registration with an address that has an account",
        ),
        EventType(
            ACCOUNT_PASSWORD_CHANGED,
            TRANSACTIONAL,
            True,
            frozenset({"customer_name"}),
            "Password changed",
        ),
    )
}

ORDER_EVENTS = (
    ORDER_CONFIRMED,
    ORDER_FAILED,
    READY_FOR_PICKUP,
    PICKUP_REMINDER,
    ORDER_SHIPPED,
    ORDER_DELIVERED,
    RETURN_RECEIVED,
)


def event_type(name: str) -> EventType | None:
    """The event type, or None when unknown. Any "staff.<name>" is a staff template family."""
    if name in EVENT_TYPES:
        return EVENT_TYPES[name]
    if name.startswith(STAFF_PREFIX) and len(name) > len(STAFF_PREFIX):
        return EventType(name, TRANSACTIONAL, False, None, "Staff message")
    return None


def known_names() -> list[str]:
    return [*sorted(EVENT_TYPES), "staff.<name>"]
