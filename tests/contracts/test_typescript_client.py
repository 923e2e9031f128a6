"""A frontend team's view of the API: a TypeScript client generated from the gateway's OpenAPI
document (openapi-typescript), and a storefront journey written against it (browse, build a
cart, check out, read the order) that must type-check (tsc --noEmit). When the document and the
journey disagree, the check fails."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

CLIENT = Path(__file__).parent / "typescript"
BIN = CLIENT / "node_modules" / ".bin"

DOCUMENT = Path(__file__).resolve().parents[2] / "api" / "openapi.json"


@pytest.fixture(scope="module")
def document() -> dict:
    # The committed document: tests/contracts/test_openapi_is_current.py keeps it equal to the
    # one the gateway serves.
    return json.loads(DOCUMENT.read_text())


def _type_check(folder: Path, document: dict, journey: str) -> subprocess.CompletedProcess[str]:
    """Generate the client into `folder` and type-check `journey` against it."""
    if not (BIN / "tsc").exists():
        pytest.fail(f"the TypeScript tools are not installed: run `make setup` ({BIN})")
    (folder / "openapi.json").write_text(json.dumps(document))
    (folder / "journey.ts").write_text(journey)
    shutil.copy(CLIENT / "tsconfig.json", folder / "tsconfig.json")
    (folder / "node_modules").symlink_to(CLIENT / "node_modules")
    generated = subprocess.run(
        [
            BIN / "openapi-typescript",
            "openapi.json",
            "--default-non-nullable=false",
            "-o",
            "omni-api.d.ts",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert generated.returncode == 0, generated.stderr
    return subprocess.run(
        [BIN / "tsc", "--noEmit", "-p", "tsconfig.json"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_storefront_journey_type_checks_against_the_generated_client(tmp_path, document):
    checked = _type_check(tmp_path, document, (CLIENT / "journey.ts").read_text())
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_check_fails_when_the_journey_and_the_document_disagree(tmp_path, document):
    journey = (CLIENT / "journey.ts").read_text()
    assert "order.status" in journey, "the journey reads the order's status"
    wrong = journey.replace("order.status", "order.state")
    checked = _type_check(tmp_path, document, wrong)
    assert checked.returncode != 0
    assert "state" in checked.stdout, checked.stdout
