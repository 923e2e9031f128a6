"""The public contract (proto/ and the gateway's OpenAPI document) keeps what its last released
version promised, unless api/VERSION says the break is meant (a new major version).

    python scripts/api_compat.py check    # `make api-check` (in lint): fail on a disallowed break
    python scripts/api_compat.py release  # `make api-release`: api/VERSION becomes the released one

What was released is committed in api/released/ (a buf image of proto/, the OpenAPI document and
their VERSION), and each release is also tagged `api-v<version>`. The check reads the committed
snapshot rather than the tag: a clone made with --depth, --single-branch or --no-tags, a push that
carries no tags, or a source archive has no tag to compare with, but always has the tree. Where
the tag is present, the snapshot must still be the one it marks, so it cannot be rewritten
quietly to let a break through.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "api"
CURRENT_VERSION = API / "VERSION"
OPENAPI = API / "openapi.json"
RELEASED = API / "released"
RELEASED_VERSION = RELEASED / "VERSION"
RELEASED_PROTO = RELEASED / "proto.binpb"
RELEASED_OPENAPI = RELEASED / "openapi.json"
TOOLS = ROOT / ".tools"
BUF = TOOLS / "bin" / "buf"
NODE_MODULES = TOOLS / "npm" / "node_modules"
OPENAPI_BREAKING = ROOT / "scripts" / "openapi_breaking.cjs"

Version = tuple[int, int, int]


def run(tool: str | Path, *args: str | Path, **options: Any) -> subprocess.CompletedProcess[bytes]:
    """Runs one of the project's tools (buf, node, git) on paths of this repository."""
    program = shutil.which(tool) if isinstance(tool, str) else str(tool)
    if program is None:
        raise SystemExit(f"api: {tool} is not on PATH (`make setup` installs the tools)")
    argv = [program, *map(str, args)]
    return subprocess.run(argv, check=options.pop("check", False), **options)  # noqa: S603


def read_version(path: Path) -> Version:
    text = path.read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text)
    if match is None:
        raise SystemExit(f"{path.relative_to(ROOT)}: {text!r} is not MAJOR.MINOR.PATCH")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def show(version: Version) -> str:
    return ".".join(str(part) for part in version)


def tag(version: Version) -> str:
    return f"api-v{show(version)}"


def proto_breaks(against: Path, proto: Path) -> bool:
    """buf's breaking rules (proto/buf.yaml) between an image and a proto folder; prints them."""
    return run(BUF, "breaking", proto, "--against", against).returncode != 0


def openapi_breaks(released: Path, current: Path) -> bool:
    """api-smart-diff's breaking changes between two OpenAPI documents; prints them."""
    env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
    found = run("node", OPENAPI_BREAKING, released, current, env=env)
    if found.returncode not in (0, 1):
        raise SystemExit(f"{OPENAPI_BREAKING.name} failed (exit {found.returncode})")
    return found.returncode == 1


def snapshot_matches_tag(version: Version) -> bool:
    """False when the tag of the released version is here and marks another snapshot."""
    name = tag(version)
    here = run(
        "git",
        "-C",
        ROOT,
        "rev-parse",
        "--verify",
        "--quiet",
        f"refs/tags/{name}",
        capture_output=True,
    )
    if here.returncode != 0:
        print(f"api: tag {name} is not in this clone; comparing with api/released/ alone")
        return True
    for path in (RELEASED_VERSION, RELEASED_PROTO, RELEASED_OPENAPI):
        relative = path.relative_to(ROOT).as_posix()
        tagged = run("git", "-C", ROOT, "show", f"{name}:{relative}", capture_output=True)
        if tagged.returncode != 0 or tagged.stdout != path.read_bytes():
            print(f"api: {relative} is not the file tag {name} holds", file=sys.stderr)
            return False
    return True


def check() -> int:
    current = read_version(CURRENT_VERSION)
    if not RELEASED_VERSION.exists():
        print(f"api: {show(current)}, nothing released yet")
        return 0
    released = read_version(RELEASED_VERSION)
    if not snapshot_matches_tag(released):
        return 1
    return compare(current, released, ROOT / "proto", OPENAPI)


def compare(current: Version, released: Version, proto: Path, openapi: Path) -> int:
    """0 when the contract in `proto` and `openapi` may be published as `current` after the
    contract in api/released/ was published as `released`."""
    if current < released:
        print(f"api: api/VERSION {show(current)} is older than the released {show(released)}")
        return 1
    if current[0] > released[0]:
        print(
            f"api: {show(current)} is a new major version over the released {show(released)}: "
            f"breaking changes are allowed; `make api-release` and tag {tag(current)} when it ships"
        )
        return 0
    broken = [
        name
        for name, breaks in (
            ("proto/", proto_breaks(RELEASED_PROTO, proto)),
            ("the OpenAPI document", openapi_breaks(RELEASED_OPENAPI, openapi)),
        )
        if breaks
    ]
    if broken:
        print(
            f"api: {' and '.join(broken)} break what {show(released)} promised. Undo the change, "
            f"or make it a new major version ({released[0] + 1}.0.0 in api/VERSION); "
            "see docs/api.md#versioning",
            file=sys.stderr,
        )
        return 1
    print(f"api: {show(current)} keeps what {show(released)} promised")
    return 0


def release() -> int:
    current = read_version(CURRENT_VERSION)
    if RELEASED_VERSION.exists():
        released = read_version(RELEASED_VERSION)
        if current <= released:
            print(f"api: {show(released)} is released; raise api/VERSION first", file=sys.stderr)
            return 1
        if check() != 0:
            return 1
    RELEASED.mkdir(parents=True, exist_ok=True)
    run(BUF, "build", ROOT / "proto", "--exclude-source-info", "-o", RELEASED_PROTO, check=True)
    shutil.copyfile(OPENAPI, RELEASED_OPENAPI)
    shutil.copyfile(CURRENT_VERSION, RELEASED_VERSION)
    print(
        f"api: {show(current)} written to api/released/; commit it, then "
        f"`git tag -a {tag(current)} -m 'public API {show(current)}'` on that commit"
    )
    return 0


if __name__ == "__main__":
    commands = {"check": check, "release": release}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        raise SystemExit(f"usage: {sys.argv[0]} check|release")
    sys.exit(commands[sys.argv[1]]())
