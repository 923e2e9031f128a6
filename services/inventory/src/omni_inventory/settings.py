from pydantic import Field
from pydantic_settings import SettingsConfigDict

from omni_kit.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_INVENTORY_", extra="ignore", frozen=True)

    service_name: str = "inventory"
    grpc_port: int = Field(default=50052, ge=0, le=65535)
    mongo_database: str = "omni_inventory"
