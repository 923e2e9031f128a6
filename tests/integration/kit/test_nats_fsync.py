"""The nats-server the tests (and `make dev`, through the same localstack) run fsyncs every write
before acknowledging it, as the running server itself reports on its monitoring endpoint."""

from __future__ import annotations

import json
import urllib.request

from omni_kit import localstack


def jetstream_config(proc: localstack.LocalProcess) -> dict:
    url = f"http://127.0.0.1:{proc.monitor_port}/varz"
    with urllib.request.urlopen(url, timeout=5) as reply:
        return json.load(reply)["jetstream"]["config"]


def test_the_test_nats_server_syncs_every_write(nats_server):
    config = jetstream_config(nats_server)
    assert config["sync_always"] is True
    assert (nats_server.log_path.parent / "nats.conf").read_text().count("sync_interval: always")


def test_a_restarted_server_keeps_its_config_and_data(tmp_path):
    port = localstack.free_port()
    first = localstack.start_nats(tmp_path, port)
    try:
        assert jetstream_config(first)["store_dir"] == str(tmp_path / "jetstream")
    finally:
        first.kill()
    again = localstack.start_nats(tmp_path, port)
    try:
        config = jetstream_config(again)
        assert config["sync_always"] is True
        assert config["store_dir"] == str(tmp_path / "jetstream")
    finally:
        again.stop()
