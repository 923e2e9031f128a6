"""Events: JetStream streams, publishing, durable consumers, the transactional outbox and inbox.

A service writes state and `Outbox.add` in one transaction; `OutboxRelay` publishes after
commit; a `Consumer` hands each event to a handler that applies its effect through `Inbox`.
"""

from omni_kit.events.backoff import Backoff
from omni_kit.events.bus import BusUnavailable, EventBus
from omni_kit.events.codec import PoisonMessage, decode, event_type
from omni_kit.events.consumer import Consumer, EventContext, Handler, Interest
from omni_kit.events.inbox import Inbox
from omni_kit.events.names import DLQ_STREAM, dlq_subject, stream_name, stream_subjects
from omni_kit.events.outbox import Outbox
from omni_kit.events.relay import OutboxRelay

__all__ = [
    "DLQ_STREAM",
    "Backoff",
    "BusUnavailable",
    "Consumer",
    "EventBus",
    "EventContext",
    "Handler",
    "Inbox",
    "Interest",
    "Outbox",
    "OutboxRelay",
    "PoisonMessage",
    "decode",
    "dlq_subject",
    "event_type",
    "stream_name",
    "stream_subjects",
]
