"""docs/api.md's day-one walk, sent as written against `make dev`: every ```http request of the
section in order, each answer checked against the `→` line under it (status, values, what to
keep for later requests). The doc and the API cannot disagree without this failing; the output
(`pytest -s`) shows each request's answer."""

from __future__ import annotations

import json
import re
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from test_dev_stack import SERVICES, start_dev

from omni_kit.localstack import free_port

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SECTION = "## Day one: from `make dev` to a first click & collect order"
BLOCK = re.compile(r"```http\n(?P<request>.*?)```\n(?P<answer>→[^\n]*)", re.S)
STATUS = re.compile(r"^→ `(\d{3})`")
KEEP = re.compile(r"keep `([\w.]+)` as `\{\{(\w+)\}\}`")
CHECK = re.compile(r"`([\w.]+)` is `([^`]+)`")
VARIABLE = re.compile(r"\{\{(\w+)\}\}")


@dataclass
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: str
    status: int
    keep: list[tuple[str, str]] = field(default_factory=list)
    checks: list[tuple[str, str]] = field(default_factory=list)


def walk_steps(text: str) -> list[Step]:
    """The section's requests and expected answers, in order."""
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    steps = []
    for match in BLOCK.finditer(text[start : end if end > 0 else None]):
        head, _, body = match["request"].partition("\n\n")
        request_line, *header_lines = head.strip().splitlines()
        method, path = request_line.split(" ", 1)
        headers = dict(line.split(": ", 1) for line in header_lines)
        answer = match["answer"]
        status = STATUS.match(answer)
        assert status, f"no status in {answer!r}"
        steps.append(
            Step(
                method=method,
                path=path,
                headers=headers,
                body=body.strip(),
                status=int(status[1]),
                keep=KEEP.findall(answer),
                checks=CHECK.findall(answer),
            )
        )
    return steps


def fill(text: str, kept: dict[str, str]) -> str:
    return VARIABLE.sub(lambda m: kept[m[1]], text)


def at(document: Any, path: str) -> Any:
    for part in path.split("."):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


def shown(value: Any) -> str:
    """A JSON value as the doc writes it after `is`."""
    return json.dumps(value) if isinstance(value, bool | int | float) else str(value)


def short(value: str) -> str:
    """A kept value as printed: tokens cut to their start."""
    return value if len(value) <= 48 else value[:20] + "…"


def test_the_walk_parses_into_the_documented_steps() -> None:
    steps = walk_steps(DOC.read_text())
    routes = [(s.method, VARIABLE.sub("{}", s.path.split("?")[0])) for s in steps]
    assert routes[0] == ("POST", "/staff/v1/auth/token")
    assert routes.count(("POST", "/staff/v1/locations")) == 3
    assert ("POST", "/staff/v1/catalog/products") in routes
    assert ("POST", "/api/v1/orders") in routes
    assert routes[-4:] == [
        ("GET", "/staff/v1/stores/{}/pickups"),
        ("POST", "/staff/v1/orders/{}/ready-for-pickup"),
        ("GET", "/api/v1/orders/{}"),  # the pickup code is the customer's, not in staff views
        ("POST", "/staff/v1/orders/{}/collected"),
    ]
    for step in steps:
        if step.body:
            json.loads(VARIABLE.sub("kept", step.body))  # valid JSON once filled


async def test_the_day_one_walk_in_docs_runs_as_written_against_make_dev(tmp_path) -> None:
    steps = walk_steps(DOC.read_text())
    gateway_port = free_port()
    env = {f"OMNI_{name.upper()}_GRPC_PORT": str(free_port()) for name in SERVICES}
    env |= {
        "OMNI_GATEWAY_HTTP_PORT": str(gateway_port),
        "OMNI_DEV_NATS_PORT": str(free_port()),
        "OMNI_DEV_NATS_MONITOR_PORT": str(free_port()),
        "OMNI_DEV_STORE_PORT": str(free_port()),
        "OMNI_DEV_DATA_DIR": str(tmp_path / "omni"),
    }
    proc, lines = start_dev(env)
    try:
        assert "admin / omni-admin-dev" in "".join(lines)  # the password the walk signs in with
        kept: dict[str, str] = {}
        base = f"http://127.0.0.1:{gateway_port}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for number, step in enumerate(steps, 1):
                body = fill(step.body, kept)
                reply = await http.request(
                    step.method,
                    fill(step.path, kept),
                    headers={k: fill(v, kept) for k, v in step.headers.items()},
                    content=body.encode() if body else None,
                )
                if reply.status_code != step.status:
                    print(f"{number:2}. {step.method} {step.path} → {reply.status_code}")
                assert reply.status_code == step.status, (number, reply.text)
                answer = reply.json() if reply.content else None
                for path, name in step.keep:
                    kept[name] = str(at(answer, path))
                found = {path: shown(at(answer, path)) for path, _ in step.checks}
                print(
                    f"{number:2}. {step.method} {fill(step.path, kept)} → {reply.status_code}"
                    + "".join(f"; {name} = {short(kept[name])}" for _, name in step.keep)
                    + "".join(f"; {path} = {value}" for path, value in found.items())
                )
                for path, expected in step.checks:
                    assert found[path] == fill(expected, kept), (number, path, reply.text)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
