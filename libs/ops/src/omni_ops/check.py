"""`omni check`: every dependency of every process, each asked directly, with what is wrong.

Per service: its store (ping, from its own URI), NATS and its stream, its own gRPC health, and
the health of each service it calls; for the gateway: its store, NATS, its readiness and every
service. Each distinct target is asked once, all at once, each within a timeout.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from functools import partial

import grpc
import nats
from grpc_health.v1 import health_pb2
from nats.js.errors import NotFoundError

from omni_kit.events.names import DLQ_STREAM, stream_name
from omni_kit.runtime import redact
from omni_kit.store import mongo_client, ping
from omni_ops import targets

TIMEOUT = 3.0


@dataclass(frozen=True)
class Check:
    process: str
    dependency: str  # store, nats, stream OMNI_ORDER, grpc, calls catalog, readiness
    target: str
    ok: bool
    problem: str = ""
    skipped: str = ""  # why it was not asked here

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


Probe = Callable[[], Awaitable[str]]  # "" when fine, else what is wrong


class Checker:
    """Asks each distinct target once, however many processes depend on it."""

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout
        self._asked: dict[tuple[str, str], asyncio.Task[str]] = {}

    def ask(self, kind: str, target: str, probe: Probe) -> asyncio.Task[str]:
        key = (kind, target)
        if key not in self._asked:
            self._asked[key] = asyncio.ensure_future(self._bounded(probe))
        return self._asked[key]

    async def _bounded(self, probe: Probe) -> str:
        try:
            async with asyncio.timeout(self.timeout):
                return await probe()
        except TimeoutError:
            return f"no answer within {self.timeout:g}s"
        except Exception as error:
            return f"{type(error).__name__}: {error}".strip()


async def store_problem(uri: str) -> str:
    client = mongo_client(uri, app_name="omni-check", timeout_ms=int(TIMEOUT * 1000))
    try:
        await ping(client)
        return ""
    finally:
        await client.close()


async def nats_problem(url: str, streams: tuple[str, ...] = ()) -> str:
    nc = await nats.connect(
        url.split(","), connect_timeout=TIMEOUT, max_reconnect_attempts=0, allow_reconnect=False
    )
    try:
        js = nc.jetstream(timeout=TIMEOUT)
        missing = []
        for name in streams:
            try:
                await js.stream_info(name)
            except NotFoundError:
                missing.append(name)
        return f"stream {', '.join(missing)} missing" if missing else ""
    finally:
        await nc.close()


async def grpc_problem(address: str) -> str:
    async with grpc.aio.insecure_channel(address) as channel:
        check = channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )
        try:
            reply = await check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT)
        except grpc.aio.AioRpcError as error:
            return f"{error.code().name}: {error.details()}"
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        return f"health {health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)}"
    return ""


def _readiness(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as reply:  # noqa: S310 - an operator's URL
            reply.read()
            return ""
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}: {error.read(500).decode(errors='replace')}"
    except (urllib.error.URLError, OSError) as error:
        return str(getattr(error, "reason", error))


async def readiness_problem(base: str) -> str:
    return await asyncio.to_thread(_readiness, f"{base}/readyz")


async def run_checks(probe_timeout: float = TIMEOUT) -> list[Check]:
    checker = Checker(probe_timeout)
    nats_url = targets.nats_url()
    planned: list[tuple[str, str, str, asyncio.Task[str]]] = []

    def plan(process: str, dependency: str, target: str, kind: str, probe: Probe) -> None:
        planned.append((process, dependency, target, checker.ask(kind, target, probe)))

    skipped: list[Check] = []
    unknown = targets.unknown_stores()
    for process in targets.PROCESSES:
        uri = targets.mongo_uri(process)
        shown = f"{redact(uri)} db {targets.mongo_database(process)}"
        if process in unknown:
            why = f"OMNI_{process.upper()}_MONGO_URI is not set here"
            skipped.append(Check(process, "store", "", True, skipped=why))
        else:
            plan(process, "store", shown, "store", partial(store_problem, uri))
        if process == "gateway":
            plan(process, "nats", nats_url, "nats", partial(nats_problem, nats_url))
            base = targets.gateway_url()
            plan(process, "readiness", base, "http", partial(readiness_problem, base))
        else:
            streams = (stream_name(process), DLQ_STREAM)
            shown = f"{nats_url} streams {', '.join(streams)}"
            plan(process, "nats", shown, "nats", partial(nats_problem, nats_url, streams))
            address = targets.grpc_address(process)
            plan(process, "grpc", address, "grpc", partial(grpc_problem, address))
        for callee in targets.CALLS.get(process, ()):
            address = targets.grpc_address(callee)
            plan(process, f"calls {callee}", address, "grpc", partial(grpc_problem, address))
    checks = []
    for process, dependency, target, task in planned:
        problem = await task
        checks.append(Check(process, dependency, target, not problem, problem))
    return sorted(skipped + checks, key=lambda c: targets.PROCESSES.index(c.process))


def report(checks: list[Check], as_json: bool) -> str:
    if as_json:
        ok = all(c.ok for c in checks)
        return json.dumps({"ok": ok, "checks": [c.as_dict() for c in checks]}, indent=2)
    lines = []
    for c in checks:
        verdict = f"skipped: {c.skipped}" if c.skipped else "ok" if c.ok else f"FAIL {c.problem}"
        lines.append(f"{c.process:<13} {c.dependency:<19} {verdict}   ({c.target})")
    failed = sum(not c.ok for c in checks)
    lines.append(f"{len(checks) - failed} ok, {failed} failing")
    return "\n".join(lines)
