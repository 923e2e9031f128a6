"""A DNS server on a loopback UDP port whose A records a test changes while it runs (dnspython
builds and reads the messages): gRPC's resolver asks it when a target names it as authority,
`dns://127.0.0.1:<port>/<name>:<port>`, as a pod asks the cluster DNS for a headless Service."""

from __future__ import annotations

import socket
import threading

import dns.message
import dns.rdatatype
import dns.rrset


class LoopbackDns:
    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.questions = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self._closed = threading.Event()
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def set(self, name: str, addresses: list[str]) -> None:
        """Answer `name`'s A question with `addresses` (a TTL of 1 s) from now on."""
        self.records[name.rstrip(".") + "."] = list(addresses)

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                data, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            reply = dns.message.make_response(query)
            for question in query.question:
                self.questions += 1
                addresses = self.records.get(question.name.to_text())
                if question.rdtype == dns.rdatatype.A and addresses:
                    reply.answer.append(
                        dns.rrset.from_text_list(question.name, 1, "IN", "A", addresses)
                    )
            self._sock.sendto(reply.to_wire(), peer)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(5)
        self._sock.close()
