from omni_inventory.server import create_app
from omni_inventory.settings import InventorySettings
from omni_kit.app import run_service
from omni_kit.settings import load_settings


def main() -> None:
    settings = load_settings(InventorySettings)
    run_service(lambda: create_app(settings), settings)


if __name__ == "__main__":
    main()
