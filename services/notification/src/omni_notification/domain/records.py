"""A new notification record: what to send, to whom, and the key that makes it happen once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from omni.common.v1 import common_pb2
from omni.notification.v1 import notification_pb2
from omni_kit.ids import new_id
from omni_kit.protos import to_document, to_timestamp
from omni_notification.domain.drafts import Draft


def new_notification(
    draft: Draft,
    *,
    dedup_key: str,
    purpose: common_pb2.ContactPurpose.ValueType,
    urgent: bool,
    now: datetime,
    actor: common_pb2.Actor,
    only_channel: common_pb2.ContactChannel.ValueType = common_pb2.CONTACT_CHANNEL_UNSPECIFIED,
    text: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The stored document: the Notification plus what the sender needs later (variables, a
    free text, the channel staff chose or the subscriber prefers)."""
    notification = notification_pb2.Notification(
        id=new_id("ntf"),
        customer_id=draft.customer_id,
        event_type=draft.event_type,
        source_event_id=draft.source_event_id,
        dedup_key=dedup_key,
        purpose=purpose,
        urgent=urgent,
        channel=only_channel or draft.preferred_channel,
        status=notification_pb2.NOTIFICATION_STATUS_QUEUED,
        actor=actor,
        subject_id=draft.subject_id,
        created_at=to_timestamp(now),
        updated_at=to_timestamp(now),
        scheduled_at=to_timestamp(now),
    )
    document = to_document(notification)
    document.update(
        variables=draft.variables,
        only_channel=only_channel,
        preferred_channel=draft.preferred_channel,
        passes=0,
        dead_channels=[],
        lease=None,
        lease_until=None,
    )
    if text is not None:
        document["text"] = text
    return document
