"""`make dev`: the whole platform as local processes, stopped cleanly on Ctrl-C or SIGTERM.

Starts nats-server (JetStream, fsync before every acknowledgement, from .omni/nats/nats.conf)
and the MongoDB-protocol store with their data under .omni/,
then every service and the gateway, waits until each is healthy, loads demo data through the
gateway's API (unless OMNI_DEV_DEMO_DATA=false) and prints the URLs. Ports come from the same
OMNI_* settings the services read.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import time
import urllib.request
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2

from omni_kit import localstack
from omni_ops import demo
from omni_ops.bulk import StaffClient

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {
    "catalog": 50051,
    "inventory": 50052,
    "order": 50053,
    "customer": 50054,
    "notification": 50055,
}


def setting(name: str, default: str) -> str:
    return os.environ.get(name, default)


def port_setting(name: str, default: int) -> int:
    raw = setting(name, str(default))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        sys.exit(f"invalid setting {name}: expected a port number 1-65535 (got {raw!r})")
    return int(raw)


DEV_ADMIN_PASSWORD = "omni-admin-dev"  # noqa: S105 - local development only, printed at start


def dev_secret(data_dir: Path) -> str:
    """A signing secret made once per data folder, so sessions survive a restart of make dev."""
    path = data_dir / "gateway-jwt-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def main() -> None:
    data_dir = Path(setting("OMNI_DEV_DATA_DIR", str(ROOT / ".omni"))).resolve()
    host = "127.0.0.1"
    nats_port = port_setting("OMNI_DEV_NATS_PORT", 4222)
    nats_monitor_port = port_setting("OMNI_DEV_NATS_MONITOR_PORT", 8222)
    store_port = port_setting("OMNI_DEV_STORE_PORT", 27017)
    grpc_ports = {
        name: port_setting(f"OMNI_{name.upper()}_GRPC_PORT", p) for name, p in SERVICES.items()
    }
    gateway_port = port_setting("OMNI_GATEWAY_HTTP_PORT", 8080)

    wanted = {
        "nats-server": nats_port,
        "nats-server monitoring": nats_monitor_port,
        "store": store_port,
        "gateway": gateway_port,
    } | grpc_ports
    taken = [
        f"{name} port {port}"
        for name, port in wanted.items()
        if not localstack.port_is_free(port, host)
    ]
    if taken:
        sys.exit(
            "cannot start: already in use: " + ", ".join(taken) + " (another `make dev` running?)"
        )

    children: list[localstack.LocalProcess] = []
    stopping = False

    def stop_all(*_: object) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        print("\nstopping…", flush=True)
        for proc in reversed(children):
            proc.stop()
        print("stopped", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)

    try:
        children.append(
            localstack.start_nats(data_dir / "nats", nats_port, host, nats_monitor_port)
        )
        children.append(localstack.start_store(data_dir / "store", store_port, host))
        logs = data_dir / "logs"
        common = {
            "NATS_URL": localstack.nats_url(nats_port, host),
            "MONGO_URI": localstack.mongo_uri(store_port, host),
        }
        trace_file = os.environ.get("OMNI_DEV_TRACE_FILE")
        for name, port in grpc_ports.items():
            prefix = f"OMNI_{name.upper()}_"
            env = {prefix + key: value for key, value in common.items()}
            env[prefix + "GRPC_PORT"] = str(port)
            # Provider stubs on this machine are fine in development (refused in production).
            env[prefix + "OUTBOUND_ALLOW_HTTP"] = "true"
            env[prefix + "OUTBOUND_ALLOW_PRIVATE_NETWORKS"] = "true"
            # Where the other services listen (the order service calls catalog and inventory).
            env |= {
                f"{prefix}{other.upper()}_ADDR": f"{host}:{p}" for other, p in grpc_ports.items()
            }
            if trace_file:
                env[prefix + "TRACE_FILE"] = trace_file
            argv = [sys.executable, "-m", f"omni_{name}"]
            children.append(localstack.spawn(name, argv, port, logs / f"{name}.log", env))
        for name, port in grpc_ports.items():
            wait_grpc_healthy(name, f"{host}:{port}", children)
        gateway_env = {
            f"OMNI_GATEWAY_{n.upper()}_ADDR": f"{host}:{p}" for n, p in grpc_ports.items()
        }
        gateway_env |= {
            "OMNI_GATEWAY_HTTP_PORT": str(gateway_port),
            "OMNI_GATEWAY_MONGO_URI": common["MONGO_URI"],
            "OMNI_GATEWAY_NATS_URL": common["NATS_URL"],
            "OMNI_GATEWAY_JWT_SECRET": os.environ.get("OMNI_GATEWAY_JWT_SECRET")
            or dev_secret(data_dir),
            "OMNI_GATEWAY_ADMIN_PASSWORD": os.environ.get(
                "OMNI_GATEWAY_ADMIN_PASSWORD", DEV_ADMIN_PASSWORD
            ),
            "OMNI_GATEWAY_WEBHOOK_ALLOW_HTTP": "true",
            "OMNI_GATEWAY_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
            # The console is served over plain http here: its cookie cannot be Secure.
            "OMNI_GATEWAY_CONSOLE_COOKIE_SECURE": "false",
        }
        if trace_file:
            gateway_env["OMNI_GATEWAY_TRACE_FILE"] = trace_file
        argv = [sys.executable, "-m", "omni_gateway"]
        children.append(
            localstack.spawn("gateway", argv, gateway_port, logs / "gateway.log", gateway_env)
        )
        base = f"http://{host}:{gateway_port}"
        # Longer than for a service: with OMNI_GATEWAY_WORKERS each worker imports the app anew.
        wait_http_ready("gateway", f"{base}/readyz", children, timeout=180)
        if setting("OMNI_DEV_DEMO_DATA", "true").lower() != "false":
            load_demo_data(base, gateway_env["OMNI_GATEWAY_ADMIN_PASSWORD"])
    except Exception as error:  # a child failed to start: say which, stop the rest
        print(f"make dev failed: {error}", file=sys.stderr, flush=True)
        for proc in reversed(children):
            proc.stop()
        sys.exit(1)

    print(f"Omni is running. Logs: {logs}", flush=True)
    print(f"  gateway:  {base}", flush=True)
    print(f"  API docs: {base}/schema", flush=True)
    print(f"  console:  {base}/console", flush=True)
    admin_password = gateway_env["OMNI_GATEWAY_ADMIN_PASSWORD"]
    print(f"  staff:    admin / {admin_password} (console, POST /staff/v1/auth/token)", flush=True)
    print("Ctrl-C stops everything.", flush=True)
    while True:
        for proc in children:
            if not proc.running and not stopping:
                print(
                    f"{proc.name} exited ({proc.process.returncode}); see {proc.log_path}",
                    flush=True,
                )
                stop_all()
        time.sleep(0.5)


def wait_grpc_healthy(
    name: str, target: str, children: list[localstack.LocalProcess], timeout: float = 60
) -> None:
    async def check() -> None:
        deadline = time.monotonic() + timeout
        async with grpc.aio.insecure_channel(target) as channel:
            # The standard health method, called by its path: typeshed's HealthStub names none.
            health_check = channel.unary_unary(
                "/grpc.health.v1.Health/Check",
                request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                response_deserializer=health_pb2.HealthCheckResponse.FromString,
            )
            while time.monotonic() < deadline:
                ensure_alive(children)
                try:
                    reply = await health_check(health_pb2.HealthCheckRequest(), timeout=1)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.aio.AioRpcError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError(f"{name} did not become healthy at {target} within {timeout}s")

    asyncio.run(check())
    print(f"  {name:<13} serving on {target}", flush=True)


def wait_http_ready(
    name: str, url: str, children: list[localstack.LocalProcess], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ensure_alive(children)
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 - our own loopback URL
                if reply.status == 200:
                    print(f"  {name:<13} ready at {url}", flush=True)
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{name} did not become ready at {url} within {timeout}s")


def ensure_alive(children: list[localstack.LocalProcess]) -> None:
    for proc in children:
        if not proc.running:
            tail = proc.log_path.read_text(errors="replace")[-1500:]
            raise RuntimeError(f"{proc.name} exited with {proc.process.returncode}:\n{tail}")


def load_demo_data(base: str, admin_password: str) -> None:
    """Through the gateway's API, as `omni demo load` does (omni_ops.demo)."""
    with StaffClient("admin", admin_password, base) as staff:
        loaded = demo.load(staff)
    print(
        f"  demo data     {len(loaded['locations'])} locations, "
        f"{loaded['products']['rows_total']} product rows, {len(loaded['orders'])} orders",
        flush=True,
    )


if __name__ == "__main__":
    main()
