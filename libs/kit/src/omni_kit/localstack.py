"""Start the local infrastructure (nats-server, the MongoDB-protocol store) as child processes.

Used by `make dev` and by the test fixtures; never by a service in production.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Ports to listen on are chosen below the kernel's range for outgoing connections: a port handed
# out by bind(0) comes from that range, where any client's next connection may take it before
# the server that was meant to listen there binds it.
LISTEN_PORTS_FROM = 10_000


# Every port this process has handed out: ports are often chosen several at once before any is
# bound (a stack's services), so one must never be handed out twice.
_HANDED_OUT: set[int] = set()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on and this process has not handed out before, outside the range
    outgoing connections take theirs from."""
    below = _ephemeral_ports_start()
    for _ in range(200):
        port = LISTEN_PORTS_FROM + secrets.randbelow(below - LISTEN_PORTS_FROM)
        if port not in _HANDED_OUT and port_is_free(port, host):
            _HANDED_OUT.add(port)
            return port
    raise OSError(f"no free port to listen on between {LISTEN_PORTS_FROM} and {below}")


def _ephemeral_ports_start() -> int:
    try:
        start = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        start = 32_768
    return max(start, LISTEN_PORTS_FROM + 1_000)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when a server could listen on it (connections in TIME_WAIT do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def find_binary(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found: run `make setup` first")
    return found


@dataclass
class LocalProcess:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    # nats-server's monitoring endpoint (/varz, /healthz, /jsz), when it has one.
    monitor_port: int = 0

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if not self.running:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def kill(self) -> None:
        if self.running:
            self.process.kill()
            self.process.wait(10)


def wait_for_port(proc: LocalProcess, timeout: float = 30.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.running:
            tail = proc.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{proc.name} exited with {proc.process.returncode}:\n{tail}")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex((host, proc.port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"{proc.name} did not open port {proc.port} within {timeout}s")


def _stop_with_parent() -> None:
    """Linux: the child gets SIGTERM if the process that started it dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _dying_with_parent(argv: list[str]) -> tuple[list[str], Callable[[], None] | None]:
    """The command line and pre-exec hook that make the child stop when its parent dies.

    util-linux's setpriv asks for that before it execs the command, so no Python runs in the
    forked child: in a process with gRPC threads (a test that restarts nats-server) that can
    crash the child with SIGSEGV before it ever starts.
    """
    setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
    if setpriv:
        return [setpriv, "--pdeathsig", "TERM", "--", *argv], None
    return argv, _stop_with_parent


def spawn(
    name: str, argv: list[str], port: int, log_path: Path, env: dict[str, str] | None = None
) -> LocalProcess:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("ab")
    command, pre_exec = _dying_with_parent(argv)
    process = subprocess.Popen(  # noqa: S603 - argv is built from our own settings
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        start_new_session=True,
        preexec_fn=pre_exec,
    )
    log.close()
    return LocalProcess(name, process, port, log_path)


def nats_config(data_dir: Path, port: int, monitor_port: int, host: str = "127.0.0.1") -> str:
    """nats-server's configuration: JetStream on file storage that fsyncs every write before
    acknowledging it (the default syncs every 2 minutes, so a machine that loses power loses
    events JetStream had acknowledged and the outbox had marked sent)."""
    return (
        f"listen: {host}:{port}\n"
        f"http: {host}:{monitor_port}\n"
        "jetstream {\n"
        f"  store_dir: {json.dumps(str(data_dir))}\n"
        "  sync_interval: always\n"
        "}\n"
    )


def start_nats(
    data_dir: Path, port: int, host: str = "127.0.0.1", monitor_port: int = 0
) -> LocalProcess:
    """nats-server from a config file written into `data_dir`; the same folder, port and
    monitoring port again restart it over its data."""
    data_dir.mkdir(parents=True, exist_ok=True)
    monitor_port = monitor_port or free_port(host)
    config = data_dir / "nats.conf"
    config.write_text(nats_config(data_dir, port, monitor_port, host))
    argv = [find_binary("nats-server"), "--config", str(config)]
    proc = spawn("nats-server", argv, port, data_dir / "nats-server.log")
    proc.monitor_port = monitor_port
    wait_for_port(proc, host=host)
    return proc


# The dev store's own TTL sweeper walks every document of every TTL-indexed collection under its
# global lock once a minute, so outboxes and idempotency records that grow with every write stall
# every service for longer and longer. It is off; services delete what has expired through the
# index themselves (omni_kit.expiry), as they would have to on any store.
# Its oplog (change streams; transactions need the replica set it belongs to) is pruned inside
# every commit, under the global lock, once past 100,000 entries: a bulk load reaches that at
# about 12,000 products. Keep six hours and up to five million entries instead (a few GB on disk
# for 100,000 products), so loads and benchmarks do not measure the pruning.
# That oplog lives in the storage engine's cache beside the data. At the store's default 1 GB the
# cache starts evicting while a catalog import runs, and the store's CPU per 1,000 products
# imported grew from 11 s to 28 s between the first and the sixth thousand; with 4 GB it stayed at
# 11-12 s (the same import on two stacks side by side). The cache is a ceiling, not an allocation:
# a store holding little uses little. OMNI_DEV_STORE_CACHE_SIZE sets another ceiling ("8G").
STORE_CONFIG = (
    '[storage]\nttl_sweep_seconds = 0\ncache_size = "{cache_size}"\n'
    "[oplog]\nretention_seconds = 21600\nmax_entries = 5000000\n"
)
STORE_CACHE_SIZE = "4G"


def start_store(data_dir: Path, port: int, host: str = "127.0.0.1") -> LocalProcess:
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "secantusd.toml"
    cache_size = os.environ.get("OMNI_DEV_STORE_CACHE_SIZE") or STORE_CACHE_SIZE
    config.write_text(STORE_CONFIG.format(cache_size=cache_size))
    argv = [
        find_binary("secantusd-py"),
        "--config",
        str(config),
        "--host",
        host,
        "--port",
        str(port),
        "--storage-path",
        str(data_dir / "data"),
        "--log-level",
        "WARNING",
    ]
    proc = spawn("store", argv, port, data_dir / "store.log")
    wait_for_port(proc, timeout=60, host=host)
    return proc


def mongo_uri(port: int, host: str = "127.0.0.1") -> str:
    return f"mongodb://{host}:{port}/?directConnection=true"


def nats_url(port: int, host: str = "127.0.0.1") -> str:
    return f"nats://{host}:{port}"
