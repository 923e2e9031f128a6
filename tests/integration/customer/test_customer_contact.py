"""Preferences, consents, the contact permission, addresses and loyalty."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest

from omni.common.v1 import common_pb2 as common
from omni.customer.v1 import customer_pb2 as pb
from omni.customer.v1 import events_pb2
from omni.order.v1 import events_pb2 as order_events
from omni.order.v1 import order_pb2
from omni_kit.errors import error_details
from omni_kit.idempotency import call_metadata
from omni_kit.ids import new_id
from omni_kit.protos import to_timestamp

WEB = common.ChannelRef(channel=common.SALES_CHANNEL_WEB)
STORE = common.ChannelRef(channel=common.SALES_CHANNEL_POS, store_id="store-berlin")
EMAIL, SMS = common.CONTACT_CHANNEL_EMAIL, common.CONTACT_CHANNEL_SMS
MARKETING, TRANSACTIONAL = common.CONTACT_PURPOSE_MARKETING, common.CONTACT_PURPOSE_TRANSACTIONAL


async def anna_with_phone(customer) -> pb.Profile:
    anna = await customer.email("anna@example.com", "Anna")
    reply = await customer.stub.AddIdentity(
        pb.AddIdentityRequest(
            profile_id=anna.id,
            identity=pb.Identity(kind=pb.IDENTITY_KIND_PHONE, value="0151 23456789"),
        )
    )
    return reply.profile


async def permission(customer, profile_id, purpose, at=None, urgent=False):
    reply = await customer.stub.GetContactPermission(
        pb.GetContactPermissionRequest(
            profile_id=profile_id, purpose=purpose, urgent=urgent, at=to_timestamp(at)
        )
    )
    return reply.permission


async def test_consents_and_preferences_decide_how_and_when_to_contact(customer, published):
    anna = await anna_with_phone(customer)
    await customer.stub.UpdatePreferences(
        pb.UpdatePreferencesRequest(
            profile_id=anna.id,
            preferences=pb.Preferences(
                preferred_channel=SMS,
                quiet_hours=pb.QuietHours(start="22:00", end="07:00"),
                time_zone="Europe/Berlin",
                language="de",
            ),
            update_mask={"paths": ["preferred_channel", "quiet_hours", "time_zone", "language"]},
            channel=WEB,
        )
    )
    noon = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # 12:00 in Berlin
    allowed = await permission(customer, anna.id, TRANSACTIONAL, noon)
    assert [(r.channel, r.address) for r in allowed.routes] == [
        (SMS, "+4915123456789"),
        (EMAIL, "anna@example.com"),
        (common.CONTACT_CHANNEL_PHONE_CALL, "+4915123456789"),
    ]
    assert not allowed.in_quiet_hours and allowed.language == "de"
    # Marketing needs a consent.
    assert list((await permission(customer, anna.id, MARKETING, noon)).routes) == []

    await customer.stub.RecordConsent(
        pb.RecordConsentRequest(
            profile_id=anna.id, channel=EMAIL, purpose=MARKETING, granted=True, source=WEB
        )
    )
    # Withdrawn at the store counts everywhere at once.
    reply = await customer.stub.RecordConsent(
        pb.RecordConsentRequest(
            profile_id=anna.id, channel=SMS, purpose=TRANSACTIONAL, granted=False, source=STORE
        )
    )
    consents = {(c.channel, c.purpose): c for c in reply.profile.preferences.consents}
    assert consents[(SMS, TRANSACTIONAL)].source.store_id == "store-berlin"
    assert consents[(SMS, TRANSACTIONAL)].HasField("recorded_at")

    marketing = await permission(customer, anna.id, MARKETING, noon)
    assert [r.channel for r in marketing.routes] == [EMAIL]
    assert SMS in marketing.denied_channels
    transactional = await permission(customer, anna.id, TRANSACTIONAL, noon)
    assert [r.channel for r in transactional.routes][:1] == [EMAIL]
    assert SMS in transactional.denied_channels

    night = datetime(2026, 6, 1, 21, 30, tzinfo=UTC)  # 23:30 in Berlin
    quiet = await permission(customer, anna.id, TRANSACTIONAL, night)
    assert quiet.in_quiet_hours
    assert quiet.send_after.ToDatetime(tzinfo=UTC) == datetime(2026, 6, 2, 5, 0, tzinfo=UTC)
    assert not (
        await permission(customer, anna.id, TRANSACTIONAL, night, urgent=True)
    ).in_quiet_hours

    changed = await published(
        "omni.customer.consent.changed",
        events_pb2.ConsentChanged,
        lambda e: e.profile_id == anna.id,
        at_least=2,
    )
    assert [(e.consent.channel, e.consent.granted) for e in changed] == [
        (EMAIL, True),
        (SMS, False),
    ]


@pytest.mark.parametrize(
    ("preferences", "paths", "field"),
    [
        (
            pb.Preferences(
                quiet_hours=pb.QuietHours(start="25:00", end="07:00"), time_zone="Europe/Berlin"
            ),
            ["quiet_hours", "time_zone"],
            "preferences.quiet_hours.start",
        ),
        (pb.Preferences(time_zone="Mars/Olympus"), ["time_zone"], "preferences.time_zone"),
        (pb.Preferences(), ["consents"], "update_mask"),
    ],
)
async def test_preferences_that_cannot_be_obeyed_are_refused(customer, preferences, paths, field):
    anna = await customer.email("anna@example.com")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.UpdatePreferences(
            pb.UpdatePreferencesRequest(
                profile_id=anna.id, preferences=preferences, update_mask={"paths": paths}
            )
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == field
    after = (await customer.stub.GetProfile(pb.GetProfileRequest(profile_id=anna.id))).profile
    assert after == anna


def berlin(street: str) -> common.Address:
    return common.Address(lines=[street], city="Berlin", postal_code="10115", country_code="DE")


async def test_addresses_keep_one_default_each(customer):
    anna = await customer.email("anna@example.com")
    add_home = pb.AddAddressRequest(
        profile_id=anna.id,
        address=pb.CustomerAddress(label="home", address=berlin("Invalidenstr. 1")),
    )
    home = await customer.stub.AddAddress(add_home, metadata=call_metadata("r1", "test"))
    assert home.address.default_shipping and home.address.default_billing
    retried = await customer.stub.AddAddress(add_home, metadata=call_metadata("r1", "test"))
    assert retried == home
    work = await customer.stub.AddAddress(
        pb.AddAddressRequest(
            profile_id=anna.id,
            address=pb.CustomerAddress(
                label="work", address=berlin("Friedrichstr. 2"), default_shipping=True
            ),
        ),
        metadata=call_metadata("r2", "test"),
    )
    defaults = {a.label: (a.default_shipping, a.default_billing) for a in work.profile.addresses}
    assert defaults == {"home": (False, True), "work": (True, False)}
    moved = await customer.stub.UpdateAddress(
        pb.UpdateAddressRequest(
            profile_id=anna.id,
            address=pb.CustomerAddress(id=work.address.id, address=berlin("Unter den Linden 5")),
            update_mask={"paths": ["address"]},
        )
    )
    assert list(moved.address.address.lines) == ["Unter den Linden 5"]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.AddAddress(
            pb.AddAddressRequest(
                profile_id=anna.id,
                address=pb.CustomerAddress(
                    address=common.Address(lines=["x"], city="y", country_code="de")
                ),
            )
        )
    assert error_details(refused.value).field == "address.address.country_code"
    left = await customer.stub.RemoveAddress(
        pb.RemoveAddressRequest(profile_id=anna.id, address_id=home.address.id)
    )
    assert [a.label for a in left.profile.addresses] == ["work"]


def confirmed(order_id: str, customer_id: str, cents: int) -> order_events.OrderConfirmed:
    order = order_pb2.Order(
        id=order_id,
        number="OM-1042",
        customer_id=customer_id,
        status=order_pb2.ORDER_STATUS_CONFIRMED,
        channel=WEB,
        totals=order_pb2.OrderTotals(total=common.Money(amount_minor=cents, currency_code="EUR")),
    )
    return order_events.OrderConfirmed(meta=common.EventMeta(event_id=new_id()), order=order)


async def test_a_confirmed_order_earns_points_once_and_staff_adjust_them(customer, wait_for):
    anna = await customer.email("anna@example.com")
    order_id = new_id("ord")
    event = confirmed(order_id, anna.id, 12_345)
    for event_id in (
        event.meta.event_id,
        event.meta.event_id,
        new_id(),
    ):  # redelivered, republished
        await customer.bus.publish("omni.order.order.confirmed", event, event_id=event_id)

    async def orders_on_timeline():
        feed = await customer.stub.ListTimeline(
            pb.ListTimelineRequest(profile_id=anna.id, types=[pb.TIMELINE_ENTRY_TYPE_ORDER])
        )
        return feed.entries

    await wait_for(orders_on_timeline, lambda entries: len(entries) == 2)
    earned = await customer.stub.GetProfile(pb.GetProfileRequest(profile_id=anna.id))
    assert earned.profile.loyalty.points_balance == 123

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.AdjustLoyalty(
            pb.AdjustLoyaltyRequest(profile_id=anna.id, points_delta=-200, reason="redeemed"),
            metadata=call_metadata("r1", "test"),
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(refused.value).field == "points_delta"
    for _ in range(2):
        adjusted = await customer.stub.AdjustLoyalty(
            pb.AdjustLoyaltyRequest(
                profile_id=anna.id, points_delta=-23, reason="goodwill correction"
            ),
            metadata=call_metadata("r2", "test"),
        )
    assert adjusted.profile.loyalty.points_balance == 100

    # Nobody sets a balance through the profile.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.UpdateProfile(
            pb.UpdateProfileRequest(
                profile=pb.Profile(id=anna.id, loyalty=pb.Loyalty(points_balance=10**6)),
                update_mask={"paths": ["loyalty"]},
            )
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == "update_mask"

    feed = await customer.stub.ListTimeline(pb.ListTimelineRequest(profile_id=anna.id))
    kinds = [(e.type, e.summary) for e in feed.entries]
    assert (pb.TIMELINE_ENTRY_TYPE_ORDER, "Order OM-1042 confirmed (123.45 EUR)") in kinds
    assert [t for t, _ in kinds].count(pb.TIMELINE_ENTRY_TYPE_LOYALTY) == 2
    assert [t for t, _ in kinds].count(pb.TIMELINE_ENTRY_TYPE_ORDER) == 2  # one per event
