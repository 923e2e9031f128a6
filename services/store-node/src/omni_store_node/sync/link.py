"""Whether the node can reach the centre now, and since when it could not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog

from omni_kit.ids import utcnow

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Outage:
    """The last time the link was down: from, until, and the sales waiting when it came back."""

    started_at: datetime
    ended_at: datetime
    sales_waiting: int = 0


class Link:
    def __init__(self) -> None:
        # Offline until the centre has answered once: a node starting with no link sells on.
        self.online = False
        self.offline_since: datetime | None = utcnow()
        self.last_sync_at: datetime | None = None
        self.last_outage: Outage | None = None

    def ending_outage(self, sales_waiting: int) -> Outage | None:
        """The outage the link is coming back from (None if it was up), as the centre is told of
        it before the node catches up."""
        if self.offline_since is None:
            return None
        return Outage(self.offline_since, utcnow(), sales_waiting)

    def up(self, outage: Outage | None = None) -> None:
        if not self.online:
            log.info("link_up", offline_since=self.offline_since, outage=outage)
        if outage is not None:
            self.last_outage = outage
        self.online = True
        self.offline_since = None

    def down(self, reason: str) -> None:
        if self.online:
            log.warning("link_down", reason=reason)
            self.offline_since = utcnow()
        self.online = False
