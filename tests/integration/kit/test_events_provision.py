"""Stream provisioning as the Helm hook Job runs it, against a real nats-server."""

from __future__ import annotations

import os
import subprocess
import sys

from omni_kit import localstack


def provision(nats_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "omni_kit.events.provision"],
        env={**os.environ, "OMNI_NATS_URL": nats_url, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


async def test_provisioning_creates_every_stream_and_can_run_again(nats_url, nc):
    for _ in range(2):
        result = provision(nats_url)
        assert result.returncode == 0, result.stderr
    names = {info.config.name for info in await nc.jetstream().streams_info()}
    expected = {"OMNI_CATALOG", "OMNI_INVENTORY", "OMNI_ORDER", "OMNI_CUSTOMER"}
    assert {*expected, "OMNI_NOTIFICATION", "OMNI_DLQ"} <= names


def test_an_unreachable_nats_is_reported_in_one_line():
    dead = localstack.nats_url(localstack.free_port())
    result = provision(dead, OMNI_NATS_CONNECT_WAIT="0.5")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"provision: cannot reach NATS at {dead} within 0.5s (OMNI_NATS_URL)"
    )


def test_a_malformed_setting_is_named():
    result = provision("nats://127.0.0.1:4222", OMNI_NATS_CONNECT_WAIT="soon")
    assert result.returncode == 2
    assert "OMNI_NATS_CONNECT_WAIT" in result.stderr
