"""The service runtime: a grpc.aio server with health, reflection, interceptors and a lifecycle.

A service builds a ServiceApp in its server.py (wiring only), registers its servicer and its
startup/shutdown hooks and background tasks; `run_service` runs it until SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Awaitable, Callable, Iterable

from grpc import aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import aio_client_interceptors, aio_server_interceptor

from omni_kit import faults
from omni_kit.health import Check, DependencyHealth
from omni_kit.interceptors import DeadlineClientInterceptor, ServiceInterceptor
from omni_kit.logs import get_logger, setup_logging
from omni_kit.metrics import start_metrics_server
from omni_kit.settings import ProcessSettings, ServiceSettings
from omni_kit.telemetry import setup_telemetry

log = get_logger("omni.app")

Hook = Callable[[], Awaitable[None]]
TaskFactory = Callable[[], Awaitable[None]]


class StartupError(RuntimeError):
    """A process cannot start (port taken, store or NATS unreachable): one line, exit 1."""


class PortInUse(StartupError):
    pass


class ServiceApp:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        faults.configure(settings.fault_exit_at, settings.fault_exit_after)
        self.server = aio.server(
            interceptors=[
                aio_server_interceptor(),
                ServiceInterceptor(settings.service_name, settings.store_budget_seconds),
            ],
            options=[
                # Without this, a second process could silently share the port (SO_REUSEPORT).
                ("grpc.so_reuseport", 0),
                # Connections are closed after an age, so a client re-resolves the addresses
                # and a replica added since gets its share (omni_kit.app.channel balances).
                ("grpc.max_connection_age_ms", _ms(settings.grpc_max_connection_age_seconds)),
                (
                    "grpc.max_connection_age_grace_ms",
                    _ms(settings.grpc_max_connection_age_grace_seconds),
                ),
            ],
        )
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self._service_names: list[str] = [
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
        ]
        self._startup: list[Hook] = []
        self._shutdown: list[Hook] = []
        self.background = BackgroundTasks()
        self.dependencies = DependencyHealth(
            self.health,
            interval=settings.health_check_interval_seconds,
            timeout=settings.health_check_timeout_seconds,
            threshold=settings.health_failure_threshold,
        )
        self.port: int | None = None

    def add_service(self, full_name: str, register: Callable[[aio.Server], None]) -> None:
        register(self.server)
        self._service_names.append(full_name)

    def on_startup(self, hook: Hook) -> None:
        self._startup.append(hook)

    def on_shutdown(self, hook: Hook) -> None:
        self._shutdown.append(hook)

    def add_background_task(self, name: str, factory: TaskFactory) -> None:
        """A long-running coroutine (outbox relay, consumer, sweeper) started after startup."""
        self.background.add(name, factory)

    def add_dependency(self, name: str, check: Check) -> None:
        """Something the service cannot serve without (its store, NATS): while `check` keeps
        failing, the service's health is NOT_SERVING (omni_kit.health)."""
        if not self.dependencies:
            self.background.add("health", self.dependencies.run)
        self.dependencies.add(name, check)

    async def start(self) -> int:
        for hook in self._startup:
            await hook()
        reflection.enable_server_reflection(
            [*self._service_names, reflection.SERVICE_NAME], self.server
        )
        address = f"{self.settings.grpc_host}:{self.settings.grpc_port}"
        try:
            self.port = self.server.add_insecure_port(address)
        except RuntimeError as error:
            raise PortInUse(
                f"cannot listen on {address}: the port is already in use or not available "
                f"(set OMNI_{self.settings.service_name.upper()}_GRPC_PORT)"
            ) from error
        await self.server.start()
        self.background.start()
        await self.dependencies.start(["", *self._service_names])
        log.info("service_started", address=f"{self.settings.grpc_host}:{self.port}")
        return self.port

    async def stop(self, grace: float | None = None) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(self.settings.shutdown_grace_seconds if grace is None else grace)
        await self.background.stop(timeout=self.settings.shutdown_grace_seconds + 1)
        await self.dependencies.stop()
        for hook in reversed(self._shutdown):
            await hook()
        log.info("service_stopped")


class BackgroundTasks:
    """Long-running coroutines (relays, consumers, sweepers, dispatchers), each supervised from
    `start` to `stop`: a crash is logged and the coroutine started again after a short pause."""

    def __init__(self) -> None:
        self._factories: list[tuple[str, TaskFactory]] = []
        self._tasks: list[asyncio.Task[None]] = []

    def add(self, name: str, factory: TaskFactory) -> None:
        self._factories.append((name, factory))

    def start(self) -> None:
        for name, factory in self._factories:
            self._tasks.append(asyncio.create_task(_supervised(name, factory), name=name))

    async def stop(self, timeout: float) -> None:  # noqa: ASYNC109 - a bound on the wait, not a deadline for callers
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # Bounded: a library that swallows a cancellation must not hang shutdown.
            await asyncio.wait(self._tasks, timeout=timeout)
        self._tasks.clear()


async def _supervised(name: str, factory: TaskFactory) -> None:
    """Keep a background task alive: log a crash and start it again after a short pause."""
    while True:
        try:
            await factory()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background_task_crashed", task=name)
            await asyncio.sleep(1.0)


# Every address the target resolves to gets calls in turn: with a headless Service's
# `dns:///name:port`, each ready pod (and, after the next re-resolution, each new one).
ROUND_ROBIN = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})


def channel(target: str, *, default_timeout: float = 5.0) -> aio.Channel:
    """A client channel that balances over every address of `target` (round robin) and
    propagates trace context and deadlines (default timeout in seconds).

    `target` is a gRPC name: `host:port`, `dns:///name:port` (re-resolved when a connection
    closes, e.g. at the server's max connection age) or `ipv4:addr:port,addr:port`."""
    interceptors: Iterable[aio.ClientInterceptor] = [
        DeadlineClientInterceptor(default_timeout),
        *aio_client_interceptors(),
    ]
    return aio.insecure_channel(
        target,
        options=[("grpc.service_config", ROUND_ROBIN)],
        interceptors=list(interceptors),
    )


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def prepare_process(settings: ProcessSettings) -> None:
    setup_logging(settings.service_name, settings.log_level)
    setup_telemetry(
        settings.service_name,
        otlp_endpoint=settings.otlp_endpoint,
        trace_file=settings.trace_file,
        sample_ratio=settings.trace_sample_ratio,
        otlp_headers=settings.otlp_headers.get_secret_value() if settings.otlp_headers else None,
    )
    try:
        start_metrics_server(settings.metrics_port, settings.metrics_host)
    except OSError as error:
        raise PortInUse(
            f"cannot serve metrics on port {settings.metrics_port}: {error.strerror}"
        ) from None


def run_service(build: Callable[[], Awaitable[ServiceApp]], settings: ServiceSettings) -> None:
    """Entry point body: run the app until SIGTERM/SIGINT, then shut down gracefully."""

    async def main() -> None:
        prepare_process(settings)
        app = await build()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await app.start()
        await stop.wait()
        await app.stop()

    try:
        asyncio.run(main())
    except StartupError as error:
        print(f"{settings.service_name}: {error}", file=sys.stderr)
        raise SystemExit(1) from None
