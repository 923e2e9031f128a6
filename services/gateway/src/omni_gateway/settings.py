from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from omni_kit.settings import ProcessSettings


class GatewaySettings(ProcessSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_GATEWAY_", extra="ignore", frozen=True)

    service_name: str = "gateway"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    catalog_addr: str = "127.0.0.1:50051"
    inventory_addr: str = "127.0.0.1:50052"
    order_addr: str = "127.0.0.1:50053"
    customer_addr: str = "127.0.0.1:50054"
    notification_addr: str = "127.0.0.1:50055"
    downstream_timeout_seconds: float = Field(default=5.0, gt=0)
    readiness_timeout_seconds: float = Field(default=1.0, gt=0)
