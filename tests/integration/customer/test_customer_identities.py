"""Identities: one customer recognised in every channel, never a silent steal."""

from __future__ import annotations

import grpc
import pytest

from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2 as pb
from omni.customer.v1 import events_pb2
from omni_kit.errors import error_details

PHONE = pb.IDENTITY_KIND_PHONE
EMAIL = pb.IDENTITY_KIND_EMAIL


async def test_a_known_phone_in_any_channel_lands_on_the_same_customer(customer):
    first = await customer.create(
        PHONE, "0151 2345 6789", channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_POS)
    )
    assert [(i.kind, i.value) for i in first.identities] == [(PHONE, "+4915123456789")]
    again = await customer.stub.FindOrCreateProfile(
        pb.FindOrCreateProfileRequest(
            identity=pb.Identity(kind=PHONE, value="+49 (151) 234-56789"),
            channel=common_pb2.ChannelRef(channel=common_pb2.SALES_CHANNEL_MESSENGER),
        )
    )
    assert not again.created
    assert again.profile.id == first.id


async def test_identities_of_every_kind_are_added_and_each_finds_the_profile(customer):
    anna = await customer.email("  Anna.Schmidt@Example.COM ", "Anna")
    assert anna.identities[0].value == "anna.schmidt@example.com"
    given = [
        pb.Identity(kind=PHONE, value="030 1234567"),
        pb.Identity(kind=pb.IDENTITY_KIND_INSTAGRAM, value="@Anna.Style"),
        pb.Identity(kind=pb.IDENTITY_KIND_TELEGRAM, value="AnnaS"),
        pb.Identity(kind=pb.IDENTITY_KIND_MARKETPLACE_BUYER, value="B-77", partner_id="ptn_a"),
        pb.Identity(kind=pb.IDENTITY_KIND_MARKETPLACE_BUYER, value="B-77", partner_id="ptn_b"),
        pb.Identity(kind=pb.IDENTITY_KIND_LOYALTY_CARD, value="lc 1234-5678"),
    ]
    for identity in given:
        reply = await customer.stub.AddIdentity(
            pb.AddIdentityRequest(profile_id=anna.id, identity=identity)
        )
    stored = {(i.kind, i.value, i.partner_id) for i in reply.profile.identities}
    assert (PHONE, "+49301234567", "") in stored
    assert (pb.IDENTITY_KIND_INSTAGRAM, "anna.style", "") in stored
    assert (pb.IDENTITY_KIND_LOYALTY_CARD, "LC12345678", "") in stored
    assert len(stored) == 7

    searches = [
        (PHONE, "+49 30 1234567", ""),
        (pb.IDENTITY_KIND_INSTAGRAM, "anna.style", ""),
        (pb.IDENTITY_KIND_MARKETPLACE_BUYER, "B-77", "ptn_b"),
        (pb.IDENTITY_KIND_LOYALTY_CARD, "LC12345678", ""),
        (EMAIL, "ANNA.SCHMIDT@example.com", ""),
    ]
    for kind, value, partner in searches:
        found = await customer.stub.FindProfiles(
            pb.FindProfilesRequest(identity_kind=kind, identity_value=value, partner_id=partner)
        )
        assert [p.id for p in found.profiles] == [anna.id], (kind, value)
    unknown = await customer.stub.FindProfiles(
        pb.FindProfilesRequest(
            identity_kind=pb.IDENTITY_KIND_MARKETPLACE_BUYER, identity_value="B-77", partner_id="x"
        )
    )
    assert list(unknown.profiles) == []

    removed = await customer.stub.RemoveIdentity(
        pb.RemoveIdentityRequest(
            profile_id=anna.id, kind=pb.IDENTITY_KIND_INSTAGRAM, value="@ANNA.STYLE"
        )
    )
    assert pb.IDENTITY_KIND_INSTAGRAM not in [i.kind for i in removed.profile.identities]
    newcomer = await customer.stub.FindOrCreateProfile(
        pb.FindOrCreateProfileRequest(
            identity=pb.Identity(kind=pb.IDENTITY_KIND_INSTAGRAM, value="anna.style")
        )
    )
    assert newcomer.created and newcomer.profile.id != anna.id


