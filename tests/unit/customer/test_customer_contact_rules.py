"""Contact rules: consents per channel and purpose, quiet hours across midnight and DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omni.common.v1 import common_pb2 as common
from omni.customer.v1 import customer_pb2 as pb
from omni_customer.domain import addresses, loyalty, permissions, preferences
from omni_kit.errors import FailedPrecondition, InvalidArgument

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def profile(**prefs) -> pb.Profile:
    return pb.Profile(
        id="cus_1",
        status=pb.PROFILE_STATUS_ACTIVE,
        identities=[
            pb.Identity(kind=pb.IDENTITY_KIND_EMAIL, value="a@example.com"),
            pb.Identity(kind=pb.IDENTITY_KIND_PHONE, value="+4915123456789"),
            pb.Identity(kind=pb.IDENTITY_KIND_TELEGRAM, value="anna"),
        ],
        preferences=pb.Preferences(**prefs),
    )


def consent(p, channel, purpose, granted):
    preferences.record_consent(
        p, channel, purpose, granted, common.ChannelRef(), common.Actor(), NOW
    )


def test_marketing_needs_consent_transactional_only_a_withdrawal_stops_it():
    p = profile(preferred_channel=common.CONTACT_CHANNEL_MESSENGER)
    marketing = permissions.contact_permission(
        p, common.CONTACT_PURPOSE_MARKETING, urgent=False, channel=0, at=NOW
    )
    assert list(marketing.routes) == []
    consent(p, common.CONTACT_CHANNEL_SMS, common.CONTACT_PURPOSE_MARKETING, True)
    consent(p, common.CONTACT_CHANNEL_EMAIL, common.CONTACT_PURPOSE_TRANSACTIONAL, False)
    marketing = permissions.contact_permission(
        p, common.CONTACT_PURPOSE_MARKETING, urgent=False, channel=0, at=NOW
    )
    assert [r.channel for r in marketing.routes] == [common.CONTACT_CHANNEL_SMS]
    transactional = permissions.contact_permission(
        p, common.CONTACT_PURPOSE_TRANSACTIONAL, urgent=False, channel=0, at=NOW
    )
    assert transactional.routes[0].channel == common.CONTACT_CHANNEL_MESSENGER
    assert transactional.routes[0].address == "anna"
    assert common.CONTACT_CHANNEL_EMAIL in transactional.denied_channels


def test_a_consent_is_replaced_not_duplicated_and_remembers_the_previous_answer():
    p = profile()
    consent(p, common.CONTACT_CHANNEL_SMS, common.CONTACT_PURPOSE_MARKETING, True)
    _, before = preferences.record_consent(
        p,
        common.CONTACT_CHANNEL_SMS,
        common.CONTACT_PURPOSE_MARKETING,
        False,
        common.ChannelRef(),
        common.Actor(),
        NOW,
    )
    assert before is True
    assert len(p.preferences.consents) == 1 and not p.preferences.consents[0].granted


def test_an_erased_or_merged_profile_may_not_be_contacted():
    p = profile()
    p.status = pb.PROFILE_STATUS_ERASED
    answer = permissions.contact_permission(
        p, common.CONTACT_PURPOSE_TRANSACTIONAL, urgent=True, channel=0, at=NOW
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
    until = permissions.quiet_until(pb.QuietHours(start="22:00", end="07:00"), "Europe/Berlin", at)
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
    quiet = pb.QuietHours(
        start=f"{start // 60:02d}:{start % 60:02d}", end=f"{end // 60:02d}:{end % 60:02d}"
    )
    at = NOW + timedelta(minutes=minute)
    until = permissions.quiet_until(quiet, "UTC", at)
    if until is not None:
        assert until > at
        assert permissions.quiet_until(quiet, "UTC", until) is None


@pytest.mark.parametrize(
    ("prefs", "field"),
    [
        (
            pb.Preferences(quiet_hours=pb.QuietHours(start="22:00", end="7:00"), time_zone="UTC"),
            "preferences.quiet_hours.end",
        ),
        (
            pb.Preferences(quiet_hours=pb.QuietHours(start="22:00", end="07:00")),
            "preferences.time_zone",
        ),
        (pb.Preferences(language="german!"), "preferences.language"),
        (
            pb.Preferences(preferred_messenger=pb.IDENTITY_KIND_EMAIL),
            "preferences.preferred_messenger",
        ),
    ],
)
def test_preferences_that_cannot_be_obeyed_name_the_field(prefs, field):
    with pytest.raises(InvalidArgument) as refused:
        preferences.validate(prefs)
    assert refused.value.field == field


def test_points_are_whole_currency_units_and_a_balance_never_goes_negative():
    assert loyalty.points_for_order(common.Money(amount_minor=12_399, currency_code="EUR")) == 123
    assert loyalty.points_for_order(common.Money(amount_minor=1_500, currency_code="JPY")) == 1500
    assert loyalty.points_for_order(common.Money(amount_minor=-5, currency_code="EUR")) == 0
    p = profile()
    assert loyalty.adjust(p, 50, NOW) == 50
    with pytest.raises(FailedPrecondition):
        loyalty.adjust(p, -51, NOW)
    assert p.loyalty.points_balance == 50


def test_the_first_address_is_the_default_and_a_new_default_takes_over():
    p = profile()
    home = pb.CustomerAddress(
        id="a1", address=common.Address(lines=["x 1"], city="B", country_code="DE")
    )
    work = pb.CustomerAddress(
        id="a2",
        address=common.Address(lines=["y 2"], city="B", country_code="DE"),
        default_billing=True,
    )
    addresses.add(p, home)
    addresses.add(p, work)
    flags = {a.id: (a.default_shipping, a.default_billing) for a in p.addresses}
    assert flags == {"a1": (True, False), "a2": (False, True)}
