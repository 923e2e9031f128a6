"""A gRPC failure that is not a service's answer (no ErrorInfo: a transport limit, a method the
service does not have) is the gateway's problem, not the caller's: 502 with no internal text.
A service's own refusal keeps its status and message."""

from __future__ import annotations

import grpc
import pytest
from grpc.aio import AioRpcError, Metadata
from litestar import get
from litestar.testing import create_test_client

from omni_gateway.problems import EXCEPTION_HANDLERS
from omni_kit.errors import STATUS_DETAILS_KEY, NotFound, to_status

TRANSPORT_TEXT = "Stream removed (received metadata size exceeds hard limit (value length 100019"


def answering(error: AioRpcError):
    @get("/probe")
    async def probe() -> None:
        raise error

    return create_test_client([probe], exception_handlers=EXCEPTION_HANDLERS)


@pytest.mark.parametrize(
    "code", [grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN]
)
def test_a_transport_failure_is_502_without_its_text(code):
    error = AioRpcError(code, Metadata(), Metadata(), details=TRANSPORT_TEXT)
    with answering(error) as client:
        reply = client.get("/probe")
    assert reply.status_code == 502
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert "Stream removed" not in reply.text and "metadata" not in reply.text


def test_unreachable_stays_503_with_retry_after():
    error = AioRpcError(
        grpc.StatusCode.UNAVAILABLE, Metadata(), Metadata(), details="connect failed"
    )
    with answering(error) as client:
        reply = client.get("/probe")
    assert reply.status_code == 503 and reply.headers["retry-after"]
    assert "connect failed" not in reply.text


def test_a_services_refusal_keeps_its_status_and_message():
    status = to_status(NotFound("no order with id 'ord_1'", reason="ORDER_NOT_FOUND"), "order")
    trailers = Metadata(*[(key, value) for key, value in status.trailing_metadata])
    error = AioRpcError(grpc.StatusCode.NOT_FOUND, Metadata(), trailers, details=status.details)
    with answering(error) as client:
        reply = client.get("/probe")
    assert reply.status_code == 404
    assert reply.json()["code"] == "ORDER_NOT_FOUND"
    assert reply.json()["detail"] == "no order with id 'ord_1'"
    assert STATUS_DETAILS_KEY not in reply.text
