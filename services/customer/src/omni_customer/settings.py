from pydantic import Field
from pydantic_settings import SettingsConfigDict

from omni_kit.settings import ServiceSettings


class CustomerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_CUSTOMER_", extra="ignore", frozen=True)

    service_name: str = "customer"
    grpc_port: int = Field(default=50054, ge=0, le=65535)
    mongo_database: str = "omni_customer"
