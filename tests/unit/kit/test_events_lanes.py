"""Which events of an aggregate wait for an earlier one that failed (no server needed)."""

from __future__ import annotations

from nats.aio.msg import Msg

from omni_kit.events.lanes import HAND_BACK_AFTER, Lanes, sequence


def delivered(seq: int, aggregate: str | None) -> Msg:
    headers = {"Omni-Aggregate": aggregate} if aggregate else {}
    reply = f"$JS.ACK.S.c.1.{seq}.{seq}.1700000000000000000.0"
    return Msg(_client=None, subject="omni.order.order.changed", reply=reply, headers=headers)  # type: ignore[arg-type]


def sequences(lanes: list[tuple[str, list[Msg]]]) -> dict[str, list[int]]:
    return {key: [sequence(message) for message in lane] for key, lane in lanes}


def test_a_batch_splits_into_one_lane_per_aggregate_in_stream_order():
    batch = [delivered(4, "order:a"), delivered(2, "order:b"), delivered(1, "order:a")]
    batch += [delivered(3, None), delivered(5, None)]
    assert sequences(Lanes().split(batch)) == {"order:a": [1, 4], "order:b": [2], "": [3, 5]}


def test_a_failed_event_holds_back_only_later_events_of_its_aggregate_until_settled():
    lanes = Lanes()
    lanes.failed("order:a", 5, retry_in=1.0)
    assert lanes.waits("order:a", 6)
    assert not lanes.waits("order:a", 5)  # its own retry
    assert not lanes.waits("order:a", 3)  # stored before it
    assert not lanes.waits("order:b", 6)
    lanes.settled("order:a", 5)
    assert not lanes.waits("order:a", 6)


def test_events_without_an_aggregate_are_never_held():
    lanes = Lanes()
    lanes.failed("", 5, retry_in=1.0)
    assert not lanes.waits("", 6)


def test_held_events_rejoin_their_lane_with_the_next_batch_once_each():
    lanes = Lanes()
    lanes.failed("order:a", 1, retry_in=1.0)
    lanes.hold("order:a", [delivered(2, "order:a"), delivered(3, "order:a")])
    batch = [delivered(1, "order:a"), delivered(3, "order:a"), delivered(4, "order:b")]
    assert sequences(lanes.split(batch)) == {"order:a": [1, 2, 3], "order:b": [4]}
    assert sequences(lanes.split([])) == {}


def test_the_ack_floor_settles_what_a_replica_handled():
    lanes = Lanes()
    lanes.failed("order:a", 5, retry_in=1.0)
    lanes.failed("order:b", 9, retry_in=1.0)
    lanes.settled_up_to(7)
    assert not lanes.waits("order:a", 6)
    assert lanes.waits("order:b", 10)


def test_held_events_are_handed_back_to_come_due_after_the_retry_they_wait_for():
    lanes = Lanes()
    lanes.failed("order:a", 1, retry_in=10.0)
    lanes.hold("order:a", [delivered(2, "order:a")])
    [(message, delay)] = lanes.hand_back()
    assert sequence(message) == 2
    assert 10.0 < delay <= 10.0 + HAND_BACK_AFTER
    assert lanes.split([]) == []
