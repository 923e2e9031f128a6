"""Another revision's code, runnable beside this tree's: its files exported from git into a
temporary folder with its own virtual environment (`uv sync`, from uv's cache), removed after.

An export rather than `git worktree add`: nothing is registered in the repository, so a run
that is killed leaves at most a folder under the temporary directory behind, never a worktree
entry to prune."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.stack import ROOT


def resolve(revision: str) -> str:
    """The commit a revision names (`main`, a tag, `HEAD~3`, a hash); a clear error if none."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        raise SystemExit(f"not a git revision in {ROOT}: {revision!r}")
    return found.stdout.strip()


def _uv() -> str:
    pinned = ROOT / ".tools" / "bin" / "uv"
    found = str(pinned) if pinned.exists() else shutil.which("uv")
    if found is None:
        raise SystemExit("uv not found: run `make setup` first")
    return found


@contextmanager
def revision_tree(revision: str) -> Iterator[Path]:
    """The files of `revision` with a synced `.venv`, in a folder removed on the way out
    (Ctrl-C included)."""
    commit = resolve(revision)
    folder = Path(tempfile.mkdtemp(prefix=f"omni-ab-{commit[:10]}-"))
    try:
        archive = folder / "source.tar"
        subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", f"--output={archive}", commit],
            check=True,
        )
        tree = folder / "tree"
        with tarfile.open(archive) as tar:
            tar.extractall(tree, filter="data")
        archive.unlink()
        # The revision's own environment: not this tree's (`uv run` exports it).
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
        }
        print(f"== {revision} ({commit[:10]}): uv sync in {tree}", flush=True)
        subprocess.run([_uv(), "sync", "--frozen", "--quiet"], cwd=tree, env=env, check=True)
        yield tree
    finally:
        shutil.rmtree(folder, ignore_errors=True)
