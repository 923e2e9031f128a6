from pydantic import Field
from pydantic_settings import SettingsConfigDict

from omni_kit.settings import ServiceSettings


class OrderSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_ORDER_", extra="ignore", frozen=True)

    service_name: str = "order"
    grpc_port: int = Field(default=50053, ge=0, le=65535)
    mongo_database: str = "omni_order"
