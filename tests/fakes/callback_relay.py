"""Stands where the gateway stands for order-service tests: provider callbacks posted to
/hooks/payments/{provider} on loopback go to the order service's HandlePaymentCallback (raw
body, query and headers), and its answer goes back to the provider."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import grpc

from omni.order.v1 import order_pb2, order_pb2_grpc


class CallbackRelay:
    def __init__(self) -> None:
        self.channel: grpc.Channel | None = None
        self.order: order_pb2_grpc.OrderServiceStub | None = None
        self.answers: list[tuple[int, bytes]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> CallbackRelay:
        self._thread.start()
        return self

    def connect(self, order_address: str) -> None:
        self.channel = grpc.insecure_channel(order_address)
        self.order = order_pb2_grpc.OrderServiceStub(self.channel)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self.channel is not None:
            self.channel.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = order_pb2.HandlePaymentCallbackRequest(
                    provider=parts.path.removeprefix("/hooks/payments/"),
                    http_method=self.command,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    query=parts.query,
                    body=self.rfile.read(length) if length else b"",
                )
                try:
                    assert relay.order is not None, "connect the relay to the order service"
                    reply = relay.order.HandlePaymentCallback(request, timeout=30)
                    status, body, kind = reply.http_status, reply.body, reply.content_type
                except grpc.RpcError as error:
                    codes = {
                        grpc.StatusCode.UNAUTHENTICATED: 401,
                        grpc.StatusCode.NOT_FOUND: 404,
                        grpc.StatusCode.INVALID_ARGUMENT: 400,
                        grpc.StatusCode.FAILED_PRECONDITION: 409,
                    }
                    status = codes.get(error.code(), 503)
                    body, kind = str(error.details()).encode(), "text/plain"
                relay.answers.append((status, body))
                self.send_response(status)
                self.send_header("Content-Type", kind or "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

            def log_message(self, *args: object) -> None:
                pass

        return Handler
