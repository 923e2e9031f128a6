"""Each converted service's domain works on its own types: no module of its `domain` package
imports a generated protobuf module (or protobuf itself); the mapping lives at the edges."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

SERVICES = ["customer"]


def imported_modules(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def contract_imports(names: set[str]) -> list[str]:
    return sorted(
        name
        for name in names
        if name.rsplit(".", 1)[-1].endswith(("_pb2", "_pb2_grpc"))
        or name.startswith(("google.protobuf", "omni."))
    )


def test_the_check_sees_contract_imports():
    source = "from omni.customer.v1 import customer_pb2\nimport google.protobuf.message\n"
    assert contract_imports(imported_modules(source)) == [
        "google.protobuf.message",
        "omni.customer.v1",
        "omni.customer.v1.customer_pb2",
    ]
    assert contract_imports(imported_modules("from omni_kit.errors import NotFound\n")) == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_imports_no_protobuf(service):
    package = importlib.import_module(f"omni_{service}.domain")
    modules = sorted(Path(package.__file__).parent.rglob("*.py"))  # type: ignore[arg-type]
    assert modules, f"omni_{service}.domain has no modules"
    found = {
        module.name: contract_imports(imported_modules(module.read_text())) for module in modules
    }
    assert {name: names for name, names in found.items() if names} == {}
