"""Sample the stack's processes with py-spy while a load runs, and name the top costs."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

TOP = 12


def children(pid: int) -> dict[str, int]:
    """The processes `make dev` started, by name: services, gateway, store, nats-server."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            text = " ".join(part.decode(errors="replace") for part in cmdline)
            for name in ("catalog", "inventory", "order", "customer", "notification", "gateway"):
                if f"omni_{name}" in text:
                    found[name] = int(child)
            if "secantusd" in text:
                found["store"] = int(child)
            if "nats-server" in text:
                found["nats-server"] = int(child)
    return found


async def record(pids: dict[str, int], seconds: int, out_dir: Path) -> dict[str, object]:
    """Run one py-spy per process for `seconds`; return each process's top functions by
    share of samples in which they were on the stack's top (own time)."""
    spy = shutil.which("py-spy")
    if spy is None:
        return {"error": "py-spy is not installed (uv sync installs it with the dev group)"}
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = {}
    for name, pid in pids.items():
        target = out_dir / f"{name}.txt"
        runs[name] = (
            target,
            await asyncio.create_subprocess_exec(
                spy,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(seconds),
                "--rate",
                "200",
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                str(target),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
        )
    result: dict[str, object] = {}
    for name, (target, proc) in runs.items():
        await proc.wait()
        result[name] = top_functions(target) if target.exists() else "no samples"
    return result


def top_functions(collapsed: Path) -> dict[str, object]:
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        own[_short(frames[-1])] += int(count)
        total += int(count)
    return {
        "samples": total,
        "top_own_time": [
            {"function": frame, "share": round(count / total, 3)}
            for frame, count in own.most_common(TOP)
        ]
        if total
        else [],
    }


def _short(frame: str) -> str:
    # "function (path/to/module.py:123)" -> "function (module.py:123)"
    name, _, where = frame.partition(" (")
    return f"{name} ({Path(where.rstrip(')')).name})" if where else name


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU time (user + system) each process has used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for name, pid in pids.items():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used[name] = (int(fields[11]) + int(fields[12])) / ticks
    return used