async def test_an_identity_owned_by_another_profile_is_refused_naming_the_owner(
    customer, published
):
    anna = await customer.email("anna@example.com")
    bob = await customer.email("bob@example.com")
    await customer.stub.AddIdentity(
        pb.AddIdentityRequest(
            profile_id=anna.id, identity=pb.Identity(kind=PHONE, value="0151 11111111")
        )
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.AddIdentity(
            pb.AddIdentityRequest(
                profile_id=bob.id, identity=pb.Identity(kind=PHONE, value="+49 151 11111111")
            )
        )
    details = error_details(refused.value)
    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert details.reason == "IDENTITY_TAKEN"
    assert details.field == "identity.value"
    assert details.metadata["owner_profile_id"] == anna.id
    assert "+4915111111111" in details.message

    bob_now = (await customer.stub.GetProfile(pb.GetProfileRequest(profile_id=bob.id))).profile
    assert bob_now == bob  # nothing written
    anna_now = (await customer.stub.GetProfile(pb.GetProfileRequest(profile_id=anna.id))).profile
    assert PHONE in [i.kind for i in anna_now.identities]  # not stolen
    # A later change of bob's is published; the refused one never was.
    await customer.stub.UpdateProfile(
        pb.UpdateProfileRequest(
            profile=pb.Profile(id=bob.id, display_name="Bob"),
            update_mask={"paths": ["display_name"]},
        )
    )
    updates = await published(
        "omni.customer.profile.updated",
        events_pb2.ProfileUpdated,
        lambda e: e.profile.id == bob.id,
    )
    assert [list(e.changed_fields.paths) for e in updates] == [["display_name"]]


@pytest.mark.parametrize(
    ("identity", "field"),
    [
        (pb.Identity(kind=EMAIL, value="anna@"), "identity.value"),
        (pb.Identity(kind=EMAIL, value="not an e-mail"), "identity.value"),
        (pb.Identity(kind=PHONE, value="12"), "identity.value"),
        (pb.Identity(kind=PHONE, value="0151 abc"), "identity.value"),
        (pb.Identity(kind=pb.IDENTITY_KIND_MARKETPLACE_BUYER, value="B-1"), "identity.partner_id"),
        (pb.Identity(kind=pb.IDENTITY_KIND_UNSPECIFIED, value="x"), "identity.kind"),
    ],
)
async def test_invalid_identities_are_refused_with_the_field_and_nothing_is_created(
    customer, identity, field
):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.FindOrCreateProfile(pb.FindOrCreateProfileRequest(identity=identity))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == field
    everyone = await customer.stub.FindProfiles(pb.FindProfilesRequest(include_merged=True))
    assert list(everyone.profiles) == []


async def test_add_identity_with_an_invalid_phone_writes_nothing(customer, published):
    anna = await customer.email("anna@example.com")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.AddIdentity(
            pb.AddIdentityRequest(
                profile_id=anna.id, identity=pb.Identity(kind=PHONE, value="+1 555")
            )
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == "identity.value"
    after = (await customer.stub.GetProfile(pb.GetProfileRequest(profile_id=anna.id))).profile
    assert after == anna
    await customer.stub.UpdateProfile(
        pb.UpdateProfileRequest(
            profile=pb.Profile(id=anna.id, display_name="Anna"),
            update_mask={"paths": ["display_name"]},
        )
    )
    updates = await published(
        "omni.customer.profile.updated",
        events_pb2.ProfileUpdated,
        lambda e: e.profile.id == anna.id,
    )
    assert [list(e.changed_fields.paths) for e in updates] == [["display_name"]]


async def test_the_same_identity_arriving_at_once_from_many_channels_is_one_customer(customer):
    import asyncio

    channels = [common_pb2.SALES_CHANNEL_WEB, common_pb2.SALES_CHANNEL_POS] * 3
    replies = await asyncio.gather(
        *(
            customer.stub.FindOrCreateProfile(
                pb.FindOrCreateProfileRequest(
                    identity=pb.Identity(kind=PHONE, value="0151 99988877"),
                    channel=common_pb2.ChannelRef(channel=channel),
                )
            )
            for channel in channels
        )
    )
    assert len({reply.profile.id for reply in replies}) == 1
    assert sum(reply.created for reply in replies) == 1


async def test_two_profiles_claiming_one_identity_at_once_one_wins(customer):
    import asyncio

    anna = await customer.email("anna@example.com")
    bob = await customer.email("bob@example.com")
    results = await asyncio.gather(
        *(
            customer.stub.AddIdentity(
                pb.AddIdentityRequest(
                    profile_id=owner.id, identity=pb.Identity(kind=PHONE, value="0151 44455566")
                )
            )
            for owner in (anna, bob)
        ),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert [r.code() for r in refused] == [grpc.StatusCode.ALREADY_EXISTS]
    owners = await customer.stub.FindProfiles(
        pb.FindProfilesRequest(identity_kind=PHONE, identity_value="+4915144455566")
    )
    assert len(owners.profiles) == 1
