"""Words for the API's enum values (channels, roles, statuses, entry types...), translatable;
a value without a word here is shown as the API spells it."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context


def N_(message: str) -> str:
    return message


LABELS: dict[str, dict[str, str]] = {
    "channel": {
        "web": N_("Web shop"),
        "app": N_("App"),
        "pos": N_("Store"),
        "social": N_("Social"),
        "messenger": N_("Messenger"),
        "marketplace": N_("Marketplace"),
        "phone": N_("Phone"),
        "": N_("No channel"),
    },
    "role": {
        "associate": N_("Store associate"),
        "store_manager": N_("Store manager"),
        "consultant": N_("Consultant"),
        "admin": N_("Admin"),
    },
    "status": {
        "pending": N_("Pending"),
        "confirmed": N_("Confirmed"),
        "payment_failed": N_("Payment failed"),
        "cancelled": N_("Cancelled"),
        "partially_fulfilled": N_("Partly fulfilled"),
        "fulfilled": N_("Fulfilled"),
        "ready_for_pickup": N_("Ready for pickup"),
        "collected": N_("Collected"),
        "shipped": N_("Shipped"),
        "delivered": N_("Delivered"),
        "partially_returned": N_("Partly returned"),
        "returned": N_("Returned"),
        "failed": N_("Failed"),
    },
    "entry": {
        "order": N_("Order"),
        "pickup": N_("Pickup"),
        "return": N_("Return"),
        "notification": N_("Notification"),
        "back_in_stock_subscription": N_("Back-in-stock request"),
        "message": N_("Message"),
        "call_note": N_("Call note"),
        "chat_transcript": N_("Chat"),
        "store_visit": N_("Store visit"),
        "note": N_("Note"),
        "profile": N_("Profile"),
        "loyalty": N_("Loyalty"),
    },
    "identity": {
        "email": N_("E-mail"),
        "phone": N_("Phone"),
        "loyalty_card": N_("Loyalty card"),
        "marketplace_buyer": N_("Marketplace buyer"),
        "push_token": N_("App (push)"),
    },
    "contact": {
        "email": N_("E-mail"),
        "sms": N_("SMS"),
        "push": N_("Push"),
        "messenger": N_("Messenger"),
        "phone_call": N_("Phone call"),
    },
    "condition": {
        "sellable": N_("Can be sold again"),
        "damaged": N_("Damaged"),
    },
    "kind": {
        "store": N_("Store"),
        "warehouse": N_("Warehouse"),
    },
    "delivery": {
        "click_and_collect": N_("Click & collect"),
        "ship_to_store": N_("Ship to store"),
        "home_delivery": N_("Home delivery"),
    },
    "product_status": {
        "draft": N_("Draft"),
        "active": N_("Active"),
        "archived": N_("Archived"),
    },
    "location_status": {
        "open": N_("Open"),
        "closed": N_("Closed"),
    },
    "location_flag": {
        "click_and_collect": N_("Click & collect pickups"),
        "ship_to_store": N_("Receives parcels for pickup"),
        "takes_returns": N_("Takes returns"),
        "sells_offline": N_("Sells at the till"),
        "ships": N_("Ships parcels"),
    },
    "import_state": {
        "receiving": N_("Receiving the file"),
        "queued": N_("Queued"),
        "running": N_("Running"),
        "done": N_("Done"),
        "failed": N_("Failed"),
    },
    # As the opening-hours box writes and reads them (lower case, as in "monday 09:00-20:00").
    "weekday": {
        "monday": N_("monday"),
        "tuesday": N_("tuesday"),
        "wednesday": N_("wednesday"),
        "thursday": N_("thursday"),
        "friday": N_("friday"),
        "saturday": N_("saturday"),
        "sunday": N_("sunday"),
    },
    "purpose": {
        "transactional": N_("Service messages"),
        "marketing": N_("Marketing"),
    },
}


@pass_context
def label(context: Context, kind: str, value: Any) -> str:
    """`{{ label("channel", entry.channel) }}`: the word for a value, in the page's language."""
    key = "" if value is None else str(value)
    word = LABELS[kind].get(key)
    return str(context["t"].gettext(word)) if word else key
