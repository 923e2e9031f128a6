from pydantic import Field
from pydantic_settings import SettingsConfigDict

from omni_kit.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_INVENTORY_", extra="ignore", frozen=True)

    service_name: str = "inventory"
    grpc_port: int = Field(default=50052, ge=0, le=65535)
    mongo_database: str = "omni_inventory"
    # Available at or below this is "low stock" where a level sets no threshold of its own.
    low_stock_threshold: int = Field(default=5, ge=0)
    cart_hold_ttl_seconds: float = Field(default=900, gt=0)
    max_hold_ttl_seconds: float = Field(default=86400, gt=0)
    # Units one customer (or cart, for visitors) may hold in active cart holds at once.
    hold_cap_units: int = Field(default=50, ge=1)
    # How old this process's copy of the locations may be for promise, sourcing and nearby
    # lists (0: no copy); its own location writes drop it at once.
    location_cache_seconds: float = Field(default=5.0, ge=0)
    # How often expired cart holds are looked for (any instance returns any process's holds).
    expiry_sweep_seconds: float = Field(default=1.0, gt=0)
