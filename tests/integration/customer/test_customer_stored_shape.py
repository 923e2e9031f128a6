"""The service's own types read the documents the store already holds and write them in the
same shape (field names, numbers, dates, enum names): no data migration for them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask

from omni.common.v1 import common_pb2 as common
from omni.customer.v1 import customer_pb2 as pb
from omni_customer.store.profiles import with_search
from omni_kit.protos import to_document, to_timestamp

# The store keeps milliseconds.
T0 = to_timestamp(datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC))


def olga(profile_id: str) -> pb.Profile:
    return pb.Profile(
        id=profile_id,
        version=3,
        status=pb.PROFILE_STATUS_ACTIVE,
        display_name="Olga K",
        given_name="Olga",
        identities=[
            pb.Identity(
                kind=pb.IDENTITY_KIND_EMAIL,
                value="olga@example.com",
                verified=True,
                source_channel=common.SALES_CHANNEL_WEB,
                added_at=T0,
            )
        ],
        addresses=[
            pb.CustomerAddress(
                id="adr_olga",
                address=common.Address(lines=["Rynek 1"], city="Kraków", country_code="PL"),
                geo=common.GeoPoint(lat=50.06, lng=19.94),
                default_shipping=True,
                default_billing=True,
            )
        ],
        preferences=pb.Preferences(
            consents=[
                pb.Consent(
                    channel=common.CONTACT_CHANNEL_EMAIL,
                    purpose=common.CONTACT_PURPOSE_MARKETING,
                    granted=True,
                    source=common.ChannelRef(channel=common.SALES_CHANNEL_WEB),
                    recorded_by=common.Actor(kind=common.ACTOR_KIND_CUSTOMER, id="cus_olga"),
                    recorded_at=T0,
                )
            ],
            quiet_hours=pb.QuietHours(start="22:00", end="07:00"),
            time_zone="Europe/Warsaw",
            language="pl",
        ),
        loyalty=pb.Loyalty(points_balance=3_000_000_000, updated_at=T0),
        source_channel=common.SALES_CHANNEL_WEB,
        created_at=T0,
        updated_at=T0,
    )


def milliseconds(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    if isinstance(value, dict):
        return {key: milliseconds(item) for key, item in value.items()}
    if isinstance(value, list):
        return [milliseconds(item) for item in value]
    return value


async def test_a_stored_profile_is_served_and_written_back_in_its_shape(customer, mongo, db_name):
    db = mongo[f"{db_name}_customer"]
    message = olga("cus_stored_olga")
    await db["profiles"].insert_one(with_search(to_document(message)))
    await db["identities"].insert_one(
        {"_id": "IDENTITY_KIND_EMAIL:olga@example.com", "profile_id": message.id}
    )
    served = await customer.stub.GetProfile(pb.GetProfileRequest(profile_id=message.id))
    assert served.profile == message
    found = await customer.stub.FindOrCreateProfile(
        pb.FindOrCreateProfileRequest(
            identity=pb.Identity(kind=pb.IDENTITY_KIND_EMAIL, value=" Olga@Example.COM")
        )
    )
    assert (found.profile.id, found.created) == (message.id, False)

    reply = await customer.stub.UpdateProfile(
        pb.UpdateProfileRequest(
            profile=pb.Profile(id=message.id, family_name="Kowalska"),
            update_mask=FieldMask(paths=["family_name"]),
        )
    )
    stored = await db["profiles"].find_one({"_id": message.id})
    expected = pb.Profile()
    expected.CopyFrom(message)
    expected.family_name, expected.version = "Kowalska", 4
    expected.updated_at.CopyFrom(to_timestamp(stored["updated_at"]))
    assert stored == with_search(to_document(expected))
    assert stored["loyalty"]["points_balance"] == 3_000_000_000  # a number, not text
    assert stored["search"] != with_search(to_document(message))["search"]  # the new name
    reply.profile.updated_at.CopyFrom(expected.updated_at)
    assert milliseconds(to_document(reply.profile)) == to_document(expected)


async def test_a_timeline_entry_is_stored_as_its_contract_shape(customer, mongo, db_name):
    db = mongo[f"{db_name}_customer"]
    anna = await customer.email("anna.shape@example.com", "Anna")
    reply = await customer.stub.AddTimelineEntry(
        pb.AddTimelineEntryRequest(
            entry=pb.TimelineEntry(
                profile_id=anna.id,
                type=pb.TIMELINE_ENTRY_TYPE_STORE_VISIT,
                channel=common.ChannelRef(channel=common.SALES_CHANNEL_POS, store_id="st_1"),
                actor=common.Actor(kind=common.ACTOR_KIND_STAFF, id="usr_1", display="Eve"),
                summary="Tried on the boots",
                ref=pb.ObjectRef(kind="product", id="prd_1"),
                attributes={"size": "39"},
            )
        )
    )
    stored = await db["timeline"].find_one({"_id": reply.entry.id})
    assert stored == {**milliseconds(to_document(reply.entry)), "merges": []}
    assert stored["type"] == "TIMELINE_ENTRY_TYPE_STORE_VISIT"
    assert stored["channel"] == {"channel": "SALES_CHANNEL_POS", "store_id": "st_1"}
    listed = await customer.stub.ListTimeline(
        pb.ListTimelineRequest(profile_id=anna.id, channels=[common.SALES_CHANNEL_POS])
    )
    assert [entry.id for entry in listed.entries] == [reply.entry.id]
