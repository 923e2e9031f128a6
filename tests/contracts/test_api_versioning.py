"""`make lint` refuses a change to the public contract that breaks the released version, unless
api/VERSION makes it a new major version (scripts/api_compat.py). Each break here is made in a
scratch copy; nothing in the tree changes."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_api_compat() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_compat", ROOT / "scripts" / "api_compat.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


api_compat = _load_api_compat()


@pytest.fixture(autouse=True)
def _tools_installed() -> None:
    """Missing tools are a broken setup, never a reason to pass quietly."""
    for tool in (api_compat.BUF, api_compat.NODE_MODULES / "api-smart-diff"):
        if not tool.exists():
            pytest.fail(f"{tool} is not installed: run `make setup`")


def _released() -> dict[str, Any]:
    return json.loads(api_compat.RELEASED_OPENAPI.read_text(encoding="utf-8"))


def _write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _response_schema(document: dict[str, Any]) -> dict[str, Any]:
    """A named schema that a success response returns, with properties to lose."""
    schemas = document["components"]["schemas"]
    for path_item in document["paths"].values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                for media in response.get("content", {}).values():
                    ref = media.get("schema", {}).get("$ref", "")
                    name = ref.removeprefix("#/components/schemas/")
                    if status.startswith("2") and schemas.get(name, {}).get("properties"):
                        return schemas[name]
    raise AssertionError("no success response returns a named schema with properties")


def test_the_released_contract_is_recorded_and_the_current_one_keeps_it() -> None:
    released = api_compat.read_version(api_compat.RELEASED_VERSION)
    assert api_compat.read_version(api_compat.CURRENT_VERSION) >= released
    assert json.loads(api_compat.RELEASED_OPENAPI.read_text())["info"]["version"] == (
        api_compat.show(released)
    )
    assert api_compat.check() == 0


def test_removing_a_route_breaks_the_openapi_document(tmp_path: Path) -> None:
    document = _released()
    del document["paths"][sorted(document["paths"])[0]]
    assert api_compat.openapi_breaks(api_compat.RELEASED_OPENAPI, _write(tmp_path, document))


def test_removing_a_response_property_breaks_the_openapi_document(tmp_path: Path) -> None:
    document = _released()
    schema = _response_schema(document)
    for name in list(schema["properties"]):
        del schema["properties"][name]
        if name in schema.get("required", []):
            schema["required"].remove(name)
    assert api_compat.openapi_breaks(api_compat.RELEASED_OPENAPI, _write(tmp_path, document))


def test_adding_a_route_does_not_break_the_openapi_document(tmp_path: Path) -> None:
    document = _released()
    first = sorted(document["paths"])[0]
    document["paths"][first + "/added-later"] = copy.deepcopy(document["paths"][first])
    for operation in document["paths"][first + "/added-later"].values():
        operation["operationId"] = operation.get("operationId", "") + "AddedLater"
    assert not api_compat.openapi_breaks(api_compat.RELEASED_OPENAPI, _write(tmp_path, document))


def test_deleting_a_proto_field_breaks_the_contract(tmp_path: Path) -> None:
    proto = tmp_path / "proto"
    shutil.copytree(ROOT / "proto", proto)
    before = tmp_path / "before.binpb"
    subprocess.run([str(api_compat.BUF), "build", str(proto), "-o", str(before)], check=True)
    assert not api_compat.proto_breaks(before, proto)
    common = proto / "omni" / "common" / "v1" / "common.proto"
    text, deleted = re.subn(r"\n  string currency_code = \d+;", "", common.read_text(), count=1)
    assert deleted == 1, "Money.currency_code moved; delete another field here"
    common.write_text(text)
    assert api_compat.proto_breaks(before, proto)


def test_a_break_needs_a_new_major_version(tmp_path: Path) -> None:
    document = _released()
    del document["paths"][sorted(document["paths"])[0]]
    broken = _write(tmp_path, document)
    released = api_compat.read_version(api_compat.RELEASED_VERSION)
    major, minor, _ = released
    proto = ROOT / "proto"
    assert api_compat.compare((major, minor + 1, 0), released, proto, broken) == 1
    assert api_compat.compare((major + 1, 0, 0), released, proto, broken) == 0
    assert api_compat.compare((major - 1, 0, 0), released, proto, api_compat.OPENAPI) == 1
