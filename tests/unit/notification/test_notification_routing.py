"""Which channel, and when: the customer's permission decides; failures move to the next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omni_notification.domain import routing
from omni_notification.domain.common import ContactChannel, ContactPurpose
from omni_notification.domain.notifications import DeliveryOutcome

EMAIL = ContactChannel.EMAIL
SMS = ContactChannel.SMS
CALL = ContactChannel.PHONE_CALL
TX = ContactPurpose.TRANSACTIONAL
MARKETING = ContactPurpose.MARKETING
NOW = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)


def permission(*channels: ContactChannel, **fields) -> routing.Permission:
    addresses = {EMAIL: "ana@example.com", SMS: "+4915112345678", CALL: "+4915112345678"}
    routes = tuple(routing.Route(c, addresses[c]) for c in channels)
    return routing.Permission(routes=routes, **fields)


def decide(given, **options) -> routing.Decision:
    options.setdefault("purpose", TX)
    options.setdefault("urgent", False)
    return routing.decide(given, now=NOW, **options)


def test_routes_keep_the_customers_order_and_skip_channels_we_cannot_send_through():
    decision = decide(permission(SMS, CALL, EMAIL))
    assert isinstance(decision, routing.Send)
    assert [r.channel for r in decision.routes] == [SMS, EMAIL]


def test_no_allowed_channel_suppresses_naming_the_purpose_and_denials():
    decision = decide(permission(denied_channels=(EMAIL,)), purpose=MARKETING)
    assert isinstance(decision, routing.Suppress)
    assert (
        decision.reason == "the customer allows no channel for marketing messages (denied: email)"
    )
    only = decide(permission(EMAIL), only_channel=SMS)
    assert isinstance(only, routing.Suppress)
    assert "by sms" in only.reason


def test_quiet_hours_delay_until_send_after_unless_urgent():
    until = NOW + timedelta(hours=8)
    quiet = permission(EMAIL, in_quiet_hours=True, send_after=until)
    assert decide(quiet) == routing.Delay(until)
    assert isinstance(decide(quiet, urgent=True), routing.Send)
    unknown_end = permission(EMAIL, in_quiet_hours=True)
    assert decide(unknown_end) == routing.Delay(NOW + routing.QUIET_HOURS_FALLBACK)


def test_a_failing_channel_is_dropped_after_its_attempts_and_then_we_give_up():
    failed = DeliveryOutcome.FAILED
    one = [routing.AttemptRecord(SMS, failed)]
    two = [*one, routing.AttemptRecord(SMS, DeliveryOutcome.TIMED_OUT)]
    given = permission(SMS, EMAIL)
    assert [r.channel for r in decide(given, attempts=one, max_attempts_per_channel=2).routes] == [
        SMS,
        EMAIL,
    ]
    assert [r.channel for r in decide(given, attempts=two, max_attempts_per_channel=2).routes] == [
        EMAIL
    ]
    bounced = [routing.AttemptRecord(EMAIL, failed, permanent=True)]
    gave_up = decide(given, attempts=two + bounced, max_attempts_per_channel=2)
    assert gave_up == routing.GiveUp("every allowed channel failed (sms, email)")


def test_a_subscribers_chosen_channel_goes_first_when_allowed():
    assert [r.channel for r in decide(permission(EMAIL, SMS), preferred_channel=SMS).routes] == [
        SMS,
        EMAIL,
    ]
    assert [r.channel for r in decide(permission(EMAIL), preferred_channel=SMS).routes] == [EMAIL]
