"""Stream settings are a floor: a start raises a stream up to them and never lowers it."""

from __future__ import annotations

import dataclasses

from omni_kit.events.streams import DAY, Kept, StreamPolicy, reconcile


def existing(**changes) -> object:
    return dataclasses.replace(StreamPolicy().config("OMNI_ORDER", ["omni.order.>"]), **changes)


def test_an_unchanged_stream_needs_no_update():
    update, kept = reconcile(existing(), StreamPolicy().config("OMNI_ORDER", ["omni.order.>"]))
    assert update is None and kept == []


def test_r1_settings_never_push_an_r3_stream_back():
    wanted = StreamPolicy(replicas=1).config("OMNI_ORDER", ["omni.order.>"])
    update, kept = reconcile(existing(num_replicas=3), wanted)
    assert update is None
    assert kept == [Kept("replicas", 1, 3)]


def test_r3_settings_raise_an_r1_stream():
    wanted = StreamPolicy(replicas=3).config("OMNI_ORDER", ["omni.order.>"])
    update, kept = reconcile(existing(num_replicas=1), wanted)
    assert update is not None and update.num_replicas == 3
    assert kept == []


def test_limits_an_operator_set_are_kept_and_missing_subjects_added():
    stream = existing(max_age=0, max_msgs=1_000_000, duplicate_window=900, max_bytes=2**30)
    wanted = StreamPolicy().config("OMNI_ORDER", ["omni.order.>", "omni.order2.>"])
    update, kept = reconcile(stream, wanted)
    assert update is not None
    assert update.subjects == ["omni.order.>", "omni.order2.>"]
    assert (update.max_age, update.max_msgs, update.max_bytes) == (0, 1_000_000, 2**30)
    assert update.duplicate_window == 900
    assert {k.setting for k in kept} == {"max_age", "duplicate_window"}


def test_a_longer_retention_in_the_settings_is_applied():
    wanted = StreamPolicy(max_age=30 * DAY).config("OMNI_ORDER", ["omni.order.>"])
    update, kept = reconcile(existing(max_age=7 * DAY), wanted)
    assert update is not None and update.max_age == 30 * DAY
    assert kept == []


def test_storage_cannot_change_in_place_and_says_so():
    wanted = StreamPolicy(storage="memory").config("OMNI_ORDER", ["omni.order.>"])
    update, kept = reconcile(existing(), wanted)
    assert update is None
    assert kept == [Kept("storage", "memory", "file")]
