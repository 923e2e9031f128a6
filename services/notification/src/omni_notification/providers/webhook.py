"""SMS, push and messenger through an HTTP webhook: the provider (or an adapter in front of
it) receives one JSON POST per message and answers 2xx with its message id."""

from __future__ import annotations

from omni_kit.outbound import DeliveryFailed, DestinationNotAllowed, OutboundClient, Reply
from omni_notification.providers.base import DeliveryError, Outgoing

# Worth retrying: the provider is busy or briefly broken, not refusing this message.
TRANSIENT = {408, 425, 429}


def payload(outgoing: Outgoing) -> dict[str, str]:
    body = {
        "notification_id": outgoing.notification_id,
        "channel": outgoing.channel.label,
        "to": outgoing.recipient,
        "subject": outgoing.message.subject,
        "body": outgoing.message.body,
        "language": outgoing.message.language,
    }
    if outgoing.identity_kind:
        body["messenger"] = outgoing.identity_kind.name.lower()
    return body


class WebhookProvider:
    def __init__(self, name: str, url: str, client: OutboundClient, *, token: str = "") -> None:
        self.name = name
        self.url = url
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def send(self, outgoing: Outgoing) -> str:
        headers = {**self.headers, "Idempotency-Key": outgoing.notification_id}
        try:
            reply = await self.client.post(self.url, json=payload(outgoing), headers=headers)
        except DestinationNotAllowed as refused:
            raise DeliveryError(f"{self.name} webhook refused: {refused.reason}") from None
        except DeliveryFailed as failed:
            raise DeliveryError(f"{self.name} webhook {failed.public}") from None
        if reply.status_code >= 300:
            permanent = reply.status_code < 500 and reply.status_code not in TRANSIENT
            raise DeliveryError(
                f"{self.name} webhook answered {reply.status_code}: {reply.text[:200]}",
                permanent=permanent,
            )
        return _message_id(reply) or outgoing.notification_id


def _message_id(reply: Reply) -> str:
    try:
        data = reply.json()
    except ValueError:
        return ""
    if isinstance(data, dict):
        return str(data.get("message_id") or data.get("id") or "")
    return ""
