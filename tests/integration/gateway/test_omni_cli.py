"""`omni`, the operations CLI, run as ops run it (a subprocess with the processes' environment)
against the real stack: five services, the gateway, NATS and the store."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from google.protobuf import wrappers_pb2

from omni.customer.v1 import customer_pb2, customer_pb2_grpc
from omni_kit.app import channel
from omni_kit.events import Backoff, Consumer, EventBus, EventContext, Inbox, stream_name
from omni_kit.events.names import EVENT_TYPE, MSG_ID
from omni_kit.ids import new_id

OMNI = str(Path(sys.executable).with_name("omni"))
PROCESSES = ["catalog", "inventory", "order", "customer", "notification", "gateway"]


def cli_env(stack) -> dict[str, str]:
    """What a Job or a pod gives the CLI: each process's store and database, NATS, addresses."""
    env = {"OMNI_NATS_URL": stack.nats_url, "OMNI_GATEWAY_URL": stack.base}
    for name in PROCESSES:
        env[f"OMNI_{name.upper()}_MONGO_URI"] = stack.mongo_uri
        env[f"OMNI_{name.upper()}_MONGO_DATABASE"] = f"{stack.db_name}_{name}"
    for name, app in stack.apps.items():
        env[f"OMNI_GATEWAY_{name.upper()}_ADDR"] = f"127.0.0.1:{app.port}"
    return env


