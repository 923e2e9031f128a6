"""Generate Python code (messages, gRPC stubs, mypy stubs) from proto/ into a target folder.

Used by `make proto` (target: libs/contracts/src) and by the drift test (target: a temp dir).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[1]
PROTO = ROOT / "proto"
BIN = Path(sys.executable).parent


def generate(out: Path) -> None:
    package_root = out / "omni"
    if package_root.exists():
        shutil.rmtree(package_root)
    package_root.mkdir(parents=True)
    sources = sorted(str(p.relative_to(PROTO)) for p in PROTO.rglob("*.proto"))
    well_known = Path(protoc.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        f"--plugin=protoc-gen-mypy={BIN / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={BIN / 'protoc-gen-mypy_grpc'}",
        f"--mypy_out=quiet:{out}",
        f"--mypy_grpc_out=quiet:{out}",
        *sources,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for folder in [package_root, *(p for p in package_root.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()
    (package_root / "py.typed").touch()


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "libs" / "contracts" / "src")
