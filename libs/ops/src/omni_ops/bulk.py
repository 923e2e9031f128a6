"""`omni import` and `omni export`: files in and out through the gateway's staff API
(/staff/v1/imports, /staff/v1/exports), signed in as an admin. The CLI has no import code of
its own (why: omni_gateway.bulk): it streams the file up, polls the job and prints its report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx

from omni_ops import targets

CHUNK_BYTES = 64 * 1024
FINISHED = ("done", "failed")


class GatewayError(Exception):
    """The gateway refused or could not be reached: what it said."""


def problem(reply: httpx.Response) -> GatewayError:
    try:
        body = reply.json()
        detail = body.get("detail") or body.get("title") or reply.text
        fields = "; ".join(
            f"{e.get('field') or e.get('key')}: {e.get('message')}" for e in body.get("errors", [])
        )
    except ValueError:
        detail, fields = reply.text, ""
    return GatewayError(f"{reply.status_code} {detail}{f' ({fields})' if fields else ''}")


class StaffClient:
    """An admin's session at the gateway (OMNI_GATEWAY_URL, else the local `make dev` one)."""

    def __init__(self, username: str, password: str, base: str | None = None) -> None:
        self.http = httpx.Client(base_url=base or targets.gateway_url(), timeout=60)
        self._credentials = {"username": username, "password": password}
        self._sign_in()

    def _sign_in(self) -> None:
        try:
            reply = self.http.post("/staff/v1/auth/token", json=self._credentials)
        except httpx.TransportError as error:
            raise GatewayError(f"gateway at {self.http.base_url} unreachable: {error}") from None
        self.http.headers["Authorization"] = f"Bearer {answer(reply)['access_token']}"

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> StaffClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        reply = self.http.request(method, path, **kwargs)
        if reply.status_code == 401 and "content" not in kwargs:  # a long job outlived the token
            self._sign_in()
            reply = self.http.request(method, path, **kwargs)
        return answer(reply)

    def import_file(
        self,
        path: Path,
        fmt: str,
        progress: Callable[[dict[str, Any]], None] = lambda _: None,
        poll_seconds: float = 0.5,
        stock: str = "set",
    ) -> dict[str, Any]:
        """Upload the file (streamed), wait for its job to finish; the job as it ended."""
        with path.open("rb") as file:
            job = self.request(
                "POST",
                "/staff/v1/imports/products",
                params={"format": fmt, "stock": stock},
                content=_chunks(file),
                headers={"Content-Type": "text/csv" if fmt == "csv" else "application/jsonl"},
            )
        while job["state"] not in FINISHED:
            progress(job)
            time.sleep(poll_seconds)
            job = self.request("GET", f"/staff/v1/imports/{job['id']}")
        return dict(job)

    def errors(self, job_id: str, most: int) -> list[dict[str, Any]]:
        """The job's first `most` refused rows, in line order."""
        found: list[dict[str, Any]] = []
        token = ""
        while len(found) < most:
            page = self.request(
                "GET",
                f"/staff/v1/imports/{job_id}/errors",
                params={"page_size": min(200, most - len(found))}
                | ({"page_token": token} if token else {}),
            )
            found += page["errors"]
            token = page["next_page_token"]
            if not token:
                break
        return found

    def export(self, fmt: str, out: IO[bytes]) -> int:
        """Write the export to `out` as it streams in; the bytes written."""
        written = 0
        with self.http.stream("GET", "/staff/v1/exports/products", params={"format": fmt}) as r:
            if r.status_code >= 400:
                r.read()
                raise problem(r)
            for chunk in r.iter_bytes():
                written += out.write(chunk)
        return written


def answer(reply: httpx.Response) -> Any:
    """The JSON of a successful answer; a GatewayError saying what was refused otherwise."""
    if reply.status_code >= 400:
        raise problem(reply)
    return reply.json()


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    while chunk := file.read(CHUNK_BYTES):
        yield chunk


def guess_format(path: Path, given: str | None) -> str:
    if given:
        return given
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise ValueError(f"cannot tell the format of {path.name}: give --format csv or jsonl")
