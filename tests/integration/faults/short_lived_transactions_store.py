"""The document store for the crash tests, with one difference from the shared one: a
transaction left idle for `lifetime` seconds is aborted (mongod's transactionLifetimeLimitSeconds,
60 s by default, which SecantusDB's command line does not expose).

A process killed in the middle of a transaction leaves it open; until the store aborts it, its
documents refuse other writers, so a retry touching them waits. What the crash costs in data
does not depend on how long that is, only how long the tests wait; see docs/operations.md.

Run: python short_lived_transactions_store.py HOST PORT STORAGE_PATH LIFETIME_SECONDS
"""

from __future__ import annotations

import signal
import sys

from secantus.server import SecantusDBServer


def main() -> None:
    host, port, path, lifetime = sys.argv[1:5]
    server = SecantusDBServer(
        host=host,
        port=int(port),
        storage_path=path,
        enable_test_commands=False,
        transaction_lifetime_seconds=float(lifetime),
    )

    def stop(signum: int, frame: object) -> None:
        server.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.start()
    server.wait()


if __name__ == "__main__":
    main()
