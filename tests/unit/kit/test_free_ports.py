"""Ports chosen for a local process to listen on come from outside the range the kernel takes
outgoing connections' ports from, so no client's connection can take one before it is bound."""

from __future__ import annotations

import socket
from pathlib import Path

from omni_kit.localstack import LISTEN_PORTS_FROM, free_port


def test_a_chosen_port_is_below_the_outgoing_range_and_can_be_listened_on():
    outgoing_from = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = {free_port() for _ in range(50)}
    assert all(LISTEN_PORTS_FROM <= port < outgoing_from for port in ports), sorted(ports)

    for port in list(ports)[:5]:
        with socket.socket() as server:
            server.bind(("127.0.0.1", port))
            server.listen()


def test_ports_chosen_before_any_is_bound_are_all_different():
    ports = [free_port() for _ in range(2_000)]
    assert len(set(ports)) == len(ports)
