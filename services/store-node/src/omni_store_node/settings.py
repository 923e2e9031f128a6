"""The store node's settings (OMNI_STORE_NODE_*): which store, where its journal lives, how it
reaches the centre."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from omni_kit import timezones
from omni_kit.settings import ProcessSettings


class StoreNodeSettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_STORE_NODE_", extra="ignore", frozen=True)

    service_name: str = "store-node"
    # The store (its stock location id at the centre) this node sells for.
    store_id: str = Field(min_length=1)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8090, ge=0, le=65535)
    # The store's IANA time zone: paper receipts are written in it.
    time_zone: str = "UTC"
    # The journal and the catalog replica: one SQLite file on the node's own disk.
    journal_path: Path = Path("store-node.sqlite3")
    # The centre's services, as the node reaches them over the store's link.
    order_addr: str = "127.0.0.1:50053"
    catalog_addr: str = "127.0.0.1:50051"
    # The centre's NATS, for catalog events that refresh the replica; empty: reload only.
    nats_url: str = ""
    # A call to the centre that takes longer counts as the link being down.
    centre_timeout_seconds: float = Field(default=2.0, gt=0)
    # How often an offline node checks whether the link is back.
    link_probe_seconds: float = Field(default=1.0, gt=0)
    # Sales forwarded at once while catching up. One: every order the centre writes also adds to
    # the day's sales-totals row, so concurrent writes there only conflict and retry.
    forward_concurrency: int = Field(default=1, ge=1, le=64)
    forward_batch: int = Field(default=100, ge=1, le=1000)
    # How often an online node reports its state to the centre (the centre shows a node it has
    # not heard from for OMNI_ORDER_STORE_NODE_STALE_SECONDS as offline).
    status_report_seconds: float = Field(default=5.0, gt=0)
    # Offline card limits until the centre sends the store's own (minor units of the currency):
    # at most this much per card sale, this much stored in all, and no card sale once the oldest
    # stored one is this old. Cash is never limited.
    card_offline_currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    card_offline_sale_cap_minor: int = Field(default=20_000, ge=0)
    card_offline_stored_cap_minor: int = Field(default=200_000, ge=0)
    card_offline_max_age_seconds: int = Field(default=86_400, ge=0)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        if not timezones.known(name):
            raise ValueError(f"{name!r} is not an IANA time zone")
        return name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)
