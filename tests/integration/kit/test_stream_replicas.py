"""Stream replicas on a real three-server JetStream cluster: the provisioning Job creates R3 from
its settings, and a service starting with R1 settings leaves the stream at R3 (it warns)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from omni_kit import localstack
from omni_kit.events import EventBus, stream_name
from omni_kit.events.streams import StreamPolicy

SERVERS = 3


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[str]:
    """Three nats-servers, routed to each other, each fsyncing every write."""
    clients = [localstack.free_port() for _ in range(SERVERS)]
    routes = [localstack.free_port() for _ in range(SERVERS)]
    procs = []
    try:
        for n in range(SERVERS):
            data = tmp_path / f"n{n}"
            data.mkdir()
            others = ", ".join(
                f"nats-route://127.0.0.1:{p}" for i, p in enumerate(routes) if i != n
            )
            config = data / "nats.conf"
            config.write_text(
                f"server_name: n{n}\n"
                f"listen: 127.0.0.1:{clients[n]}\n"
                f'jetstream {{\n  store_dir: "{data}"\n  sync_interval: always\n}}\n'
                f"cluster {{\n  name: omni-test\n  listen: 127.0.0.1:{routes[n]}\n"
                f"  routes: [{others}]\n}}\n"
            )
            argv = [localstack.find_binary("nats-server"), "--config", str(config)]
            procs.append(localstack.spawn(f"nats-{n}", argv, clients[n], data / "nats.log"))
        for proc in procs:
            localstack.wait_for_port(proc)
        yield ",".join(localstack.nats_url(port) for port in clients)
    finally:
        for proc in procs:
            proc.stop()


async def stream_when_ready(bus: EventBus, name: str, subjects: list[str]) -> None:
    """Create it once the cluster has elected its JetStream leader (a few seconds after start)."""
    async with asyncio.timeout(60):
        while True:
            try:
                await bus.ensure_stream(name, subjects)
                return
            except Exception:  # no meta leader yet: JetStream is not available
                await asyncio.sleep(0.5)


@pytest.mark.timeout(120)
async def test_provisioning_makes_r3_and_an_r1_service_start_keeps_it(cluster):
    provisioned = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "omni_kit.events.provision"],
        env={
            **os.environ,
            "OMNI_NATS_URL": cluster,
            "OMNI_STREAM_REPLICAS": "3",
            "OMNI_DOMAINS": '["order"]',
        },
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert provisioned.returncode == 0, provisioned.stderr

    bus = EventBus(cluster, service_name="order", streams=StreamPolicy(replicas=1))
    await bus.connect()
    try:
        info = await bus.js.stream_info(stream_name("order"))
        assert info.config.num_replicas == 3
        assert len(info.cluster.replicas or []) == 2  # the leader and two followers

        with capture_logs() as logged:
            await stream_when_ready(bus, stream_name("order"), ["omni.order.>"])
        assert (await bus.js.stream_info(stream_name("order"))).config.num_replicas == 3
        [kept] = [e for e in logged if e["event"] == "stream_setting_kept"]
        assert (kept["setting"], kept["wanted"], kept["kept"]) == ("replicas", 1, 3)
    finally:
        await bus.close()
