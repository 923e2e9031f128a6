import sys

from omni_catalog.server import create_app
from omni_catalog.settings import CatalogSettings
from omni_kit.app import run_service
from omni_kit.settings import load_settings

COMMANDS = ("rebuild-browse",)


def main() -> None:
    settings = load_settings(CatalogSettings)
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "rebuild-browse":
        from omni_catalog.rebuild import run

        run(settings)
        return
    if command:
        sys.exit(
            f"unknown command {command!r}; known: {', '.join(COMMANDS)} (none: run the service)"
        )
    run_service(lambda: create_app(settings), settings)


if __name__ == "__main__":
    main()
