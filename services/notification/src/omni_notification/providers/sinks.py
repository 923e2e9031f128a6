"""Local sinks for `make dev`: messages a person can open (.eml files) and read (JSON lines)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from omni_kit.ids import utcnow
from omni_notification.providers.base import DeliveryError, Outgoing
from omni_notification.providers.smtp import email_message
from omni_notification.providers.webhook import payload

LOG_NAME = "messages.jsonl"


class FileSink:
    """E-mail lands as <sink>/email/<id>.eml; every message also gets a line in messages.jsonl."""

    name = "file"

    def __init__(self, directory: Path, *, sender: str) -> None:
        self.directory = directory
        self.sender = sender

    async def send(self, outgoing: Outgoing) -> str:
        try:
            await asyncio.to_thread(self._write, outgoing)
        except OSError as error:
            raise DeliveryError(f"cannot write to the sink {self.directory}: {error}") from None
        return outgoing.notification_id

    def _write(self, outgoing: Outgoing) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        record = {"at": utcnow().isoformat(), **payload(outgoing)}
        if record["channel"] == "email":
            mail = self.directory / "email"
            mail.mkdir(exist_ok=True)
            eml = mail / f"{outgoing.notification_id}.eml"
            eml.write_bytes(email_message(outgoing, self.sender).as_bytes())
            record["file"] = str(eml)
        with (self.directory / LOG_NAME).open("a", encoding="utf-8") as log:
            log.write(json.dumps(record, ensure_ascii=False) + "\n")
