"""`make dev` as a person runs it: everything healthy, data kept across restarts, no orphans."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import grpc
import pytest

from omni.customer.v1 import customer_pb2, customer_pb2_grpc
from omni_kit.localstack import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["catalog", "inventory", "order", "customer", "notification"]


def start_dev(env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "dev.py")],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 360  # it loads the demo data through the API before this
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            pytest.fail("make dev exited early:\n" + "".join(lines))
        lines.append(line)
        if line.startswith("Ctrl-C stops everything"):
            return proc, lines
    proc.kill()
    pytest.fail("make dev did not come up in time:\n" + "".join(lines))


def child_pids(parent: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == parent:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def find_or_create(port: int, email: str) -> customer_pb2.FindOrCreateProfileResponse:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = customer_pb2_grpc.CustomerServiceStub(channel)
        identity = customer_pb2.Identity(kind=customer_pb2.IDENTITY_KIND_EMAIL, value=email)
        request = customer_pb2.FindOrCreateProfileRequest(identity=identity)
        return await stub.FindOrCreateProfile(request, timeout=10)


@pytest.mark.timeout(900)  # two starts, each loading the demo data through the API
async def test_make_dev_runs_everything_keeps_data_and_leaves_no_orphans(tmp_path):
    ports = {f"OMNI_{name.upper()}_GRPC_PORT": str(free_port()) for name in SERVICES}
    gateway_port = free_port()
    env = {
        **ports,
        "OMNI_GATEWAY_HTTP_PORT": str(gateway_port),
        "OMNI_DEV_NATS_PORT": str(free_port()),
        "OMNI_DEV_NATS_MONITOR_PORT": str(free_port()),
        "OMNI_DEV_STORE_PORT": str(free_port()),
        "OMNI_DEV_DATA_DIR": str(tmp_path / "omni"),
    }
    customer_port = int(ports["OMNI_CUSTOMER_GRPC_PORT"])

    proc, lines = start_dev(env)
    children = child_pids(proc.pid)
    try:
        output = "".join(lines)
        assert f"gateway:  http://127.0.0.1:{gateway_port}" in output
        assert f"API docs: http://127.0.0.1:{gateway_port}/schema" in output
        assert "demo data     4 locations, 155 product rows, 5 orders" in output
        with urllib.request.urlopen(f"http://127.0.0.1:{gateway_port}/readyz") as reply:
            ready = json.load(reply)
        assert ready["ready"] is True
        assert set(ready["services"].values()) == {"serving"}
        monitor = env["OMNI_DEV_NATS_MONITOR_PORT"]
        with urllib.request.urlopen(f"http://127.0.0.1:{monitor}/varz") as reply:
            jetstream = json.load(reply)["jetstream"]["config"]
        assert jetstream["sync_always"] is True  # fsync before every acknowledgement
        # The operations CLI next to make dev: its ports from the same settings, nothing else.
        omni = str(Path(sys.executable).with_name("omni"))
        checked = subprocess.run(
            [omni, "check", "--json"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        report = json.loads(checked.stdout)
        assert checked.returncode == 0, [c for c in report["checks"] if not c["ok"]]
        assert {c["process"] for c in report["checks"]} == {*SERVICES, "gateway"}
        assert not [c for c in report["checks"] if c["skipped"]]
        first = await find_or_create(customer_port, "Anna@Example.com")
        assert first.created
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode == 0
    assert len(children) == 8  # nats-server, store, five services, gateway
    assert not [pid for pid in children if alive(pid)], "make dev left processes behind"

    proc, _ = start_dev(env)
    try:
        again = await find_or_create(customer_port, "anna@example.com")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert not again.created
    assert again.profile.id == first.profile.id
