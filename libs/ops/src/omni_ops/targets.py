"""Where each process's store, NATS and gRPC port are, read from the environment the processes
themselves use, so `omni` works inside any Omni pod (`kubectl exec`), in a Job given the same
variables, and on a laptop next to `make dev` with no variables at all (the local defaults).

- store: OMNI_<PROCESS>_MONGO_URI, else OMNI_MONGO_URI; database OMNI_<PROCESS>_MONGO_DATABASE,
  else omni_<process>;
- NATS: OMNI_NATS_URL, else any OMNI_<PROCESS>_NATS_URL;
- a service's gRPC address: OMNI_<CALLER>_<SERVICE>_ADDR of any caller (the gateway's pod has
  them all), else 127.0.0.1 and OMNI_<SERVICE>_GRPC_PORT or its default port;
- next to `make dev`: its OMNI_DEV_STORE_PORT and OMNI_DEV_NATS_PORT, else 27017 and 4222;
- the gateway: OMNI_GATEWAY_URL, else http://127.0.0.1 and OMNI_GATEWAY_HTTP_PORT (8080).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from omni_kit.localstack import mongo_uri as local_mongo_uri
from omni_kit.localstack import nats_url as local_nats_url

SERVICES = ("catalog", "inventory", "order", "customer", "notification")
PROCESSES = (*SERVICES, "gateway")
GRPC_PORTS = {
    "catalog": 50051,
    "inventory": 50052,
    "order": 50053,
    "customer": 50054,
    "notification": 50055,
}
# Which services each process calls (the chart's `calls`, which follow the code).
CALLS: Mapping[str, tuple[str, ...]] = {
    "order": ("catalog", "inventory"),
    "notification": ("customer", "catalog"),
    "gateway": SERVICES,
}


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


def configured_mongo_uri(process: str) -> str | None:
    return _env(f"OMNI_{process.upper()}_MONGO_URI") or _env("OMNI_MONGO_URI")


def mongo_uri(process: str) -> str:
    return configured_mongo_uri(process) or local_mongo_uri(
        int(_env("OMNI_DEV_STORE_PORT") or 27017)
    )


def unknown_stores() -> set[str]:
    """Processes whose store is not configured here while another's is (in one service's pod):
    guessing the local default for them would report a failure that is not one."""
    configured = {p for p in PROCESSES if configured_mongo_uri(p)}
    return set(PROCESSES) - configured if configured else set()


def mongo_database(process: str) -> str:
    return _env(f"OMNI_{process.upper()}_MONGO_DATABASE") or f"omni_{process}"


def nats_url() -> str:
    found = [_env(f"OMNI_{p.upper()}_NATS_URL") for p in PROCESSES]
    local = local_nats_url(int(_env("OMNI_DEV_NATS_PORT") or 4222))
    return _env("OMNI_NATS_URL") or next((url for url in found if url), local)


def grpc_address(service: str) -> str:
    for caller in PROCESSES:
        address = _env(f"OMNI_{caller.upper()}_{service.upper()}_ADDR")
        if address:
            return address
    port = _env(f"OMNI_{service.upper()}_GRPC_PORT") or str(GRPC_PORTS[service])
    return f"127.0.0.1:{port}"


def gateway_url() -> str:
    port = _env("OMNI_GATEWAY_HTTP_PORT") or "8080"
    return (_env("OMNI_GATEWAY_URL") or f"http://127.0.0.1:{port}").rstrip("/")


def environment() -> str:
    return _env("OMNI_GATEWAY_ENVIRONMENT") or _env("OMNI_ENVIRONMENT") or "dev"
