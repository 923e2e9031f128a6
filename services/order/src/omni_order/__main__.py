from omni_kit.app import run_service
from omni_kit.settings import load_settings
from omni_order.server import create_app
from omni_order.settings import OrderSettings


def main() -> None:
    settings = load_settings(OrderSettings)
    run_service(lambda: create_app(settings), settings)


if __name__ == "__main__":
    main()
