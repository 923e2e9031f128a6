"""The local stack for benchmarks: `make dev`'s runner on free ports with a throwaway data folder.

The load generator is the benchmark script's own process; everything it measures runs in the
stack's processes (nats-server, store, five services, gateway), as on a real deployment."""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from omni_kit.localstack import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("catalog", "inventory", "order", "customer", "notification")
ADMIN = ("admin", "omni-admin-dev")


@dataclass(frozen=True)
class Stack:
    base_url: str
    grpc: dict[str, str]
    mongo_uri: str
    nats_url: str
    data_dir: Path
    pid: int  # the runner's; its children are the stack's processes
    trace_file: Path | None = None  # every process's finished spans, one JSON line each


def local_stack(**extra_env: str) -> AbstractContextManager[Stack]:
    """This tree's stack, with `extra_env` added to its settings."""
    return stack_of(ROOT, extra_env)


@contextmanager
def stack_of(root: Path, env: Mapping[str, str], *, traced: bool = False) -> Iterator[Stack]:
    """The stack of the code in `root` (this tree, or another revision's; see revision.py),
    run by that tree's own virtual environment. `traced`: every process writes its spans to
    `Stack.trace_file` (which costs time: for counting, not for timing)."""
    extra_env = dict(env)
    with tempfile.TemporaryDirectory(prefix="omni-bench-") as tmp:
        for attempt in range(3):
            # A folder per attempt: nothing of a failed start is in the way of the next.
            data_dir = Path(tmp) / f"attempt-{attempt}"
            data_dir.mkdir()
            if traced:
                extra_env["OMNI_DEV_TRACE_FILE"] = str(data_dir / "spans.jsonl")
            stack, proc = _start(root, data_dir, extra_env)
            if stack is not None:
                break
            # A free port taken by another process before ours bound it, or a service slower
            # to become healthy than dev.py waits on a machine busy with other work: again.
            out = (data_dir / "dev.out").read_text()
            retried = "already in use" in out or "did not become healthy" in out
            if not retried or attempt == 2:
                raise RuntimeError(out[-3000:])
            print(f"stack did not start ({out.strip().splitlines()[-1]}); again", flush=True)
        assert stack is not None
        try:
            yield stack
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _start(
    root: Path, data_dir: Path, extra_env: dict[str, str]
) -> tuple[Stack | None, subprocess.Popen]:
    ports = {f"OMNI_{name.upper()}_GRPC_PORT": free_port() for name in SERVICES}
    gateway, nats, store, monitor = free_port(), free_port(), free_port(), free_port()
    env = {
        **os.environ,
        **{key: str(port) for key, port in ports.items()},
        "OMNI_GATEWAY_HTTP_PORT": str(gateway),
        "OMNI_DEV_NATS_PORT": str(nats),
        "OMNI_DEV_NATS_MONITOR_PORT": str(monitor),
        "OMNI_DEV_STORE_PORT": str(store),
        "OMNI_DEV_DATA_DIR": str(data_dir),
        "OMNI_DEV_DEMO_DATA": "false",
        **{f"OMNI_{name.upper()}_LOG_LEVEL": "WARNING" for name in (*SERVICES, "gateway")},
        **extra_env,
    }
    log = (data_dir / "dev.out").open("w")
    python = sys.executable if root == ROOT else str(root / ".venv" / "bin" / "python")
    proc = subprocess.Popen(
        [python, str(root / "scripts" / "dev.py")], env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 300  # a machine busy with other work starts slowly
    while "Omni is running" not in (data_dir / "dev.out").read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:  # dev.py stops what it started on SIGTERM
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            proc.wait()
            return None, proc
        time.sleep(0.2)
    stack = Stack(
        base_url=f"http://127.0.0.1:{gateway}",
        grpc={name: f"127.0.0.1:{ports[f'OMNI_{name.upper()}_GRPC_PORT']}" for name in SERVICES},
        mongo_uri=f"mongodb://127.0.0.1:{store}/",
        nats_url=f"nats://127.0.0.1:{nats}",
        data_dir=data_dir,
        pid=proc.pid,
        trace_file=Path(env["OMNI_DEV_TRACE_FILE"]) if "OMNI_DEV_TRACE_FILE" in env else None,
    )
    return stack, proc


def machine() -> dict[str, object]:
    """What the numbers were measured on: they mean little without it."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "os": platform.platform(),
        "load_average": os.getloadavg(),
    }
