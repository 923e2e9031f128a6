"""Each service's domain works on its own types: no module of `omni_<service>.domain` imports
the generated protobuf code (`*_pb2`, `*_pb2_grpc`) or protobuf itself, so the contracts map to
the domain only at the API edge and the store maps documents to it."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

# Add a service here once its domain is converted.
SERVICES = ["catalog", "customer", "inventory", "notification", "order"]


def generated_imports(source: str) -> list[str]:
    """The imports in `source` that reach generated protobuf code or protobuf itself."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found += [name for name in names if _is_generated(name)]
    return found


def _is_generated(name: str) -> bool:
    parts = name.split(".")
    return parts[:2] == ["google", "protobuf"] or any(
        part.endswith(("_pb2", "_pb2_grpc")) for part in parts
    )


def domain_modules(service: str) -> list[Path]:
    spec = importlib.util.find_spec(f"omni_{service}.domain")
    assert spec is not None and spec.submodule_search_locations, f"omni_{service}.domain"
    [folder] = spec.submodule_search_locations
    return sorted(Path(folder).rglob("*.py"))


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_imports_no_generated_protobuf_code(service):
    modules = domain_modules(service)
    assert modules, f"omni_{service}.domain has no modules"
    offending = {
        path.name: imports
        for path in modules
        if (imports := generated_imports(path.read_text(encoding="utf-8")))
    }
    assert not offending, f"omni_{service}.domain imports protobuf code: {offending}"


def test_the_check_sees_every_way_of_importing_generated_code():
    assert generated_imports("from omni.order.v1 import order_pb2") == ["omni.order.v1.order_pb2"]
    assert generated_imports("import omni.common.v1.common_pb2 as common") == [
        "omni.common.v1.common_pb2"
    ]
    assert generated_imports("from omni.common.v1.common_pb2 import Money") != []
    assert generated_imports("from google.protobuf.message import Message") != []
    assert generated_imports("from omni_kit.errors import InvalidArgument") == []
