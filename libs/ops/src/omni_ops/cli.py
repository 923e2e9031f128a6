"""`omni`, the operations CLI. Every command takes --help and --json; connection settings come
from the environment of the pod it runs in (omni_ops.targets), or from options."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

import click
import grpc
from pymongo.errors import PyMongoError

from omni_gateway import sales_exports
from omni_gateway.security.accounts import AccountExists
from omni_gateway.security.first_admin import WeakPassword
from omni_kit.app import StartupError
from omni_kit.logs import setup_logging
from omni_ops import admin, bulk, check, demo, events, exports, targets

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
DURATION = re.compile(r"^(\d+)([smhd])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run it; what went wrong outside (a store, NATS or service unreachable) in one line."""
    try:
        return asyncio.run(coroutine)
    except (events.OpsError, StartupError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    except PyMongoError as error:
        raise click.ClickException(f"store: {error}") from None
    except grpc.aio.AioRpcError as error:
        raise click.ClickException(f"{error.code().name}: {error.details()}") from None


def json_option(command: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(
        command
    )


def nats_option(command: F) -> F:
    return click.option(
        "--nats-url",
        default=targets.nats_url,
        show_default="OMNI_NATS_URL, else a process's OMNI_<PROCESS>_NATS_URL, else local",
        help="NATS server to use.",
    )(command)


def emit(rows: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    click.echo(json.dumps(rows, indent=2, default=str) if as_json else text(rows))


class Since(click.ParamType):
    """A UTC time: ISO 8601 (2026-12-07T06:00:00Z, 2026-12-07 06:00; no offset means UTC) or a
    time ago (90m, 6h, 2d)."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        now = datetime.now(UTC)
        text = str(value).strip()
        ago = DURATION.match(text)
        if ago:
            return now - timedelta(**{UNITS[ago.group(2)]: int(ago.group(1))})
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            self.fail(
                f"{text!r} is neither an ISO 8601 time (2026-12-07T06:00:00Z) nor a time ago "
                "(90m, 6h, 2d)",
                param,
                ctx,
            )
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        if when > now:
            self.fail(f"{when.isoformat()} is in the future", param, ctx)
        return when


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def omni() -> None:
    """Operate Omni: check its dependencies, look after its events, make admins, load demo
    data. Connection settings come from the environment (OMNI_<PROCESS>_MONGO_URI,
    OMNI_NATS_URL, OMNI_<CALLER>_<SERVICE>_ADDR, OMNI_GATEWAY_URL), as inside any Omni pod;
    without them, the local `make dev` defaults."""
    # Logs (JSON, on stderr) stay out of the output a script reads.
    level = os.environ.get("OMNI_LOG_LEVEL", "WARNING").upper()
    setup_logging("omni-cli", level if level in LOG_LEVELS else "WARNING")


@omni.command("check")
@click.option("--timeout", default=check.TIMEOUT, show_default=True, help="Seconds per probe.")
@json_option
def check_command(timeout: float, as_json: bool) -> None:
    """Ask every dependency of every process (store, NATS and streams, gRPC health, the
    services each calls, the gateway's readiness) and say what is wrong. Exit 1 if anything is."""
    checks = asyncio.run(check.run_checks(timeout))
    click.echo(check.report(checks, as_json))
    if not all(c.ok for c in checks):
        sys.exit(1)


@omni.group("admin")
def admin_group() -> None:
    """Staff administrators."""


@admin_group.command("create")
@click.option("--username", required=True, help="The new admin's sign-in name.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from stdin's first line (else OMNI_ADMIN_PASSWORD, else a prompt).",
)
@json_option
def admin_create(username: str, password_stdin: bool, as_json: bool) -> None:
    """Create a staff admin in the gateway's database (OMNI_GATEWAY_MONGO_URI), as the gateway
    creates the first one. Production (OMNI_GATEWAY_ENVIRONMENT) refuses weak passwords."""
    password = _password(password_stdin)
    environment = targets.environment()
    if environment not in ("dev", "test", "production"):
        raise click.BadParameter(f"unknown environment {environment!r}", param_hint="environment")
    try:
        created = run(admin.create(username, password, environment))  # type: ignore[arg-type]
    except AccountExists:
        raise click.ClickException(
            f"a staff user named {username!r} exists already; choose another --username"
        ) from None
    except WeakPassword as error:
        raise click.ClickException(str(error)) from None
    emit(created, as_json, lambda c: f"created admin {c['username']} ({c['staff_id']})")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = os.environ.get("OMNI_ADMIN_PASSWORD", "")
        if not password and sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise click.UsageError(
            "no password: pipe it in with --password-stdin, or set OMNI_ADMIN_PASSWORD"
        )
    return password


@omni.group("events")
def events_group() -> None:
    """Dead letters and outboxes."""


@events_group.group("dead-letters")
def dead_letters_group() -> None:
    """Events a consumer could not handle, parked on omni.dlq.<consumer> (stream OMNI_DLQ)."""


def _letters_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no dead letters"
    return "\n".join(
        f"#{r['sequence']} {r['parked_at']} {r['consumer']} {r['subject']} {r['event_id']} "
        f"after {r['deliveries']} deliveries: {r['error']}"
        for r in rows
    )


@dead_letters_group.command("list")
@click.option("--consumer", help="Only this consumer's (its durable name).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many, oldest first.")
@nats_option
@json_option
def dead_letters_list(
    consumer: str | None, limit: int | None, nats_url: str, as_json: bool
) -> None:
    """List the dead letters waiting, oldest first, with why each failed."""
    rows = run(events.list_dead_letters(nats_url, consumer, limit))
    emit(rows, as_json, _letters_text)


@dead_letters_group.command("replay")
@click.argument("sequences", nargs=-1, type=click.IntRange(min=1))
@click.option("--all", "everything", is_flag=True, help="Every dead letter waiting.")
@click.option("--consumer", help="Only this consumer's (with --all), or check they are its.")
@nats_option
@json_option
def dead_letters_replay(
    sequences: tuple[int, ...], everything: bool, consumer: str | None, nats_url: str, as_json: bool
) -> None:
    """Replay dead letters by SEQUENCE (from `list`), or --all: each goes back on its subject for
    its one consumer, which handles it through its inbox (an event that took effect after all
    does not take it again), and leaves the dead-letter stream."""
    if bool(sequences) == everything:
        raise click.UsageError("name the SEQUENCES to replay, or --all (not both)")
    rows = run(events.replay_dead_letters(nats_url, sequences, consumer))
    emit(
        rows,
        as_json,
        lambda r: f"replayed {len(r)}\n{_letters_text(r)}" if r else "nothing to replay",
    )


@events_group.group("outbox")
def outbox_group() -> None:
    """Each service's transactional outbox (collection `outbox` in its database)."""


@outbox_group.command("republish")
@click.option("--since", required=True, type=Since(), help=Since.__doc__)
@click.option(
    "--service",
    "services",
    multiple=True,
    type=click.Choice(targets.SERVICES),
    help="Only this service's outbox (repeatable); default: every service.",
)
@nats_option
@json_option
def outbox_republish(
    since: datetime, services: tuple[str, ...], nats_url: str, as_json: bool
) -> None:
    """Publish again every event written since TIME, in order: after NATS lost events (a
    stream restored from an older backup). JetStream drops copies it still holds within its
    duplicate window; consumers' inboxes drop the rest. Sent rows are kept 7 days."""
    rows = run(events.republish_outbox(nats_url, services or targets.SERVICES, since))
    emit(
        rows,
        as_json,
        lambda rs: "\n".join(
            f"{r['service']}: {r['published']} published since {r['since']} "
            f"({r['already_in_stream']} already in the stream)"
            for r in rs
        ),
    )


def staff_options(command: F) -> F:
    command = click.option(
        "--password-stdin",
        is_flag=True,
        help="Read the admin's password from stdin's first line (else OMNI_ADMIN_PASSWORD).",
    )(command)
    return click.option(
        "--username",
        default=lambda: os.environ.get("OMNI_ADMIN_USERNAME", "admin"),
        show_default="OMNI_ADMIN_USERNAME, else admin",
        help="The admin to sign in to the gateway (OMNI_GATEWAY_URL) as.",
    )(command)


@contextmanager
def staff_client(username: str, password_stdin: bool) -> Iterator[bulk.StaffClient]:
    try:
        with bulk.StaffClient(username, _password(password_stdin)) as client:
            yield client
    except (bulk.GatewayError, ValueError) as error:
        raise click.ClickException(str(error)) from None


FORMAT = click.Choice(["csv", "jsonl"])


@omni.group("import")
def import_group() -> None:
    """Bulk imports through the gateway (docs/api.md#bulk-import-and-export)."""


@import_group.command("products")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=FORMAT, help="Default: from the file's suffix.")
@click.option("--show-errors", default=20, show_default=True, help="Refused rows to print.")
@click.option(
    "--opening-stock",
    is_flag=True,
    help="Set on-hand only where a SKU has no stock at the location yet.",
)
@staff_options
@json_option
def import_products(
    file: Path,
    fmt: str | None,
    show_errors: int,
    opening_stock: bool,
    username: str,
    password_stdin: bool,
    as_json: bool,
) -> None:
    """Import products, variants, prices and stock from FILE (CSV or JSON Lines, one row per
    variant): upload it, follow the job, print what each row did and the rows refused. Exit 1
    if the job failed, 2 if it finished with refused rows."""

    def progress(job: dict[str, Any]) -> None:
        if not as_json:
            total = job["rows_total"] if job["rows_total"] is not None else "?"
            click.echo(f"{job['state']}: {job['rows_done']}/{total} rows", err=True)

    with staff_client(username, password_stdin) as client:
        stock = "opening" if opening_stock else "set"
        job = client.import_file(file, bulk.guess_format(file, fmt), progress, stock=stock)
        errors = client.errors(job["id"], show_errors) if job["failed"] else []
    emit({"job": job, "errors": errors}, as_json, _import_text)
    if job["state"] == "failed":
        sys.exit(1)
    if job["failed"]:
        sys.exit(2)


def _import_text(report: dict[str, Any]) -> str:
    job = report["job"]
    lines = [
        f"import {job['id']} {job['state']}: {job['rows_done']}/{job['rows_total']} rows, "
        f"{job['created']} created, {job['updated']} updated, {job['unchanged']} unchanged, "
        f"{job['failed']} refused"
    ]
    if job["error"]:
        lines.append(f"  {job['error']}")
    lines += [f"  line {e['line']} {e['field']}: {e['reason']}" for e in report["errors"]]
    return "\n".join(lines)


@omni.group("export")
def export_group() -> None:
    """Exports: products through the gateway in the formats imports take; orders and sales for
    BI tools as the staff API's /staff/v1/exports give them (columns in docs/api.md)."""


@export_group.command("products")
@click.option("--format", "fmt", type=FORMAT, default="csv", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout."
)
@staff_options
@json_option
def export_products(
    fmt: str, output: Path | None, username: str, password_stdin: bool, as_json: bool
) -> None:
    """Write every product's variants with prices and stock (imports again to no change).
    With --json, a summary (the file's size) on stdout, or on stderr when the rows go there."""
    with staff_client(username, password_stdin) as client:
        if output is None:
            written = client.export(fmt, sys.stdout.buffer)
        else:
            with output.open("wb") as out:
                written = client.export(fmt, out)
    if as_json:
        summary = {"format": fmt, "output": str(output or "-"), "bytes": written}
        click.echo(json.dumps(summary), err=output is None)


@omni.group("demo")
def demo_group() -> None:
    """Demo data."""


@demo_group.command("load")
@staff_options
@json_option
def demo_load(username: str, password_stdin: bool, as_json: bool) -> None:
    """Load the demo stores, warehouse, catalog with prices and stock, customers and their
    orders through the gateway's API, signed in as an admin (idempotent: loading twice changes
    nothing)."""
    with staff_client(username, password_stdin) as client:
        loaded = demo.load(client)
    emit(
        {"loaded": loaded, "into": client.http.base_url},
        as_json,
        lambda r: (
            "loaded {} locations, {} product rows ({} created, {} unchanged), orders: {}".format(
                len(r["loaded"]["locations"]),
                r["loaded"]["products"]["rows_total"],
                r["loaded"]["products"]["created"],
                r["loaded"]["products"]["unchanged"],
                ", ".join(f"{k} {v}" for k, v in r["loaded"]["orders"].items()),
            )
        ),
    )


def export_options(command: F) -> F:
    options = [
        click.option("--from", "start", required=True, help="First day, YYYY-MM-DD."),
        click.option("--to", "end", required=True, help="Last day, YYYY-MM-DD (included)."),
        click.option(
            "--time-zone", default="UTC", show_default=True, help="IANA zone the days are in."
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["csv", "jsonl"]),
            default="csv",
            show_default=True,
            help="CSV with a header, or JSON lines.",
        ),
        click.option(
            "--output",
            type=click.File("wb"),
            default="-",
            show_default="stdout",
            help="File to write.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _export(
    what: str, start: str, end: str, time_zone: str, fmt: str, output: Any, **kw: Any
) -> None:
    try:
        span = sales_exports.export_range(
            sales_exports.parse_day(start, "from"), sales_exports.parse_day(end, "to"), time_zone
        )
    except sales_exports.BadExport as bad:
        raise click.BadParameter(
            bad.message, param_hint=f"--{bad.field.replace('_', '-')}"
        ) from None
    rows = run(exports.write(what, span, cast(sales_exports.Format, fmt), output, **kw))
    click.echo(f"exported {rows} {what} rows", err=True)


@export_group.command("orders")
@export_options
@click.option(
    "--store-id", "store_ids", multiple=True, help="Only orders of this store (repeatable)."
)
def export_orders(
    start: str, end: str, time_zone: str, fmt: str, output: Any, store_ids: tuple[str, ...]
) -> None:
    """One row per order line of the orders placed from --from to --to, oldest first."""
    _export("orders", start, end, time_zone, fmt, output, store_ids=store_ids)


@export_group.command("sales")
@export_options
def export_sales(start: str, end: str, time_zone: str, fmt: str, output: Any) -> None:
    """Sales per day, channel and currency from --from to --to (a zone the order service keeps
    totals for)."""
    _export("sales", start, end, time_zone, fmt, output)


def main() -> None:
    omni(prog_name="omni")
