"""Write the gateway's OpenAPI document, as `/schema/openapi.json` serves it, to a file.

Used by `make openapi` (target: api/openapi.json) and by the drift test (target: a temp file).
The app is built but not started: nothing connects to MongoDB, NATS or the services. Keys are
sorted and the text is indented, so the same routes always give the same bytes and a change
shows up as a readable diff.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from omni_gateway.app import create_app
from omni_gateway.settings import GatewaySettings

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "api" / "openapi.json"
# Only to construct the app; no token is ever signed with it.
PLACEHOLDER_SECRET = "openapi-document-only-" + "x" * 16


def build() -> dict[str, Any]:
    # create_app completes the document (problems, closed bodies, links) as it makes the app.
    app = create_app(GatewaySettings(jwt_secret=SecretStr(PLACEHOLDER_SECRET)))
    return app.openapi_schema.to_schema()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(build()), encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET)
