"""Every customer change runs once per (caller, idempotency key): a repeat replays the stored
response without a second effect, another request under the key is refused, callers' keys do
not collide, a call without a key is a new change each time, and a loyalty adjustment needs a
key."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from omni.common.v1 import common_pb2 as common
from omni.customer.v1 import customer_pb2 as pb
from omni_kit.errors import error_details
from omni_kit.idempotency import call_metadata, was_replayed

CONSULTANT = common.Actor(kind=common.ACTOR_KIND_STAFF, id="stf_1", display="Clara")
COLLECTIONS = (
    "profiles",
    "identities",
    "timeline",
    "merges",
    "consents",
    "loyalty_ledger",
    "outbox",
    "idempotency",
)


@pytest.fixture
def db(mongo, db_name):
    return mongo[f"{db_name}_customer"]


async def keyed(call, request, key: str, caller: str = "staff:stf_1"):
    """The response of a call made under `key`, and whether the service replayed it."""
    pending = call(request, metadata=call_metadata(key, caller))
    response = await pending
    return response, was_replayed(await pending.trailing_metadata())


async def footprint(db) -> dict[str, object]:
    """Every collection a customer change may touch, and each profile's version."""
    counts: dict[str, object] = {name: await db[name].count_documents({}) for name in COLLECTIONS}
    counts["versions"] = {
        doc["_id"]: doc.get("version") async for doc in db["profiles"].find({}, {"version": 1})
    }
    return counts


async def twice(db, call, request, key: str):
    """Call under `key`, then again: the repeat is the first response, replayed, and changes
    nothing anywhere."""
    first, first_replayed = await keyed(call, request, key)
    after_first = await footprint(db)
    again, again_replayed = await keyed(call, request, key)
    assert (first_replayed, again_replayed) == (False, True)
    assert again.SerializeToString() == first.SerializeToString()
    assert await footprint(db) == after_first
    return first


def email(value: str) -> pb.Identity:
    return pb.Identity(kind=pb.IDENTITY_KIND_EMAIL, value=value)


def note(profile_id: str, summary: str) -> pb.AddTimelineEntryRequest:
    return pb.AddTimelineEntryRequest(
        entry=pb.TimelineEntry(
            profile_id=profile_id,
            type=pb.TIMELINE_ENTRY_TYPE_NOTE,
            actor=CONSULTANT,
            summary=summary,
        )
    )


async def test_every_customer_change_replays_under_its_key_without_a_second_effect(customer, db):
    stub = customer.stub
    created = await twice(
        db,
        stub.FindOrCreateProfile,
        pb.FindOrCreateProfileRequest(identity=email("anna@example.com"), display_name="Anna"),
        "create",
    )
    assert created.created
    anna = created.profile
    other = (
        await twice(
            db,
            stub.FindOrCreateProfile,
            pb.FindOrCreateProfileRequest(identity=email("a.s@example.com")),
            "create-2",
        )
    ).profile
    # The repeat of an update answers what it did, though the version has moved on since.
    await twice(
        db,
        stub.UpdateProfile,
        pb.UpdateProfileRequest(
            profile=pb.Profile(id=anna.id, display_name="Anna S."),
            update_mask={"paths": ["display_name"]},
            expected_version=anna.version,
        ),
        "rename",
    )
    phone = pb.Identity(kind=pb.IDENTITY_KIND_PHONE, value="+4915123456789")
    await twice(
        db, stub.AddIdentity, pb.AddIdentityRequest(profile_id=anna.id, identity=phone), "id"
    )
    await twice(
        db,
        stub.RemoveIdentity,
        pb.RemoveIdentityRequest(
            profile_id=anna.id, kind=pb.IDENTITY_KIND_PHONE, value="+4915123456789"
        ),
        "id-off",
    )
    home = await twice(
        db,
        stub.AddAddress,
        pb.AddAddressRequest(
            profile_id=anna.id,
            address=pb.CustomerAddress(
                label="home",
                address=common.Address(lines=["Invalidenstr. 1"], city="Berlin", country_code="DE"),
            ),
        ),
        "address",
    )
    await twice(
        db,
        stub.UpdateAddress,
        pb.UpdateAddressRequest(
            profile_id=anna.id,
            address=pb.CustomerAddress(id=home.address.id, label="flat"),
            update_mask={"paths": ["label"]},
        ),
        "address-label",
    )
    await twice(
        db,
        stub.RemoveAddress,
        pb.RemoveAddressRequest(profile_id=anna.id, address_id=home.address.id),
        "address-off",
    )
    await twice(
        db,
        stub.UpdatePreferences,
        pb.UpdatePreferencesRequest(
            profile_id=anna.id,
            preferences=pb.Preferences(language="de"),
            update_mask={"paths": ["language"]},
        ),
        "prefs",
    )
    await twice(
        db,
        stub.RecordConsent,
        pb.RecordConsentRequest(
            profile_id=anna.id,
            channel=common.CONTACT_CHANNEL_EMAIL,
            purpose=common.CONTACT_PURPOSE_MARKETING,
            granted=True,
        ),
        "consent",
    )
    await twice(db, stub.AddTimelineEntry, note(anna.id, "called about a jacket"), "note")
    adjusted = await twice(
        db,
        stub.AdjustLoyalty,
        pb.AdjustLoyaltyRequest(profile_id=anna.id, points_delta=25, reason="welcome"),
        "points",
    )
    assert adjusted.profile.loyalty.points_balance == 25
    merged = await twice(
        db,
        stub.MergeProfiles,
        pb.MergeProfilesRequest(survivor_id=anna.id, merged_id=other.id, actor=CONSULTANT),
        "merge",
    )
    await twice(
        db,
        stub.UnmergeProfiles,
        pb.UnmergeProfilesRequest(merge_id=merged.merge.id, actor=CONSULTANT),
        "unmerge",
    )
    erased = await twice(
        db, stub.EraseProfile, pb.EraseProfileRequest(profile_id=other.id), "erase"
    )
    assert erased.profile.status == pb.PROFILE_STATUS_ERASED

    ledger = [doc async for doc in db["loyalty_ledger"].find({})]
    assert [doc["delta"] for doc in ledger] == [25]
    assert await db["merges"].count_documents({}) == 1
    notes = await customer.stub.ListTimeline(
        pb.ListTimelineRequest(profile_id=anna.id, types=[pb.TIMELINE_ENTRY_TYPE_NOTE])
    )
    assert [entry.summary for entry in notes.entries] == ["called about a jacket"]
    assert await db["idempotency"].count_documents({}) == 15


