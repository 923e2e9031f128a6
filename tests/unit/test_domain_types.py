"""Each service's domain works on its own types: no module of its `domain` package imports
generated protobuf code (the mapping to and from messages lives at the API edge)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

SERVICES = ["catalog", "inventory"]


def protobuf_imports(source: str) -> list[str]:
    """The modules `source` imports that are generated protobuf code or the protobuf runtime."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found += [
            name
            for name in names
            if name.split(".")[-1].endswith(("_pb2", "_pb2_grpc"))
            or name.startswith("google.protobuf")
        ]
    return found


def domain_modules(service: str) -> list[Path]:
    spec = importlib.util.find_spec(f"omni_{service}.domain")
    assert spec is not None and spec.submodule_search_locations, f"omni_{service}.domain"
    return sorted(
        path
        for location in spec.submodule_search_locations
        for path in Path(location).rglob("*.py")
    )


def test_the_check_sees_every_way_of_importing_generated_code():
    source = (
        "from omni.catalog.v1 import catalog_pb2\n"
        "import omni.common.v1.common_pb2\n"
        "from google.protobuf.timestamp_pb2 import Timestamp\n"
        "from omni_kit.errors import InvalidArgument\n"
    )
    assert protobuf_imports(source) == [
        "omni.catalog.v1.catalog_pb2",
        "omni.common.v1.common_pb2",
        "google.protobuf.timestamp_pb2",
        "google.protobuf.timestamp_pb2.Timestamp",
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_imports_no_protobuf(service):
    modules = domain_modules(service)
    assert len(modules) > 1
    offending = {
        path.name: imports
        for path in modules
        if (imports := protobuf_imports(path.read_text(encoding="utf-8")))
    }
    assert offending == {}
