"""Whether the node can reach the centre now, and since when it could not."""

from __future__ import annotations

from datetime import datetime

import structlog

from omni_kit.ids import utcnow

log = structlog.get_logger(__name__)


class Link:
    def __init__(self) -> None:
        # Offline until the centre has answered once: a node starting with no link sells on.
        self.online = False
        self.offline_since: datetime | None = utcnow()
        self.last_sync_at: datetime | None = None

    def up(self) -> None:
        if not self.online:
            log.info("link_up", offline_since=self.offline_since)
        self.online = True
        self.offline_since = None

    def down(self, reason: str) -> None:
        if self.online:
            log.warning("link_down", reason=reason)
            self.offline_since = utcnow()
        self.online = False
