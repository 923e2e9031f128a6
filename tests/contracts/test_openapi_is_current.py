"""api/openapi.json is the gateway's OpenAPI document, committed: it must match a fresh
generation, and carry the version of the public contract (api/VERSION)."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "api" / "openapi.json"


def test_committed_openapi_document_matches_the_gateway(tmp_path: Path) -> None:
    fresh = tmp_path / "openapi.json"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_openapi.py"), str(fresh)], check=True
    )
    committed, generated = COMMITTED.read_text().splitlines(), fresh.read_text().splitlines()
    if committed != generated:
        diff = difflib.unified_diff(committed, generated, "api/openapi.json", "generated", n=1)
        shown = list(diff)[:60]
        raise AssertionError(
            "api/openapi.json is stale; run `make openapi` (and see docs/api.md#versioning "
            "if the change breaks clients):\n" + "\n".join(shown)
        )


def test_openapi_document_carries_the_contract_version() -> None:
    version = (ROOT / "api" / "VERSION").read_text().strip()
    document = json.loads(COMMITTED.read_text())
    assert document["info"]["version"] == version, (
        "the gateway's OpenAPIConfig(version=...) in omni_gateway/app.py must be api/VERSION"
    )