async def omni(stack, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    def call() -> subprocess.CompletedProcess:
        return subprocess.run(
            [OMNI, *args],
            input=stdin,
            env={**os.environ, **cli_env(stack), **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return await asyncio.to_thread(call)


async def listed_until(stack, consumer: str, wanted) -> list[dict]:
    """`omni events dead-letters list --consumer <consumer> --json` until wanted(letters)."""
    async with asyncio.timeout(30):
        while True:
            listed = await omni(
                stack, "events", "dead-letters", "list", "--consumer", consumer, "--json"
            )
            assert listed.returncode == 0, listed.stderr
            letters = json.loads(listed.stdout)
            if wanted(letters):
                return letters
            await asyncio.sleep(0.3)


@pytest.mark.timeout(300)  # a dozen CLI starts: slow on a busy machine
async def test_every_command_has_help(stack):
    commands = [
        [],
        ["check"],
        ["admin", "create"],
        ["events", "dead-letters", "list"],
        ["events", "dead-letters", "replay"],
        ["events", "outbox", "republish"],
        ["demo", "load"],
        ["import", "products"],
        ["export", "products"],
    ]
    for command in commands:
        result = await omni(stack, *command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert "Usage: omni" in result.stdout
        if command:  # every command (the root only lists them)
            assert "--json" in result.stdout, command


async def test_check_names_every_dependency_and_what_is_wrong(stack):
    result = await omni(stack, "check", "--json")
    report = json.loads(result.stdout)
    failing = [c for c in report["checks"] if not c["ok"]]
    assert result.returncode == 0 and report["ok"], failing
    seen = {(c["process"], c["dependency"]) for c in report["checks"]}
    for name in PROCESSES:
        assert {(name, "store"), (name, "nats")} <= seen, name
    assert ("order", "calls inventory") in seen and ("gateway", "calls notification") in seen

    # In the gateway's pod only the gateway's store is configured: the others are not guessed.
    only_gateway = {f"OMNI_{name.upper()}_MONGO_URI": "" for name in PROCESSES[:-1]}
    result = await omni(stack, "check", "--json", **only_gateway)
    assert result.returncode == 0, result.stdout
    stores = {
        c["process"]: c for c in json.loads(result.stdout)["checks"] if c["dependency"] == "store"
    }
    assert stores["gateway"]["ok"] and not stores["gateway"]["skipped"]
    assert stores["order"]["skipped"] == "OMNI_ORDER_MONGO_URI is not set here"

    await stack.apps["notification"].stop(grace=0)
    result = await omni(stack, "check")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    down = [line for line in lines if "FAIL" in line]
    assert any(line.startswith("notification") and " grpc " in line for line in down), lines
    assert any(line.startswith("gateway") and "calls notification" in line for line in down)
    assert not [line for line in down if line.split()[0] in {"catalog", "inventory"}], down
    assert lines[-1].endswith("failing") and not lines[-1].endswith(" 0 failing")


async def admin_create(stack, username: str, password: str, *args: str, **env: str):
    return await omni(
        stack,
        "admin",
        "create",
        "--username",
        username,
        "--password-stdin",
        *args,
        stdin=password + "\n",
        **env,
    )


async def test_admin_create_makes_an_admin_who_signs_in_through_the_gateway(stack, mongo):
    created = await admin_create(stack, "night-ops", "Long enough 4 prod", "--json")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["role"] == "admin"
    headers = await stack.staff_login("night-ops", "Long enough 4 prod")
    partner = await stack.http.post("/staff/v1/partners", json={"name": "Ops"}, headers=headers)
    assert partner.status_code == 201, partner.text  # an admin's route

    again = await admin_create(stack, "night-ops", "Another long one 5")
    assert again.returncode == 1
    assert "'night-ops' exists already" in again.stderr
    production = {"OMNI_GATEWAY_ENVIRONMENT": "production"}
    pepper = {"OMNI_GATEWAY_PASSWORD_PEPPER": "p" * 40}
    weak = await admin_create(stack, "ops2", "short", **production, **pepper)
    assert weak.returncode == 1
    assert "refused in production: shorter than 12 characters" in weak.stderr
    unpeppered = await admin_create(stack, "ops2", "Long enough 4 prod", **production)
    assert unpeppered.returncode == 1
    assert "OMNI_GATEWAY_PASSWORD_PEPPER is required in production" in unpeppered.stderr
    # With the gateway's pepper (as in its pod) the hash names it, as the gateway's own do.
    peppered = await admin_create(stack, "ops2", "Long enough 4 prod", **production, **pepper)
    assert peppered.returncode == 0, peppered.stderr
    staff = mongo[f"{stack.db_name}_gateway"]["staff_users"]
    assert (await staff.find_one({"username": "ops2"}))["password"].startswith("pepper:")
    missing = await omni(stack, "admin", "create", "--username", "ops3")
    assert missing.returncode == 2 and "no password" in missing.stderr


async def test_a_services_dead_letter_is_listed_with_its_reason_and_replayed_to_it(stack):
    """A payload the customer service's own order consumer cannot decode is parked at once;
    replayed, it reaches that consumer again (and is parked again, as poison stays poison)."""
    bus = EventBus(stack.nats_url, service_name="test")
    await bus.connect()
    try:
        event_id = new_id("evt")
        await bus.js.publish(
            "omni.order.order.confirmed",
            b"\xff\xff not protobuf",
            headers={MSG_ID: event_id, EVENT_TYPE: "omni.order.v1.OrderConfirmed"},
        )
        parked = await listed_until(
            stack, "customer-orders", lambda ls: any(d["event_id"] == event_id for d in ls)
        )
        [letter] = [d for d in parked if d["event_id"] == event_id]
        assert letter["subject"] == "omni.order.order.confirmed"
        assert letter["error"].startswith(
            "PoisonMessage: cannot decode omni.order.v1.OrderConfirmed"
        )
        text = await omni(stack, "events", "dead-letters", "list", "--consumer", "customer-orders")
        assert f"#{letter['sequence']} " in text.stdout and "PoisonMessage" in text.stdout

        replayed = await omni(
            stack, "events", "dead-letters", "replay", str(letter["sequence"]), "--json"
        )
        assert replayed.returncode == 0, replayed.stderr
        assert [r["event_id"] for r in json.loads(replayed.stdout)] == [event_id]
        again = await listed_until(
            stack,
            "customer-orders",
            lambda ls: any(
                d["event_id"] == event_id and d["sequence"] != letter["sequence"] for d in ls
            ),
        )
        mine = [d for d in again if d["event_id"] == event_id]
        assert len(mine) == 1, "the replayed letter left the stream; the consumer parked it anew"

        unknown = await omni(stack, "events", "dead-letters", "replay", "999999999")
        assert unknown.returncode == 1
        assert "no dead letter with sequence 999999999 in OMNI_DLQ" in unknown.stderr
        both = await omni(stack, "events", "dead-letters", "replay")
        assert both.returncode == 2 and "or --all" in both.stderr
    finally:
        await bus.close()


async def test_replay_all_through_the_consumers_inbox_takes_effect_once(stack, mongo):
    """A fixed handler gets its dead letters back with `replay --all --consumer`; one whose
    effect had committed before it failed does not take effect twice."""
    db = mongo[f"{stack.db_name}_cli"]
    bus = EventBus(stack.nats_url, service_name="test")
    await bus.connect()
    domain = new_id("t")[:14]
    await bus.ensure_domain_stream(domain)
    durable = new_id("c")
    inbox = Inbox(db, durable)
    broken = True

    async def handler(event: wrappers_pb2.StringValue, context: EventContext) -> None:
        async def effect(session):
            await db.effects.insert_one({"value": event.value}, session=session)

        if event.value == "committed-first":
            await inbox.handle_once(mongo, context.event_id, effect)
        if broken:
            raise ConnectionError("the price list is unavailable")
        await inbox.handle_once(mongo, context.event_id, effect)

    consumer = Consumer(
        bus,
        stream_name(domain),
        durable,
        f"omni.{domain}.>",
        handler,
        wrappers_pb2.StringValue,
        max_deliver=2,
        backoff=Backoff(first=0.05, maximum=0.1),
        fetch_timeout=0.2,
    )
    task = asyncio.create_task(consumer.run())
    try:
        for value in ("failed-first", "committed-first"):
            await bus.publish(
                f"omni.{domain}.item.priced",
                wrappers_pb2.StringValue(value=value),
                event_id=new_id("evt"),
            )
        parked = await listed_until(stack, durable, lambda letters: len(letters) == 2)
        assert {d["error"] for d in parked} == {"ConnectionError: the price list is unavailable"}
        broken = False
        replayed = await omni(
            stack, "events", "dead-letters", "replay", "--all", "--consumer", durable
        )
        assert replayed.returncode == 0 and replayed.stdout.startswith("replayed 2"), replayed
        async with asyncio.timeout(30):
            while await db.effects.count_documents({}) < 2:
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        assert sorted([d["value"] async for d in db.effects.find()]) == [
            "committed-first",
            "failed-first",
        ]
        left = await omni(stack, "events", "dead-letters", "list", "--consumer", durable)
        assert left.stdout.strip() == "no dead letters"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bus.js.delete_stream(stream_name(domain))
        await bus.close()


async def test_outbox_republish_since_sends_a_services_events_again(stack):
    before = datetime.now(UTC) - timedelta(seconds=1)
    async with channel(f"127.0.0.1:{stack.apps['customer'].port}") as ch:
        stub = customer_pb2_grpc.CustomerServiceStub(ch)
        identity = customer_pb2.Identity(
            kind=customer_pb2.IDENTITY_KIND_EMAIL, value="ops@example.com"
        )
        await stub.FindOrCreateProfile(customer_pb2.FindOrCreateProfileRequest(identity=identity))
    result = await omni(
        stack,
        "events",
        "outbox",
        "republish",
        "--since",
        before.isoformat(),
        "--service",
        "customer",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["service"] == "customer" and row["published"] >= 1
    # Within JetStream's duplicate window every copy is dropped: nothing reaches consumers twice.
    assert row["already_in_stream"] == row["published"]

    text = await omni(stack, "events", "outbox", "republish", "--since", "10m")
    assert text.returncode == 0, text.stderr
    assert [line.split(":")[0] for line in text.stdout.splitlines()] == [
        "catalog",
        "inventory",
        "order",
        "customer",
        "notification",
    ]
    for bad, says in [("yesterday", "neither an ISO 8601 time"), ("2999-01-01", "in the future")]:
        refused = await omni(stack, "events", "outbox", "republish", "--since", bad)
        assert refused.returncode == 2 and says in refused.stderr, refused.stderr
