"""Each service's domain works on its own types: no module of its `domain` package imports a
generated protobuf module (the contracts are mapped at the API edge and in the store)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

SERVICES = ["omni_order"]


def domain_modules(service: str) -> list[Path]:
    package = importlib.import_module(f"{service}.domain")
    return [
        Path(module.module_finder.path) / f"{module.name}.py"  # type: ignore[union-attr]
        for module in pkgutil.iter_modules(package.__path__)
    ] + [Path(package.__file__ or "")]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def generated(name: str) -> bool:
    return name.rsplit(".", 1)[-1].endswith(("_pb2", "_pb2_grpc")) or name.startswith(
        ("google.protobuf", "omni.")
    )


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_imports_no_protobuf_module(service):
    modules = domain_modules(service)
    assert len(modules) > 1
    offending = {
        path.name: sorted(name for name in imported_modules(path) if generated(name))
        for path in modules
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_a_protobuf_import_is_recognised(tmp_path):
    module = tmp_path / "rules.py"
    module.write_text("from omni.order.v1 import order_pb2\nimport json\n")
    assert {name for name in imported_modules(module) if generated(name)} == {
        "omni.order.v1",
        "omni.order.v1.order_pb2",
    }
