"""Channel stock policies, keyed by channel and partner (a channel-wide policy is the fallback)."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession

from omni.common.v1 import common_pb2
from omni.inventory.v1 import inventory_pb2
from omni_inventory.domain.levels import ChannelPolicy
from omni_inventory.store import Collections
from omni_inventory.store.changes import load_policies, match_policy
from omni_kit.protos import from_document, to_document


def key(channel: common_pb2.ChannelRef) -> str:
    return f"{common_pb2.SalesChannel.Name(channel.channel)}:{channel.partner_id}"


async def find(
    collections: Collections,
    channel: common_pb2.ChannelRef,
    session: AsyncClientSession | None = None,
) -> inventory_pb2.ChannelStockPolicy:
    """The policy that applies to the channel; the default (all stock) when none was set."""
    wide = common_pb2.ChannelRef(channel=channel.channel)
    for candidate in (channel, wide):
        document = await collections.policies.find_one({"_id": key(candidate)}, session=session)
        if document is not None:
            return from_document(document, inventory_pb2.ChannelStockPolicy)
    return inventory_pb2.ChannelStockPolicy(channel=channel)


async def policy_for(
    collections: Collections,
    channel: common_pb2.ChannelRef,
    session: AsyncClientSession | None = None,
) -> ChannelPolicy:
    return match_policy(await load_policies(collections, session), channel)


async def save(
    collections: Collections,
    policy: inventory_pb2.ChannelStockPolicy,
    session: AsyncClientSession,
) -> None:
    await collections.policies.replace_one(
        {"_id": key(policy.channel)}, to_document(policy), upsert=True, session=session
    )
