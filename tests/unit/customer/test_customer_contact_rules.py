"""Contact rules: consents per channel and purpose, quiet hours across midnight and DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omni_customer.domain import addresses, loyalty, permissions, preferences
from omni_customer.domain.addresses import CustomerAddress, PostalAddress
from omni_customer.domain.identities import Identity, IdentityKind
from omni_customer.domain.preferences import Preferences, QuietHours
from omni_customer.domain.profiles import Profile, ProfileStatus
from omni_customer.domain.values import (
    Actor,
    ActorKind,
    ChannelRef,
    ContactChannel,
    ContactPurpose,
    Money,
)
from omni_kit.errors import FailedPrecondition, InvalidArgument

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
Channel, Purpose = ContactChannel, ContactPurpose


def profile(**prefs) -> Profile:
    return Profile(
        id="cus_1",
        status=ProfileStatus.ACTIVE,
        identities=[
            Identity(IdentityKind.EMAIL, "a@example.com"),
            Identity(IdentityKind.PHONE, "+4915123456789"),
            Identity(IdentityKind.TELEGRAM, "anna"),
        ],
        preferences=Preferences(**prefs),
    )


def consent(p, channel, purpose, granted):
    preferences.record_consent(p, channel, purpose, granted, ChannelRef(), Actor(), NOW)


def test_marketing_needs_consent_transactional_only_a_withdrawal_stops_it():
    p = profile(preferred_channel=Channel.MESSENGER)
    marketing = permissions.contact_permission(
        p, Purpose.MARKETING, urgent=False, channel=None, at=NOW
    )
    assert list(marketing.routes) == []
    consent(p, Channel.SMS, Purpose.MARKETING, True)
    consent(p, Channel.EMAIL, Purpose.TRANSACTIONAL, False)
    marketing = permissions.contact_permission(
        p, Purpose.MARKETING, urgent=False, channel=None, at=NOW
    )
    assert [r.channel for r in marketing.routes] == [Channel.SMS]
    transactional = permissions.contact_permission(
        p, Purpose.TRANSACTIONAL, urgent=False, channel=None, at=NOW
    )
    assert transactional.routes[0].channel == Channel.MESSENGER
    assert transactional.routes[0].address == "anna"
    assert Channel.EMAIL in transactional.denied_channels


def test_a_consent_is_replaced_not_duplicated_and_remembers_the_previous_answer():
    p = profile()
    consent(p, Channel.SMS, Purpose.MARKETING, True)
    _, before = preferences.record_consent(
        p, Channel.SMS, Purpose.MARKETING, False, ChannelRef(), Actor(), NOW
    )
    assert before is True
    assert len(p.preferences.consents) == 1 and not p.preferences.consents[0].granted


def test_a_consent_needs_its_channel_and_purpose():
    with pytest.raises(InvalidArgument) as refused:
        preferences.record_consent(
            profile(), None, Purpose.MARKETING, True, ChannelRef(), Actor(), NOW
        )
    assert refused.value.field == "channel"
    with pytest.raises(InvalidArgument) as refused:
        permissions.contact_permission(profile(), None, urgent=False, channel=None, at=NOW)
    assert refused.value.field == "purpose"


def test_an_erased_or_merged_profile_may_not_be_contacted():
    p = profile()
    p.status = ProfileStatus.ERASED
    answer = permissions.contact_permission(
        p, Purpose.TRANSACTIONAL, urgent=True, channel=None, at=NOW
    )
    assert list(answer.routes) == []


@pytest.mark.parametrize(
    ("local", "quiet_until_local"),
    [
        ("2026-06-01T23:30", "2026-06-02T07:00"),
        ("2026-06-02T06:59", "2026-06-02T07:00"),
        ("2026-06-02T07:00", None),
        ("2026-06-01T21:59", None),
        ("2026-03-29T01:00", "2026-03-29T07:00"),  # the night clocks go forward
    ],
)
def test_quiet_hours_span_midnight_in_the_customers_zone(local, quiet_until_local):
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Berlin")
    at = datetime.fromisoformat(local).replace(tzinfo=zone)
    until = permissions.quiet_until(QuietHours("22:00", "07:00"), "Europe/Berlin", at)
    expected = (
        None
        if quiet_until_local is None
        else datetime.fromisoformat(quiet_until_local).replace(tzinfo=zone).astimezone(UTC)
    )
    assert until == expected


@settings(max_examples=80, deadline=None)
@given(
    start=st.integers(0, 23 * 60 + 59),
    end=st.integers(0, 23 * 60 + 59),
    minute=st.integers(0, 7 * 24 * 60),
)
def test_send_after_is_never_inside_quiet_hours(start, end, minute):
    if start == end:
        return
    quiet = QuietHours(f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}")
    at = NOW + timedelta(minutes=minute)
    until = permissions.quiet_until(quiet, "UTC", at)
    if until is not None:
        assert until > at
        assert permissions.quiet_until(quiet, "UTC", until) is None


@pytest.mark.parametrize(
    ("prefs", "field"),
    [
        (
            Preferences(quiet_hours=QuietHours("22:00", "7:00"), time_zone="UTC"),
            "preferences.quiet_hours.end",
        ),
        (Preferences(quiet_hours=QuietHours("22:00", "07:00")), "preferences.time_zone"),
        (Preferences(language="german!"), "preferences.language"),
        (Preferences(preferred_messenger=IdentityKind.EMAIL), "preferences.preferred_messenger"),
    ],
)
def test_preferences_that_cannot_be_obeyed_name_the_field(prefs, field):
    with pytest.raises(InvalidArgument) as refused:
        preferences.validate(prefs)
    assert refused.value.field == field


def test_points_are_whole_currency_units_and_a_balance_never_goes_negative():
    assert loyalty.points_for_order(Money(12_399, "EUR")) == 123
    assert loyalty.points_for_order(Money(1_500, "JPY")) == 1500
    assert loyalty.points_for_order(Money(-5, "EUR")) == 0
    assert loyalty.format_money(Money(-12_399, "EUR")) == "-123.99 EUR"
    p = profile()
    assert loyalty.adjust(p, 50, NOW) == 50
    with pytest.raises(FailedPrecondition):
        loyalty.adjust(p, -51, NOW)
    assert p.loyalty.points_balance == 50


def test_the_first_address_is_the_default_and_a_new_default_takes_over():
    p = profile()
    home = CustomerAddress(
        id="a1", address=PostalAddress(lines=("x 1",), city="B", country_code="DE")
    )
    work = CustomerAddress(
        id="a2",
        address=PostalAddress(lines=("y 2",), city="B", country_code="DE"),
        default_billing=True,
    )
    addresses.add(p, home)
    addresses.add(p, work)
    flags = {a.id: (a.default_shipping, a.default_billing) for a in p.addresses}
    assert flags == {"a1": (True, False), "a2": (False, True)}


def test_an_update_mask_applies_only_the_named_fields_even_inside_a_field():
    p = profile()
    berlin = PostalAddress(lines=("x 1",), city="Berlin", country_code="DE")
    addresses.add(p, CustomerAddress(id="a1", label="home", address=berlin))
    patch = CustomerAddress(id="a1", label="ignored", address=PostalAddress(city="Hamburg"))
    updated = addresses.update(p, patch, ["address.city"])
    assert updated.label == "home"
    assert updated.address == PostalAddress(lines=("x 1",), city="Hamburg", country_code="DE")
    assert updated.default_shipping and p.addresses == [updated]
    with pytest.raises(InvalidArgument) as refused:
        addresses.update(p, patch, ["address.nowhere"])
    assert refused.value.field == "update_mask"


def test_preferences_without_a_mask_take_the_fields_the_patch_sets():
    p = profile(language="de")
    changed = preferences.update(p, Preferences(time_zone="Europe/Berlin"), [])
    assert changed == ["time_zone"]
    assert (p.preferences.language, p.preferences.time_zone) == ("de", "Europe/Berlin")
    assert preferences.update(p, Preferences(time_zone="Europe/Berlin"), []) == []


def test_only_staff_record_a_consent_on_the_customers_request_and_the_line_says_so():
    p = profile()
    customer = Actor(ActorKind.CUSTOMER, "cus_1")
    with pytest.raises(InvalidArgument) as refused:
        preferences.record_consent(
            p, Channel.SMS, Purpose.MARKETING, False, ChannelRef(), customer, NOW, True
        )
    assert refused.value.field == "customer_request"
    assert p.preferences.consents == ()  # nothing recorded
    staff = Actor(ActorKind.STAFF, "stf_1")
    recorded, _ = preferences.record_consent(
        p, Channel.SMS, Purpose.MARKETING, False, ChannelRef(), staff, NOW, customer_request=True
    )
    assert (recorded.customer_request, recorded.recorded_by) == (True, staff)
    assert preferences.describe(recorded) == (
        "Marketing by sms: withdrawn, on the customer's request"
    )
    own, _ = preferences.record_consent(
        p, Channel.SMS, Purpose.MARKETING, True, ChannelRef(), customer, NOW
    )
    assert not own.customer_request
    assert preferences.describe(own) == "Marketing by sms: granted"
