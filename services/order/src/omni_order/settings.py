from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from omni_kit.settings import ServiceSettings


class OrderSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_ORDER_", extra="ignore", frozen=True)

    service_name: str = "order"
    grpc_port: int = Field(default=50053, ge=0, le=65535)
    mongo_database: str = "omni_order"
    catalog_addr: str = "127.0.0.1:50051"
    inventory_addr: str = "127.0.0.1:50052"
    downstream_timeout_seconds: float = Field(default=5.0, gt=0)
    # Cart lines hold stock for this long (inventory cart-hold reservations).
    cart_hold_seconds: int = Field(default=900, gt=0)
    # A marketplace import holds its stock this long until its order's reservation replaces the
    # hold; an import that dies in between gives the stock back when it lapses.
    import_hold_seconds: int = Field(default=120, gt=0)
    # A provider that has not answered by then counts as failed; the saga compensates.
    payment_timeout_seconds: float = Field(default=5.0, gt=0)
    # A saga whose document has not moved for this long is taken over by the resumer.
    saga_stale_seconds: float = Field(default=30.0, gt=0)
    saga_resume_interval_seconds: float = Field(default=5.0, gt=0)
    pickup_window_hours: float = Field(default=72.0, gt=0)
    # A reminder goes out this long before the pickup deadline.
    pickup_reminder_lead_hours: float = Field(default=24.0, ge=0)
    pickup_sweep_interval_seconds: float = Field(default=60.0, gt=0)
    # Sales totals are kept per day in each of these IANA zones (a report asks for one of them);
    # changing the list recounts every order once, in the background, at the next start.
    report_time_zones: Annotated[tuple[str, ...], NoDecode] = (
        "UTC",
        "Europe/Warsaw",
        "Europe/Kyiv",
    )

    @field_validator("report_time_zones", mode="before")
    @classmethod
    def _zones(cls, value: object) -> object:
        if isinstance(value, str):
            value = [zone.strip() for zone in value.split(",") if zone.strip()]
        for zone in value or ():  # type: ignore[union-attr]
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {zone!r}") from None
        if not value:
            raise ValueError("name at least one time zone")
        return value
