from omni_customer.server import create_app
from omni_customer.settings import CustomerSettings
from omni_kit.app import run_service
from omni_kit.settings import load_settings


def main() -> None:
    settings = load_settings(CustomerSettings)
    run_service(lambda: create_app(settings), settings)


if __name__ == "__main__":
    main()
