from pydantic import Field
from pydantic_settings import SettingsConfigDict

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
    # PlaceOrder answers within this (and within the caller's deadline): a saga still running
    # then (a slow payment provider) carries on, and the order is returned PENDING. It must stay
    # below the gateway's downstream timeout (OMNI_GATEWAY_DOWNSTREAM_TIMEOUT_SECONDS, 5 s).
    checkout_answer_seconds: float = Field(default=3.0, gt=0)
    # A provider that has not answered by then counts as failed; the saga compensates.
    payment_timeout_seconds: float = Field(default=5.0, gt=0)
    # A saga whose document has not moved for this long is taken over by the resumer.
    saga_stale_seconds: float = Field(default=30.0, gt=0)
    saga_resume_interval_seconds: float = Field(default=5.0, gt=0)
    pickup_window_hours: float = Field(default=72.0, gt=0)
    # A reminder goes out this long before the pickup deadline.
    pickup_reminder_lead_hours: float = Field(default=24.0, ge=0)
    pickup_sweep_interval_seconds: float = Field(default=60.0, gt=0)
