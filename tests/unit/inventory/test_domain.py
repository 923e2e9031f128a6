"""Inventory's pure rules: levels, availability facts, channel shares, allocation, reservations."""

from __future__ import annotations

import pytest

from omni_inventory.domain import reservations as rules
from omni_inventory.domain.levels import Availability, ChannelPolicy, Level, transitions
from omni_inventory.domain.locations import distance_km
from omni_kit import paging
from omni_kit.errors import FailedPrecondition, InvalidArgument


def test_available_keeps_reserved_and_safety_stock_back_and_never_goes_negative():
    level = Level("SKU", "loc", on_hand=10, reserved=4, safety_stock=3)
    assert level.available == 3
    assert Level("SKU", "loc", on_hand=2, safety_stock=5).available == 0


def test_reserving_more_than_available_names_the_available_quantity():
    with pytest.raises(FailedPrecondition) as refused:
        Level("SKU", "loc", on_hand=5, reserved=3).reserve(3, "lines[0].quantity")
    assert refused.value.metadata["available"] == "2"
    assert refused.value.field == "lines[0].quantity"


def test_reserved_units_cannot_leave_by_a_movement():
    level = Level("SKU", "loc", on_hand=5, reserved=4)
    with pytest.raises(FailedPrecondition):
        level.move(-2, "quantity_delta")
    assert level.move(-1, "quantity_delta").on_hand == 4


def test_commit_takes_units_out_of_on_hand_and_reserved_alike():
    after = Level("SKU", "loc", on_hand=5, reserved=3).commit(2)
    assert (after.on_hand, after.reserved, after.available) == (3, 1, 2)


@pytest.mark.parametrize(
    ("before", "after", "facts"),
    [
        (10, 0, [Availability.OUT_OF_STOCK]),
        (0, 8, [Availability.IN_STOCK]),
        (0, 3, [Availability.IN_STOCK]),  # rising into "low" is not falling to it
        (8, 4, [Availability.LOW_STOCK]),
        (4, 3, []),
        (8, 9, []),
    ],
)
def test_availability_facts_fire_when_a_threshold_is_crossed(before, after, facts):
    assert transitions(before, after, low_threshold=5) == facts


def test_a_channel_sees_its_share_minus_its_buffer():
    assert ChannelPolicy(share_percent=50, buffer_units=2).apply(11) == 3
    assert ChannelPolicy(share_percent=50, buffer_units=10).apply(11) == 0
    assert ChannelPolicy().apply(7) == 7


def test_allocation_prefers_one_location_then_splits_fullest_first():
    candidates = [("a", 2), ("b", 5), ("c", 4)]
    assert rules.allocate(
        rules.Wanted("S", 4), candidates, allow_split=False, channel_available=99, field="f"
    ) == [("b", 4)]
    assert rules.allocate(
        rules.Wanted("S", 8), candidates, allow_split=True, channel_available=99, field="f"
    ) == [("b", 5), ("c", 3)]
    with pytest.raises(FailedPrecondition) as capped:
        rules.allocate(
            rules.Wanted("S", 4), candidates, allow_split=True, channel_available=3, field="f"
        )
    assert capped.value.metadata["available"] == "3"


def test_take_spreads_a_quantity_over_matching_lines_and_refuses_more_than_held():
    lines = [rules.Line("S", "a", 2), rules.Line("S", "b", 3, committed_quantity=1)]
    assert rules.take(lines, [rules.Wanted("S", 3)], "lines") == [(0, 2), (1, 1)]
    assert rules.take(lines, [], "lines") == [(0, 2), (1, 2)]
    with pytest.raises(InvalidArgument) as refused:
        rules.take(lines, [rules.Wanted("S", 5)], "lines")
    assert refused.value.field == "lines[0].quantity"


def test_status_follows_what_is_held_and_committed():
    assert rules.status_of([rules.Line("S", "a", 2)]) is rules.Status.ACTIVE
    assert rules.status_of([rules.Line("S", "a", 2, 1)]) is rules.Status.PARTIALLY_COMMITTED
    assert rules.status_of([rules.Line("S", "a", 2, 1, 1)]) is rules.Status.COMMITTED
    assert rules.status_of([rules.Line("S", "a", 2, 0, 2)]) is rules.Status.RELEASED


def test_page_tokens_round_trip_and_refuse_foreign_tokens():
    assert paging.decode_cursor(paging.encode_cursor(["x", 3]), 2) == ["x", 3]
    # A distance key: a float, 0.0 included, comes back as a float.
    token = paging.encode_cursor([0.0, "loc_1"])
    assert paging.decode_cursor(token, 2, kinds=(float, str)) == (0.0, "loc_1")
    assert paging.decode_cursor("", 2) is None
    with pytest.raises(InvalidArgument):
        paging.decode_cursor("not-a-token", 2)


def test_distance_between_berlin_and_hamburg():
    assert distance_km((52.52, 13.405), (53.551, 9.994)) == pytest.approx(255, abs=3)
