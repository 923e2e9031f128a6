"""Privacy: export everything stored about a customer; erase the person."""

from __future__ import annotations

import json

from omni.common.v1 import common_pb2 as common
from omni.customer.v1 import customer_pb2 as pb
from omni.customer.v1 import events_pb2
from omni_kit.idempotency import call_metadata

WEB = common.ChannelRef(channel=common.SALES_CHANNEL_WEB)


async def test_export_holds_everything_and_erasure_removes_the_person(customer, published):
    stub = customer.stub
    anna = await customer.email("anna@example.com", "Anna Schmidt")
    old = await customer.create(pb.IDENTITY_KIND_PHONE, "0151 23456789", display_name="A. S.")
    await stub.AddAddress(
        pb.AddAddressRequest(
            profile_id=anna.id,
            address=pb.CustomerAddress(
                address=common.Address(lines=["Invalidenstr. 1"], city="Berlin", country_code="DE")
            ),
        )
    )
    await stub.RecordConsent(
        pb.RecordConsentRequest(
            profile_id=anna.id,
            channel=common.CONTACT_CHANNEL_EMAIL,
            purpose=common.CONTACT_PURPOSE_MARKETING,
            granted=True,
            source=WEB,
        )
    )
    await stub.AddTimelineEntry(
        pb.AddTimelineEntryRequest(
            entry=pb.TimelineEntry(
                profile_id=old.id,
                type=pb.TIMELINE_ENTRY_TYPE_CALL_NOTE,
                summary="Called about her order",
                body="Lives at Invalidenstr. 1, prefers mornings",
            )
        )
    )
    await stub.AdjustLoyalty(
        pb.AdjustLoyaltyRequest(profile_id=anna.id, points_delta=40, reason="gift"),
        metadata=call_metadata("r1", "test"),
    )
    await stub.MergeProfiles(pb.MergeProfilesRequest(survivor_id=anna.id, merged_id=old.id))

    exported = json.loads(
        (await stub.ExportProfile(pb.ExportProfileRequest(profile_id=old.id))).json
    )
    assert exported["profile"]["id"] == anna.id
    values = {i["value"] for i in exported["profile"]["identities"]}
    assert values == {"anna@example.com", "+4915123456789"}
    assert exported["profile"]["addresses"][0]["address"]["city"] == "Berlin"
    assert [p["id"] for p in exported["merged_profiles"]] == [old.id]
    assert len(exported["merges"]) == 1
    assert exported["consent_history"][0]["granted"] is True
    assert [r["delta"] for r in exported["loyalty_ledger"]] == [40]
    bodies = [e.get("body") for e in exported["timeline"]]
    assert "Lives at Invalidenstr. 1, prefers mornings" in bodies

    erased = (await stub.EraseProfile(pb.EraseProfileRequest(profile_id=anna.id))).profile
    assert erased.status == pb.PROFILE_STATUS_ERASED
    assert not erased.display_name and not erased.identities and not erased.addresses
    again = (await stub.EraseProfile(pb.EraseProfileRequest(profile_id=anna.id))).profile
    assert again == erased

    after = (await stub.ExportProfile(pb.ExportProfileRequest(profile_id=anna.id))).json
    for personal in ("anna@example.com", "+4915123456789", "Anna Schmidt", "A. S.", "Invalidenstr"):
        assert personal not in after
    permission = await stub.GetContactPermission(
        pb.GetContactPermissionRequest(
            profile_id=anna.id, purpose=common.CONTACT_PURPOSE_TRANSACTIONAL, urgent=True
        )
    )
    assert list(permission.permission.routes) == []
    # Identities are free again: the same e-mail is a new customer now.
    fresh = await stub.FindOrCreateProfile(
        pb.FindOrCreateProfileRequest(
            identity=pb.Identity(kind=pb.IDENTITY_KIND_EMAIL, value="anna@example.com")
        )
    )
    assert fresh.created and fresh.profile.id != anna.id

    events = await published(
        "omni.customer.profile.erased",
        events_pb2.ProfileErased,
        lambda e: e.profile_id in (anna.id, old.id),
        at_least=2,
    )
    assert sorted(e.profile_id for e in events) == sorted([anna.id, old.id])
