from omni_kit.app import run_service
from omni_kit.settings import load_settings
from omni_notification.server import create_app
from omni_notification.settings import NotificationSettings


def main() -> None:
    settings = load_settings(NotificationSettings)
    run_service(lambda: create_app(settings), settings)


if __name__ == "__main__":
    main()
