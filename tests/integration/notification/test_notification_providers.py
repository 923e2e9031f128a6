"""Each provider against a real receiver: an SMTP server, an HTTP endpoint, the local sinks."""

from __future__ import annotations

import json
import socket

import pytest

from omni_kit.outbound import OutboundClient, OutboundPolicy
from omni_notification.domain.common import ContactChannel, IdentityKind
from omni_notification.domain.templates import Rendered
from omni_notification.providers import DeliveryError, Outgoing, build_providers
from omni_notification.providers.sinks import FileSink
from omni_notification.providers.smtp import SmtpProvider
from omni_notification.providers.webhook import WebhookProvider
from omni_notification.settings import NotificationSettings

# The receivers listen on loopback: what tests and local development allow.
LOCAL = OutboundPolicy(allow_http=True, allow_private_networks=True)
EMAIL = ContactChannel.EMAIL
SMS = ContactChannel.SMS
MESSENGER = ContactChannel.MESSENGER


def outgoing(channel: ContactChannel, recipient: str, **message: str) -> Outgoing:
    return Outgoing(
        "ntf_1", channel, recipient, Rendered(channel=channel, language="en", **message)
    )


async def test_smtp_delivers_a_plain_and_html_mail_to_a_real_server(smtp_server):
    mailbox, port = smtp_server
    provider = SmtpProvider("127.0.0.1", port, sender="Omni <shop@omni.test>", security="none")
    message_id = await provider.send(
        outgoing(EMAIL, "ana@example.com", subject="Ready", body="Code K7", html_body="<b>K7</b>")
    )
    [mail] = mailbox.messages
    assert mail["To"] == "ana@example.com"
    assert mail["Subject"] == "Ready"
    assert mail["Message-ID"] == message_id
    assert mail.get_body(("plain",)).get_content().strip() == "Code K7"
    assert mail.get_body(("html",)).get_content().strip() == "<b>K7</b>"


async def test_smtp_greets_with_its_set_name_or_the_host_name_without_a_dns_lookup(
    smtp_server, monkeypatch
):
    def no_dns(name: str = "") -> str:
        raise AssertionError("a reverse DNS lookup per connection stalls sends where DNS is slow")

    monkeypatch.setattr(socket, "getfqdn", no_dns)
    mailbox, port = smtp_server
    named = SmtpProvider(
        "127.0.0.1", port, sender="shop@omni.test", security="none", helo_name="mail.omni.test"
    )
    await named.send(outgoing(EMAIL, "ana@example.com", subject="s", body="b"))
    unnamed = SmtpProvider("127.0.0.1", port, sender="shop@omni.test", security="none")
    await unnamed.send(outgoing(EMAIL, "ana@example.com", subject="s", body="b"))
    assert mailbox.greetings == ["mail.omni.test", socket.gethostname()]


async def test_smtp_refused_recipient_is_permanent_and_no_server_is_transient(smtp_server):
    mailbox, port = smtp_server
    mailbox.refused.add("gone@example.com")
    provider = SmtpProvider("127.0.0.1", port, sender="shop@omni.test", security="none")
    with pytest.raises(DeliveryError) as refused:
        await provider.send(outgoing(EMAIL, "gone@example.com", subject="s", body="b"))
    assert refused.value.permanent
    assert not mailbox.messages

    closed = SmtpProvider("127.0.0.1", 1, sender="shop@omni.test", security="none", timeout=2)
    with pytest.raises(DeliveryError) as unreachable:
        await closed.send(outgoing(EMAIL, "ana@example.com", subject="s", body="b"))
    assert not unreachable.value.permanent


async def test_webhook_posts_json_and_classifies_failures(webhook_receiver):
    receiver, url = webhook_receiver
    client = OutboundClient(LOCAL, timeout=5)
    try:
        provider = WebhookProvider("sms-webhook", url, client, token="t0k")
        message_id = await provider.send(outgoing(SMS, "+4915112345678", body="Code K7"))
        assert message_id == "m-1"
        [request] = receiver.requests
        assert request["to"] == "+4915112345678"
        assert request["channel"] == "sms"
        assert request["body"] == "Code K7"
        assert request["_headers"]["Authorization"] == "Bearer t0k"
        assert request["_headers"]["Idempotency-Key"] == "ntf_1"

        receiver.status = 503
        with pytest.raises(DeliveryError) as busy:
            await provider.send(outgoing(SMS, "+4915112345678", body="x"))
        assert not busy.value.permanent
        receiver.status = 400
        with pytest.raises(DeliveryError) as bad:
            await provider.send(outgoing(SMS, "+4915112345678", body="x"))
        assert bad.value.permanent
    finally:
        await client.aclose()


async def test_a_hanging_webhook_times_out_as_a_transient_failure(webhook_receiver):
    receiver, url = webhook_receiver
    receiver.hang = True
    client = OutboundClient(LOCAL, timeout=0.5)
    provider = WebhookProvider("sms-webhook", url, client)
    with pytest.raises(DeliveryError) as hung:
        await provider.send(outgoing(SMS, "+4915112345678", body="x"))
    await client.aclose()
    assert "timeout" in str(hung.value)
    assert not hung.value.permanent


async def test_file_sink_writes_an_eml_file_and_a_json_line_per_message(tmp_path):
    sink = FileSink(tmp_path, sender="shop@omni.test")
    await sink.send(outgoing(EMAIL, "ana@example.com", subject="Hi", body="Hello"))
    messenger = Outgoing(
        "ntf_2",
        MESSENGER,
        "@ana",
        Rendered(channel=MESSENGER, language="", body="Yo"),
        IdentityKind.TELEGRAM,
    )
    await sink.send(messenger)
    eml = (tmp_path / "email" / "ntf_1.eml").read_text()
    assert "Subject: Hi" in eml
    assert "To: ana@example.com" in eml
    lines = [json.loads(line) for line in (tmp_path / "messages.jsonl").read_text().splitlines()]
    assert [(line["channel"], line["to"]) for line in lines] == [
        ("email", "ana@example.com"),
        ("messenger", "@ana"),
    ]
    assert lines[1]["messenger"] == "telegram"

    (tmp_path / "blocked").write_text("a file where the sink wants a folder")
    with pytest.raises(DeliveryError) as unwritable:
        await FileSink(tmp_path / "blocked", sender="shop@omni.test").send(messenger)
    assert not unwritable.value.permanent


def test_settings_choose_a_provider_per_channel(tmp_path):
    settings = NotificationSettings(
        smtp_host="smtp.example.com",
        sms_webhook_url="https://sms.example.com/send",
        sink_dir=tmp_path,
    )
    providers = build_providers(settings, OutboundClient(settings.outbound_policy(), timeout=1))
    assert providers[EMAIL].name == "smtp"
    assert providers[SMS].name == "sms-webhook"
    assert providers[MESSENGER].name == "file"
    with pytest.raises(ValueError, match="OMNI_NOTIFICATION_PUSH_PROVIDER"):
        NotificationSettings(push_provider="webhook")
