"""E-mail over SMTP (submission with STARTTLS, implicit TLS, or plain for local servers)."""

from __future__ import annotations

import socket
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from omni_notification.providers.base import DeliveryError, Outgoing


def email_message(outgoing: Outgoing, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = outgoing.recipient
    message["Subject"] = outgoing.message.subject
    message["Message-ID"] = make_msgid(idstring=outgoing.notification_id, domain="omni.local")
    message["X-Omni-Notification-Id"] = outgoing.notification_id
    message.set_content(outgoing.message.body)
    if outgoing.message.html_body:
        message.add_alternative(outgoing.message.html_body, subtype="html")
    return message


class SmtpProvider:
    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        username: str = "",
        password: str = "",
        security: str = "auto",
        helo_name: str = "",
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username or None
        self.password = password or None
        self.security = security
        # aiosmtplib's default is socket.getfqdn() on a worker thread for every connection.
        self.helo_name = helo_name or socket.gethostname()
        self.timeout = timeout

    async def send(self, outgoing: Outgoing) -> str:
        message = email_message(outgoing, self.sender)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                local_hostname=self.helo_name,
                username=self.username,
                password=self.password,
                use_tls=self.security == "tls",
                start_tls={"starttls": True, "none": False}.get(self.security),
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(f"recipient refused: {error}", permanent=True) from None
        except aiosmtplib.SMTPResponseException as error:
            permanent = 500 <= error.code < 600
            raise DeliveryError(
                f"SMTP {error.code}: {error.message}", permanent=permanent
            ) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"SMTP server unreachable: {error}") from None
        return str(message["Message-ID"])
