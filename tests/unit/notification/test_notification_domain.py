"""Templates, drafts, paging and request checks: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omni_kit import paging
from omni_kit.errors import InvalidArgument
from omni_notification.domain import defaults, drafts, places, registry, requests, templates
from omni_notification.domain.common import (
    ChannelRef,
    ContactChannel,
    ContactPurpose,
    Money,
    SalesChannel,
)
from omni_notification.domain.places import Address, DatedHours, Hours, Interval, Place
from omni_notification.domain.subscriptions import ChannelShare, available_to, matches
from omni_notification.domain.templates import Template

SMS = ContactChannel.SMS


def test_language_candidates_go_from_specific_to_fallback():
    assert templates.language_candidates("PT-br", "en") == ["pt-BR", "pt", "en"]
    assert templates.language_candidates("en", "en") == ["en"]
    assert templates.language_candidates("", "de") == ["de"]
    assert templates.language_candidates("not a tag!", "en") == ["en"]


def test_unknown_variable_is_named_with_what_the_event_offers():
    template = Template(
        event_type=registry.ORDER_SHIPPED, channel=SMS, language="en", body="{{ tracking }}"
    )
    with pytest.raises(InvalidArgument) as refused:
        templates.check_template(template)
    assert refused.value.metadata == {"variable": "tracking"}
    assert "tracking_number" in refused.value.message
    assert refused.value.field == "template.body"


def test_staff_templates_take_any_variable_and_render_strictly():
    template = templates.check_template(
        Template(event_type="staff.note", channel=SMS, language="EN", body="{{ a }}-{{ b }}")
    )
    assert template.language == "en"
    assert list(template.variables) == ["a", "b"]
    assert templates.render(template, {"a": 1, "b": "x"}).body == "1-x"
    with pytest.raises(InvalidArgument) as missing:
        templates.render(template, {"a": 1})
    assert missing.value.field == "variables.b"


def test_every_built_in_template_renders_with_what_its_event_provides():
    def notice(event_type: str, **facts) -> drafts.OrderNotice:
        return drafts.OrderNotice(
            event_type=event_type,
            event_id="evt_1",
            correlation_id="",
            order_id="ord_1",
            customer_id="cus_1",
            number="A-1",
            pickup_code="K7",
            pickup_deadline=datetime(2026, 1, 2, tzinfo=UTC),
            **facts,
        )

    events = {
        registry.ORDER_CONFIRMED: notice(registry.ORDER_CONFIRMED),
        registry.ORDER_FAILED: notice(registry.ORDER_FAILED),
        registry.READY_FOR_PICKUP: notice(registry.READY_FOR_PICKUP),
        registry.PICKUP_REMINDER: notice(registry.PICKUP_REMINDER, reminder_number=1),
        registry.ORDER_SHIPPED: notice(registry.ORDER_SHIPPED),
        registry.ORDER_DELIVERED: notice(registry.ORDER_DELIVERED),
        registry.RETURN_RECEIVED: notice(registry.RETURN_RECEIVED),
    }
    # What the gateway sends with each account message (omni_gateway/account_lifecycle.py).
    account = {
        registry.ACCOUNT_VERIFY_EMAIL: {"code": "123456", "expires_minutes": "15"},
        registry.ACCOUNT_PASSWORD_RESET: {"token": "r3s3t", "expires_minutes": "30"},
        registry.ACCOUNT_REGISTRATION_NOTICE: {},
        registry.ACCOUNT_PASSWORD_CHANGED: {},
    }
    for template in defaults.default_templates():
        if template.event_type == registry.BACK_IN_STOCK:
            variables = drafts.back_in_stock_variables("LS-M", "Shirt", "", 2)
        elif template.event_type in account:
            variables = account[template.event_type]
        else:
            draft = drafts.order_draft(events[template.event_type])
            assert draft is not None
            variables = draft.variables
        variables = places.with_store(variables, None, "en", datetime(2026, 1, 1, tzinfo=UTC))
        variables = templates.localize({**variables, "customer_name": ""}, "Europe/Berlin")
        rendered = templates.render(template, variables)
        assert rendered.body
    ready = drafts.order_draft(events[registry.READY_FOR_PICKUP])
    assert templates.localize(ready.variables, "Europe/Berlin")["pickup_deadline"] == (
        "2026-01-02 01:00"
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_money_reads_back_as_the_same_minor_units(amount, currency):
    text = Money(amount, currency).display()
    number, code = text.split(" ")
    assert code == currency
    assert int(number.replace(".", "")) == amount


def test_page_tokens_round_trip_and_garbage_is_refused():
    when = datetime(2026, 11, 23, 10, 0, 0, 123000, tzinfo=UTC)
    token = paging.encode_cursor([when, "ntf_1"])
    assert paging.decode_cursor(token, 2) == [when, "ntf_1"]
    with pytest.raises(InvalidArgument):
        paging.decode_cursor(token, 1)
    with pytest.raises(InvalidArgument):
        paging.decode_cursor("%%%", 2)
    assert paging.page_size(0) == 50
    assert paging.page_size(200) == 200
    for out_of_range in (-1, 1000):
        with pytest.raises(InvalidArgument):
            paging.page_size(out_of_range)


def test_a_marketing_template_cannot_be_sent_as_transactional():
    template = Template(purpose=ContactPurpose.MARKETING)
    with pytest.raises(InvalidArgument) as refused:
        requests.check_send_template(ContactPurpose.TRANSACTIONAL, template)
    assert refused.value.field == "purpose"


def test_variable_names_that_no_document_can_store_are_refused():
    requests.check_variables({"voucher": "V10", "items": [{"name": "Tee"}], "a.b": 1})
    for variables in ({"a\x00b": 1}, {"order": {"\x00": 1}}, {"items": [[{"x\x00": 1}]]}):
        with pytest.raises(InvalidArgument) as refused:
            requests.check_variables(variables)
        assert refused.value.field == "variables"


def test_a_channel_split_limits_who_hears_about_stock():
    web = ChannelRef(SalesChannel.WEB)
    market = ChannelRef(SalesChannel.MARKETPLACE, partner_id="p1")
    split = [ChannelShare(web, available=3), ChannelShare(market, available=0)]
    assert available_to([], market)
    assert available_to(split, web)
    assert not available_to(split, market)
    assert matches("", "store-1")
    assert matches("store-1", "store-1")
    assert not matches("store-1", "")


WARSAW = Place(
    id="loc_waw",
    name="Omni Warszawa Centrum",
    time_zone="Europe/Warsaw",
    address=Address(lines=("Marszałkowska 10",), postal_code="00-001", city="Warszawa"),
    opening_hours=(
        *(Hours(weekday=day, opens="09:00", closes="20:00") for day in range(1, 6)),
        Hours(weekday=6, opens="10:00", closes="16:00"),
    ),
    opening_exceptions=(
        DatedHours(date="2026-12-24", intervals=(Interval(opens="09:00", closes="14:00"),)),
        DatedHours(date="2026-12-25"),
        DatedHours(date="2027-03-01"),  # too far ahead to mention
    ),
)


def test_a_store_reads_in_the_templates_language_and_its_time_zone():
    now = datetime(2026, 12, 20, 9, tzinfo=UTC)
    deadline = datetime(2026, 12, 23, 17, 0)  # naive UTC, as the store reads it back
    polish = places.with_store(
        {"store_id": "loc_waw", "pickup_deadline": deadline}, WARSAW, "pl", now
    )
    assert polish["store_name"] == "Omni Warszawa Centrum"
    assert polish["store_address"] == "Marszałkowska 10, 00-001 Warszawa"
    assert polish["store_opening_hours"] == (
        "pon.\u2013pt. 09:00\u201320:00; sob. 10:00\u201316:00; niedz. zamknięte"
    )
    assert polish["store_special_hours"] == ("czw., 24 gru 09:00\u201314:00; pt., 25 gru zamknięte")
    # 17:00 UTC is 18:00 in Warsaw in December.
    assert polish["pickup_deadline"] == "środa, 23 grudnia 2026, 18:00"
    english = places.with_store({"pickup_deadline": deadline}, WARSAW, "en-GB", now)
    assert english["store_opening_hours"].startswith("Mon\u2013Fri 09:00\u201320:00")
    assert english["pickup_deadline"] == "Wednesday, 23 December 2026, 18:00"
    unknown = places.with_store({"store_id": "loc_x"}, None, "pl", now)
    assert unknown["store_name"] == "" and unknown["store_address"] == ""
