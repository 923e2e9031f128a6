"""nats-server SIGKILLed while customers check out: the services keep publishing through their
outboxes, nats-server comes back over its own data (fsync before every acknowledgement), and
then every event an outbox marked sent is in its stream, and the customer service's own consumer
and inbox gave each order event exactly one timeline entry and each order its points once."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import pytest
from stack import Checkout, Stack, check_settled

from omni_kit import localstack

CHECKOUTS = 16
STREAMS = {"order": "OMNI_ORDER", "inventory": "OMNI_INVENTORY", "customer": "OMNI_CUSTOMER"}
# Kill once this many events have been published and marked sent: the checkouts are under way.
KILL_AFTER_SENT = 12
DOWN_SECONDS = 2.0


async def sent_ids(stack: Stack) -> dict[str, set[str]]:
    return {
        service: {
            row["_id"]
            async for row in stack.db(service)["outbox"].find(
                {"sent_at": {"$ne": None}}, {"_id": 1}
            )
        }
        for service in STREAMS
    }


async def kill_nats_under_load(
    stack: Stack, nats: localstack.LocalProcess, data: Path
) -> tuple[localstack.LocalProcess, dict[str, set[str]], int, int]:
    """SIGKILL nats-server once the outboxes have marked enough events sent, keep it down while
    the checkouts go on, then start it again over the same data; returns the new process, what
    was marked sent before the kill, the killed server's exit code and how many events waited
    in the outboxes just before the restart."""
    async with asyncio.timeout(60):
        while sum(map(len, (await sent_ids(stack)).values())) < KILL_AFTER_SENT:
            await asyncio.sleep(0.05)
    nats.process.send_signal(signal.SIGKILL)
    code = nats.process.wait(10)
    before = await sent_ids(stack)
    await asyncio.sleep(DOWN_SECONDS)
    waiting = sum((await stack.pending_outbox()).values())
    restarted = localstack.start_nats(data, nats.port, monitor_port=nats.monitor_port)
    return restarted, before, code, waiting


@pytest.mark.timeout(300)
async def test_sigkilled_nats_loses_no_sent_event_and_nothing_takes_effect_twice(
    fault_stack_args, tmp_path: Path
):
    data = tmp_path / "nats"
    nats = localstack.start_nats(data, localstack.free_port())
    stack = Stack(**{**fault_stack_args, "nats_url": localstack.nats_url(nats.port)})
    try:
        async with stack.running():
            await stack.open_shop()
            checkouts = [Checkout(number) for number in range(CHECKOUTS)]
            killer = asyncio.create_task(kill_nats_under_load(stack, nats, data))
            await asyncio.gather(*(stack.checkout(c) for c in checkouts))
            nats, sent_before_kill, exit_code, waiting = await killer
            unsettled = await stack.settle(CHECKOUTS, within=120)

            assert exit_code == -signal.SIGKILL
            assert not unsettled, f"not settled: {unsettled}"
            assert stack.deaths == [], f"a service died: {stack.deaths}"
            in_stream = {name: await stack.stream(stream) for name, stream in STREAMS.items()}
            for service, ids in sent_before_kill.items():
                stored = {event.event_id for event in in_stream[service]}
                lost = ids - stored
                assert not lost, (
                    f"{service}: marked sent before the kill, not in the stream: {lost}"
                )
            orders, checked = await check_settled(stack, checkouts)
            profiles = {c.profile_id for c in checkouts}
            sent_now = await sent_ids(stack)
            awards = await stack.db("customer")["loyalty_ledger"].count_documents(
                {"profile_id": {"$in": sorted(profiles)}}
            )
            inbox_records = await stack.db("customer")["inbox"].count_documents({})
    finally:
        nats.stop()
    figures = {
        "nats_exit": "SIGKILL",
        "checkouts": CHECKOUTS,
        "orders": len(orders),
        "events_marked_sent_before_kill": sum(map(len, sent_before_kill.values())),
        "events_waiting_in_outboxes_while_down": waiting,
        "events_published": sum(map(len, sent_now.values())),
        "events_in_stream": sum(
            len(sent_now[s] & {e.event_id for e in in_stream[s]}) for s in STREAMS
        ),
        "loyalty_awards": awards,
        "customer_inbox_records": inbox_records,
        **checked,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    print("nats kill figures:", json.dumps(figures))
