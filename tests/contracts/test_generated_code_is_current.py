"""libs/contracts is generated from proto/ and committed: it must match a fresh generation."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "libs" / "contracts" / "src" / "omni"


def _differences(left: Path, right: Path) -> list[str]:
    compare = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found = [f"only in committed: {left / n}" for n in compare.left_only]
    found += [f"missing from committed: {left / n}" for n in compare.right_only]
    found += [f"stale: {left / n}" for n in compare.diff_files]
    _, mismatch, errors = filecmp.cmpfiles(left, right, compare.common_files, shallow=False)
    found += [f"stale: {left / n}" for n in mismatch + errors if f"stale: {left / n}" not in found]
    for sub in compare.common_dirs:
        found += _differences(left / sub, right / sub)
    return found


def test_committed_contracts_match_the_proto_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_contracts.py"), str(tmp_path)], check=True
    )
    differences = _differences(COMMITTED, tmp_path / "omni")
    assert not differences, "libs/contracts is stale; run `make proto`:\n" + "\n".join(differences)


def test_every_domain_has_a_service_and_events() -> None:
    for domain in ("catalog", "inventory", "order", "customer", "notification"):
        package = COMMITTED / domain / "v1"
        assert (package / f"{domain}_pb2_grpc.py").exists(), domain
        assert (package / "events_pb2.py").exists(), domain
        assert (package / f"{domain}_pb2.pyi").exists(), f"{domain}: mypy stubs missing"
