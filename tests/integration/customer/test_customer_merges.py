"""Merging two profiles that are one person, and undoing it."""

from __future__ import annotations

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

CONSULTANT = common.Actor(kind=common.ACTOR_KIND_STAFF, id="stf_1")
INSTAGRAM = pb.IDENTITY_KIND_INSTAGRAM


async def prepare(customer, profile: pb.Profile, street: str, points: int, note: str) -> None:
    stub = customer.stub
    await stub.AddAddress(
        pb.AddAddressRequest(
            profile_id=profile.id,
            address=pb.CustomerAddress(
                label=street,
                address=common.Address(lines=[street], city="Berlin", country_code="DE"),
            ),
        )
    )
    await stub.AdjustLoyalty(
        pb.AdjustLoyaltyRequest(
            profile_id=profile.id, points_delta=points, reason="welcome", actor=CONSULTANT
        ),
        metadata=call_metadata(f"welcome-{profile.id}", "stf_1"),
    )
    await stub.AddTimelineEntry(
        pb.AddTimelineEntryRequest(
            entry=pb.TimelineEntry(
                profile_id=profile.id,
                type=pb.TIMELINE_ENTRY_TYPE_NOTE,
                summary=note,
                actor=CONSULTANT,
            )
        )
    )


async def get(customer, profile_id: str) -> pb.Profile:
    return (await customer.stub.GetProfile(pb.GetProfileRequest(profile_id=profile_id))).profile


async def summaries(customer, profile_id: str) -> set[str]:
    reply = await customer.stub.ListTimeline(
        pb.ListTimelineRequest(profile_id=profile_id, types=[pb.TIMELINE_ENTRY_TYPE_NOTE])
    )
    return {e.summary for e in reply.entries}


async def test_a_merge_joins_two_profiles_and_undoing_it_restores_both(
    customer, published, wait_for
):
    stub = customer.stub
    anna = await customer.email("anna@example.com", "Anna")
    insta = await customer.create(INSTAGRAM, "anna.style", display_name="anna.style")
    await prepare(customer, anna, "Invalidenstr. 1", 50, "called about a jacket")
    await prepare(customer, insta, "Friedrichstr. 2", 30, "DM about sizes")

    merge = pb.MergeProfilesRequest(
        survivor_id=anna.id,
        merged_id=insta.id,
        reason="same person, confirmed on the phone",
        actor=CONSULTANT,
    )
    merged = await stub.MergeProfiles(merge, metadata=call_metadata("m1", "stf_1"))
    survivor = merged.survivor
    assert {i.kind for i in survivor.identities} == {pb.IDENTITY_KIND_EMAIL, INSTAGRAM}
    assert len(survivor.addresses) == 2
    assert sum(a.default_shipping for a in survivor.addresses) == 1
    assert survivor.loyalty.points_balance == 80
    assert merged.merge.status == pb.MERGE_STATUS_ACTIVE

    retried = await stub.MergeProfiles(merge, metadata=call_metadata("m1", "stf_1"))
    assert retried == merged
    # An old id answers with the survivor; its identity lands on the survivor too.
    assert (await get(customer, insta.id)).id == anna.id
    found = await customer.create(INSTAGRAM, "@Anna.Style")
    assert found.id == anna.id
    assert await summaries(customer, anna.id) == {"called about a jacket", "DM about sizes"}
    # An event about the old id lands on the survivor's timeline.
    placed = order_events.OrderPlaced(
        meta=common.EventMeta(event_id=new_id()),
        order=order_pb2.Order(id="ord_dm", number="OM-9", customer_id=insta.id),
    )
    await customer.bus.publish("omni.order.order.placed", placed, event_id=placed.meta.event_id)

    async def orders():
        feed = await stub.ListTimeline(
            pb.ListTimelineRequest(profile_id=anna.id, types=[pb.TIMELINE_ENTRY_TYPE_ORDER])
        )
        return [e.ref.id for e in feed.entries]

    assert await wait_for(orders, lambda ids: ids != []) == ["ord_dm"]
    listed = await stub.ListMerges(pb.ListMergesRequest(profile_id=insta.id))
    assert [m.id for m in listed.merges] == [merged.merge.id]

    events = await published(
        "omni.customer.profile.merged",
        events_pb2.ProfilesMerged,
        lambda e: e.merge.survivor_id == anna.id,
    )
    assert [(e.merge.merged_id, e.meta.actor.id) for e in events] == [(insta.id, "stf_1")]

    undone = await stub.UnmergeProfiles(
        pb.UnmergeProfilesRequest(merge_id=merged.merge.id, actor=CONSULTANT),
        metadata=call_metadata("u1", "stf_1"),
    )
    assert undone.merge.status == pb.MERGE_STATUS_UNDONE
    restored = await get(customer, insta.id)
    assert restored.id == insta.id and restored.status == pb.PROFILE_STATUS_ACTIVE
    assert [(i.kind, i.value) for i in restored.identities] == [(INSTAGRAM, "anna.style")]
    assert [a.label for a in restored.addresses] == ["Friedrichstr. 2"]
    assert restored.loyalty.points_balance == 30
    anna_after = await get(customer, anna.id)
    assert [i.kind for i in anna_after.identities] == [pb.IDENTITY_KIND_EMAIL]
    assert anna_after.loyalty.points_balance == 50
    assert (await customer.create(INSTAGRAM, "anna.style")).id == insta.id
    assert await summaries(customer, insta.id) == {"DM about sizes"}
    assert await summaries(customer, anna.id) == {"called about a jacket"}
    unmerged = await published(
        "omni.customer.profile.unmerged",
        events_pb2.ProfilesUnmerged,
        lambda e: e.merge.id == merged.merge.id,
    )
    assert [e.restored.id for e in unmerged] == [insta.id]

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.UnmergeProfiles(pb.UnmergeProfilesRequest(merge_id=merged.merge.id))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(refused.value).reason == "MERGE_ALREADY_UNDONE"


async def test_merging_a_profile_with_itself_is_refused_and_changes_nothing(customer, published):
    anna = await customer.email("anna@example.com")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.MergeProfiles(
            pb.MergeProfilesRequest(survivor_id=anna.id, merged_id=anna.id)
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = error_details(refused.value)
    assert (details.reason, details.field) == ("SAME_PROFILE", "merged_id")
    assert await get(customer, anna.id) == anna
    listed = await customer.stub.ListMerges(pb.ListMergesRequest(profile_id=anna.id))
    assert list(listed.merges) == []

    # A real merge afterwards is the only merge event for anna.
    bob = await customer.email("bob@example.com")
    await customer.stub.MergeProfiles(
        pb.MergeProfilesRequest(survivor_id=anna.id, merged_id=bob.id)
    )
    events = await published(
        "omni.customer.profile.merged",
        events_pb2.ProfilesMerged,
        lambda e: anna.id in (e.merge.survivor_id, e.merge.merged_id),
    )
    assert [e.merge.merged_id for e in events] == [bob.id]

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.MergeProfiles(
            pb.MergeProfilesRequest(survivor_id=bob.id, merged_id=anna.id)
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(refused.value).field == "survivor_id"
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.MergeProfiles(
            pb.MergeProfilesRequest(survivor_id=anna.id, merged_id="cus_nobody")
        )
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_details(refused.value).field == "merged_id"