async def test_a_key_sent_again_with_another_request_is_refused_and_writes_nothing(customer, db):
    anna = await customer.email("anna@example.com")
    await keyed(customer.stub.AddTimelineEntry, note(anna.id, "called about a jacket"), "k1")
    before = await footprint(db)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await keyed(customer.stub.AddTimelineEntry, note(anna.id, "asked for a refund"), "k1")
    refused = error_details(caught.value)
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.reason == "IDEMPOTENCY_KEY_REUSED"
    assert (refused.field, refused.metadata["key"]) == ("Idempotency-Key", "k1")
    assert await footprint(db) == before


async def test_two_callers_notes_under_the_same_key_are_two_entries(customer, db):
    anna = await customer.email("anna@example.com")
    request = note(anna.id, "called about a jacket")
    first, _ = await keyed(customer.stub.AddTimelineEntry, request, "k", caller="staff:stf_1")
    second, replayed = await keyed(
        customer.stub.AddTimelineEntry, request, "k", caller="staff:stf_2"
    )
    assert not replayed
    assert first.entry.id != second.entry.id
    feed = await customer.stub.ListTimeline(
        pb.ListTimelineRequest(profile_id=anna.id, types=[pb.TIMELINE_ENTRY_TYPE_NOTE])
    )
    assert {entry.id for entry in feed.entries} == {first.entry.id, second.entry.id}


async def test_concurrent_repeats_of_one_note_add_it_once(customer, db):
    anna = await customer.email("anna@example.com")
    request = note(anna.id, "called about a jacket")
    outcomes = await asyncio.gather(
        *(keyed(customer.stub.AddTimelineEntry, request, "k") for _ in range(5)),
        return_exceptions=True,
    )
    answers = [o for o in outcomes if not isinstance(o, BaseException)]
    refusals = [error_details(o).reason for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert len(answers) + len(refusals) == 5
    assert set(refusals) <= {"IDEMPOTENCY_REQUEST_IN_PROGRESS"}
    assert len({response.entry.id for response, _ in answers}) == 1
    assert await db["timeline"].count_documents({"type": "TIMELINE_ENTRY_TYPE_NOTE"}) == 1
    assert await db["idempotency"].count_documents({}) == 1


async def test_without_a_key_each_call_is_a_new_change(customer, db):
    anna = await customer.email("anna@example.com")
    request = note(anna.id, "called about a jacket")
    first = customer.stub.AddTimelineEntry(request)
    await first
    assert not was_replayed(await first.trailing_metadata())
    await customer.stub.AddTimelineEntry(request)
    address = pb.AddAddressRequest(
        profile_id=anna.id,
        address=pb.CustomerAddress(
            address=common.Address(lines=["Invalidenstr. 1"], city="Berlin", country_code="DE")
        ),
    )
    await customer.stub.AddAddress(address)
    twice_added = await customer.stub.AddAddress(address)
    assert len({a.id for a in twice_added.profile.addresses}) == 2
    assert await db["timeline"].count_documents({"type": "TIMELINE_ENTRY_TYPE_NOTE"}) == 2
    assert await db["idempotency"].count_documents({}) == 0


async def test_a_loyalty_adjustment_needs_a_key_and_a_refused_one_can_be_retried(customer, db):
    anna = await customer.email("anna@example.com")
    redeem = pb.AdjustLoyaltyRequest(profile_id=anna.id, points_delta=-20, reason="redeemed")
    before = await footprint(db)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await customer.stub.AdjustLoyalty(redeem)
    refused = error_details(caught.value)
    assert (refused.code, refused.field) == (grpc.StatusCode.INVALID_ARGUMENT, "Idempotency-Key")
    # Refused for want of points: nothing is recorded, so the same key works once they are there.
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await keyed(customer.stub.AdjustLoyalty, redeem, "redeem-1")
    assert error_details(caught.value).reason == "INSUFFICIENT_POINTS"
    assert await footprint(db) == before
    await keyed(
        customer.stub.AdjustLoyalty,
        pb.AdjustLoyaltyRequest(profile_id=anna.id, points_delta=50, reason="gift"),
        "gift-1",
    )
    redeemed, replayed = await keyed(customer.stub.AdjustLoyalty, redeem, "redeem-1")
    assert not replayed
    assert redeemed.profile.loyalty.points_balance == 30
