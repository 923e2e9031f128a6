"""The kit's gRPC server over real sockets: health, reflection, errors, deadlines, ports."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from omni_kit.app import PortInUse, ServiceApp, channel
from omni_kit.errors import NotFound, error_details
from omni_kit.settings import ServiceSettings

SERVICE = "omni.test.v1.ProbeService"


class ProbeSettings(ServiceSettings):
    service_name: str = "probe"
    grpc_port: int = 0
    mongo_database: str = "unused"


def probe_app(handlers: dict[str, object], **overrides: object) -> ServiceApp:
    app = ServiceApp(ProbeSettings(**overrides))
    methods = {
        name: grpc.unary_unary_rpc_method_handler(fn)  # raw bytes in and out
        for name, fn in handlers.items()
    }
    generic = grpc.method_handlers_generic_handler(SERVICE, methods)
    app.add_service(SERVICE, lambda server: server.add_generic_rpc_handlers((generic,)))
    return app


def call(ch: grpc.aio.Channel, method: str, timeout: float | None = None):
    return ch.unary_unary(f"/{SERVICE}/{method}")(b"", timeout=timeout)


@pytest.fixture
async def running():
    apps: list[ServiceApp] = []

    async def start(app: ServiceApp) -> int:
        apps.append(app)
        return await app.start()

    yield start
    for app in apps:
        await app.stop(grace=0)


async def test_health_and_reflection_answer(running):
    port = await running(probe_app({"Ping": _pong}))
    async with channel(f"127.0.0.1:{port}") as ch:
        health = health_pb2_grpc.HealthStub(ch)
        for service in ("", SERVICE):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=service))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        stub = reflection_pb2_grpc.ServerReflectionStub(ch)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        async for reply in stub.ServerReflectionInfo(iter([request])):
            names = {s.name for s in reply.list_services_response.service}
        assert {SERVICE, "grpc.health.v1.Health"} <= names


async def test_domain_error_becomes_status_with_reason_and_field(running):
    async def missing(request, context):
        raise NotFound("no product with SKU 'X-1'", reason="SKU_NOT_FOUND", field="sku")

    port = await running(probe_app({"Missing": missing}))
    async with channel(f"127.0.0.1:{port}") as ch:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await call(ch, "Missing")
    details = error_details(failure.value)
    assert details.code == grpc.StatusCode.NOT_FOUND
    assert details.message == "no product with SKU 'X-1'"
    assert (details.reason, details.domain, details.field) == ("SKU_NOT_FOUND", "probe", "sku")


async def test_an_error_quoting_a_huge_caller_value_stays_within_the_metadata_limit(running):
    # 100,000 characters quoted in the message, the field and the metadata would pass gRPC's
    # 16 KiB metadata limit three times over: the call would end RESOURCE_EXHAUSTED instead.
    huge = "x" * 100_000

    async def missing(request, context):
        raise NotFound(f"no order with id {huge!r}", field=huge, metadata={"order_id": huge})

    port = await running(probe_app({"Missing": missing}))
    async with channel(f"127.0.0.1:{port}") as ch:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await call(ch, "Missing")
    details = error_details(failure.value)
    assert details.code == grpc.StatusCode.NOT_FOUND
    assert details.message.startswith("no order with id 'xxx") and len(details.message) == 500
    assert details.message.endswith("\u2026")
    assert len(details.field or "") == 200 and len(details.metadata["order_id"]) == 200


async def test_unexpected_error_is_internal_without_a_stack_trace(running):
    async def broken(request, context):
        raise KeyError("secret internals")

    port = await running(probe_app({"Broken": broken}))
    async with channel(f"127.0.0.1:{port}") as ch:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await call(ch, "Broken")
    assert failure.value.code() == grpc.StatusCode.INTERNAL
    assert failure.value.details() == "internal error"


async def test_an_rpc_not_built_yet_is_unimplemented_not_internal(running):
    async def later(request, context):
        raise NotImplementedError

    port = await running(probe_app({"Later": later}))
    async with channel(f"127.0.0.1:{port}") as ch:
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await call(ch, "Later")
    assert failure.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "Later" in failure.value.details()


async def test_deadline_of_the_incoming_call_bounds_the_outgoing_one(running):
    seen: list[float] = []

    async def leaf(request, context):
        seen.append(context.time_remaining())
        return b""

    leaf_port = await running(probe_app({"Leaf": leaf}))
    downstream = channel(f"127.0.0.1:{leaf_port}", default_timeout=30.0)

    async def middle(request, context):
        await call(downstream, "Leaf")  # no timeout given: inherits the caller's deadline
        return b""

    middle_port = await running(probe_app({"Middle": middle}))
    async with channel(f"127.0.0.1:{middle_port}") as ch:
        await call(ch, "Middle", timeout=5.0)
    await downstream.close()
    # Bounded by the caller (5 s, give or take clock rounding), not the 30 s default.
    assert 0 < seen[0] < 6.0


async def test_a_port_in_use_is_reported_as_such(running):
    port = await running(probe_app({"Ping": _pong}))
    second = probe_app({"Ping": _pong}, grpc_port=port)
    with pytest.raises(PortInUse, match=f"127.0.0.1:{port}.*already in use"):
        await second.start()
    await second.stop(grace=0)


async def _pong(request, context):
    return b"pong"
