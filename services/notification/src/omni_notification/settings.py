from pydantic import Field
from pydantic_settings import SettingsConfigDict

from omni_kit.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_NOTIFICATION_", extra="ignore", frozen=True)

    service_name: str = "notification"
    grpc_port: int = Field(default=50055, ge=0, le=65535)
    mongo_database: str = "omni_notification"
