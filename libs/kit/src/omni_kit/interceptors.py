"""gRPC interceptors: deadline propagation, domain-error mapping, logs and RED metrics."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc
from grpc import aio

from omni_kit import deadlines
from omni_kit.attributes import annotate_current_span
from omni_kit.errors import DomainError, to_status
from omni_kit.logs import get_logger
from omni_kit.metrics import RPC_DURATION, RPC_REFUSALS, RPC_REQUESTS

log = get_logger("omni.rpc")

Request = TypeVar("Request")
Response = TypeVar("Response")

_UNTRACKED = ("/grpc.health.v1.Health/", "/grpc.reflection.")


class ServiceInterceptor(aio.ServerInterceptor):
    """Wraps every unary and server-streaming handler of a service.

    Errors raised as DomainError become a status with ErrorInfo; anything else is logged with
    its stack and answered INTERNAL without details, so no trace leaks to the caller.
    """

    def __init__(self, service_name: str, store_budget: float | None = None) -> None:
        self.service_name = service_name
        self.store_budget = store_budget

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Request, Response] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Request, Response] | None:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(_UNTRACKED):
            return handler
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap_unary(method, handler.unary_unary),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(method, handler.unary_stream),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler

    def _wrap_unary(self, method: str, behaviour: Callable[..., Any]) -> Callable[..., Any]:
        async def handle(request: Any, context: aio.ServicerContext) -> Any:
            token = deadlines.set_deadline_from_remaining(context.time_remaining())
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            annotate_current_span(request)
            try:
                with deadlines.store_deadline(self.store_budget):
                    return await behaviour(request, context)
            except DomainError as error:
                code = error.code
                RPC_REFUSALS.labels(self.service_name, method, error.reason).inc()
                await context.abort_with_status(to_status(error, self.service_name))
            except Exception as error:
                code = await self._unexpected(method, error, context)
            finally:
                deadlines.reset_deadline(token)
                self._record(method, context, code, started)

        return handle

    def _wrap_stream(self, method: str, behaviour: Callable[..., Any]) -> Callable[..., Any]:
        async def handle(request: Any, context: aio.ServicerContext) -> AsyncIterator[Any]:
            token = deadlines.set_deadline_from_remaining(context.time_remaining())
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            annotate_current_span(request)
            try:
                with deadlines.store_deadline(self.store_budget):
                    async for item in behaviour(request, context):
                        yield item
            except DomainError as error:
                code = error.code
                RPC_REFUSALS.labels(self.service_name, method, error.reason).inc()
                await context.abort_with_status(to_status(error, self.service_name))
            except Exception as error:
                code = await self._unexpected(method, error, context)
            finally:
                deadlines.reset_deadline(token)
                self._record(method, context, code, started)

        return handle

    async def _unexpected(
        self, method: str, error: Exception, context: aio.ServicerContext
    ) -> grpc.StatusCode:
        # context.abort raises an exception of grpc's own to end the call: let it through.
        if isinstance(error, aio.AbortError) or type(error).__name__ == "AbortError":
            raise error
        if isinstance(error, NotImplementedError):  # an RPC of the contract not built yet
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, f"{method} is not implemented")
        if _out_of_time(error):
            log.warning("rpc_deadline_exceeded", method=method, error=str(error))
            await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "the call ran out of time")
        if isinstance(error, _TRANSIENT_STORE_ERRORS):
            log.warning("rpc_unavailable", method=method, error=str(error))
            await context.abort(grpc.StatusCode.UNAVAILABLE, "a backing store is unavailable")
        log.exception("rpc_failed", method=method)
        await context.abort(grpc.StatusCode.INTERNAL, "internal error")
        return grpc.StatusCode.INTERNAL  # pragma: no cover - abort always raises

    def _record(
        self, method: str, context: aio.ServicerContext, code: grpc.StatusCode, started: float
    ) -> None:
        elapsed = time.perf_counter() - started
        final = context.code() if context.code() is not None else code
        name = getattr(final, "name", str(final))
        RPC_REQUESTS.labels(self.service_name, method, name).inc()
        RPC_DURATION.labels(self.service_name, method).observe(elapsed)
        log.info("rpc", method=method, code=name, duration_ms=round(elapsed * 1000, 2))


def _transient_store_errors() -> tuple[type[Exception], ...]:
    from pymongo.errors import AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError

    return (AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError)


_TRANSIENT_STORE_ERRORS = _transient_store_errors()


def _out_of_time(error: Exception) -> bool:
    """A store operation stopped by the call's own deadline (the store's maxTimeMS, or the
    client-side timeout once nothing was left), not a store that is down."""
    from pymongo.errors import ExecutionTimeout, PyMongoError

    if isinstance(error, ExecutionTimeout):
        return True
    return isinstance(error, PyMongoError) and error.timeout and deadlines.expired()


class DeadlineClientInterceptor(aio.UnaryUnaryClientInterceptor, aio.UnaryStreamClientInterceptor):
    """Bounds each outgoing call by the incoming call's deadline and a default timeout."""

    def __init__(self, default_timeout: float) -> None:
        self.default_timeout = default_timeout

    def _details(self, details: aio.ClientCallDetails) -> aio.ClientCallDetails:
        timeout = deadlines.bounded_timeout(details.timeout or self.default_timeout)
        return aio.ClientCallDetails(
            details.method, timeout, details.metadata, details.credentials, details.wait_for_ready
        )

    async def intercept_unary_unary(
        self,
        continuation: Callable[
            [aio.ClientCallDetails, Request], Awaitable[aio.UnaryUnaryCall[Request, Response]]
        ],
        client_call_details: aio.ClientCallDetails,
        request: Request,
    ) -> aio.UnaryUnaryCall[Request, Response]:
        return await continuation(self._details(client_call_details), request)

    async def intercept_unary_stream(
        self,
        continuation: Callable[
            [aio.ClientCallDetails, Request], Awaitable[aio.UnaryStreamCall[Request, Response]]
        ],
        client_call_details: aio.ClientCallDetails,
        request: Request,
    ) -> aio.UnaryStreamCall[Request, Response]:
        return await continuation(self._details(client_call_details), request)
