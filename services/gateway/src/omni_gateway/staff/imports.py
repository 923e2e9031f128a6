"""Bulk import and export of products, prices and stock, for admins (omni_gateway.bulk): an
upload becomes a job polled for its progress and its refused rows; an export streams the same
rows back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.datastructures import ResponseHeader, State
from litestar.di import Provide
from litestar.exceptions import ClientException, NotFoundException, ValidationException
from litestar.params import Parameter
from litestar.response import Stream

from omni_gateway.bulk import export, reader
from omni_gateway.bulk.jobs import Entry, Jobs
from omni_gateway.bulk.rows import RowError
from omni_gateway.bulk.worker import ImportWorker
from omni_gateway.openapi import Follow, files, links
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import Principal, StaffRole
from omni_gateway.settings import GatewaySettings
from omni_gateway.views.imports import (
    ImportErrorPage,
    ImportJob,
    ImportJobPage,
    import_error_view,
    import_job_view,
)
from omni_kit.paging import decode_cursor, encode_cursor

FormatName = Literal["csv", "jsonl"]
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl"}
FORMATS_BY_TYPE = {
    "text/csv": "csv",
    "application/jsonl": "jsonl",
    "application/x-ndjson": "jsonl",
    "application/x-jsonlines": "jsonl",
}
PageSize = Annotated[int, Parameter(ge=1, le=200)]
PageToken = Annotated[str, Parameter(max_length=500)]
JOB = {"import_id": "$response.body#/id"}
FIRST_JOB = {"import_id": "$response.body#/jobs/0/id"}


def _format(request: Request[Any, Any, Any], given: FormatName | None) -> reader.Format:
    if given is not None:
        return given
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in FORMATS_BY_TYPE:
        return FORMATS_BY_TYPE[media]  # type: ignore[return-value]
    raise ValidationException(
        "say what the file is: ?format=csv or jsonl, or Content-Type text/csv or application/jsonl",
        extra=[{"key": "format", "message": "csv or jsonl"}],
    )


async def receive_import(
    state: State,
    principal: Principal,
    stream: AsyncIterator[bytes],
    kind: reader.Format,
    stock: Literal["set", "opening"],
) -> ImportJob:
    """Read the file into a queued job, chunk by chunk, and wake the worker (the staff route
    and the console's upload both start an import here)."""
    settings: GatewaySettings = state.settings
    jobs: Jobs = state.imports
    worker: ImportWorker = state.import_worker
    job = await jobs.create("products", kind, stock, principal.id, worker.owner)
    chunk: list[Entry] = []
    chunks = rows = 0
    try:
        async for line, parsed in reader.parse(stream, kind):
            rows += 1
            if rows > settings.import_max_rows:
                raise reader.FileError(f"more than {settings.import_max_rows} rows")
            if isinstance(parsed, RowError):
                chunk.append({"line": line, "field": parsed.field, "reason": parsed.reason})
            else:
                chunk.append({"line": line, "row": parsed.to_json()})
            if len(chunk) == settings.import_chunk_rows:
                await jobs.add_chunk(job["_id"], chunks, chunk)
                chunks, chunk = chunks + 1, []
        if chunk:
            await jobs.add_chunk(job["_id"], chunks, chunk)
            chunks += 1
    except reader.FileError as error:
        await jobs.fail(job["_id"], str(error))
        raise ValidationException(
            f"the file cannot be imported: {error}",
            extra=[{"key": "body", "message": str(error)}],
        ) from None
    except Exception:  # the client went away: cancelled, the job's lease runs out instead
        await jobs.fail(job["_id"], "the upload was cut off; upload the file again")
        raise
    queued = await jobs.uploaded(job["_id"], rows, chunks)
    if queued is None:
        raise ClientException(
            "the upload paused longer than the job's lease and was given up; upload again",
            status_code=408,
        )
    worker.wake.set()
    return import_job_view(queued)


async def import_job(state: State, import_id: str) -> ImportJob:
    found = await state.imports.get(import_id)
    if found is None:
        raise NotFoundException(f"no import {import_id!r}")
    return import_job_view(found)


async def import_page(state: State, page_size: int, page_token: str = "") -> ImportJobPage:
    """Import jobs, newest first, keyset paged by (created_at, id)."""
    after = decode_cursor(page_token, 2, query="imports", kinds=(datetime, str))
    jobs: Jobs = state.imports
    found = await jobs.page(after, page_size + 1)
    more, found = len(found) > page_size, found[:page_size]
    last = found[-1] if found else None
    token = encode_cursor([last["created_at"], last["_id"]], "imports") if more and last else None
    return ImportJobPage(jobs=[import_job_view(job) for job in found], next_page_token=token)


class BulkTransfer(Controller):
    path = "/staff/v1"
    tags = ["bulk import and export (staff)"]
    dependencies = {"principal": Provide(auth.staff)}
    security = [{"bearerAuth": []}]
    guards = [roles(StaffRole.ADMIN)]

    @post(
        "/imports/products",
        summary="Import products, variants, prices and stock from CSV or JSON Lines (a job)",
        description=(
            "The body is the file itself (text/csv or application/jsonl), streamed: one row per "
            "variant, as docs/api.md#bulk-import-and-export describes. Answers 202 once the "
            "file is in; poll the job for its progress."
        ),
        status_code=202,
        request_max_body_size=None,
        opt=links(
            202,
            {
                "Job": Follow("GET /staff/v1/imports/{import_id}", JOB),
                "Errors": Follow("GET /staff/v1/imports/{import_id}/errors", JOB),
            },
        )
        | files(*FORMATS_BY_TYPE, request=True),
    )
    async def start(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        fmt: Annotated[FormatName | None, Parameter(query="format")] = None,
        stock: Literal["set", "opening"] = "set",
    ) -> ImportJob:
        kind = _format(request, fmt)
        return await receive_import(state, principal, request.stream(), kind, stock)

    @get(
        "/imports",
        summary="Import jobs, newest first: each one's state, progress and counts",
        opt=links(200, {"Job": Follow("GET /staff/v1/imports/{import_id}", FIRST_JOB)}),
    )
    async def jobs(
        self, state: State, page_size: PageSize = 50, page_token: PageToken = ""
    ) -> ImportJobPage:
        return await import_page(state, page_size, page_token)

    @get("/imports/{import_id:str}", summary="An import job: its state, progress and counts")
    async def job(self, state: State, import_id: str) -> ImportJob:
        return await import_job(state, import_id)

    @get("/imports/{import_id:str}/errors", summary="The rows an import left out, in line order")
    async def errors(
        self,
        state: State,
        import_id: str,
        page_size: PageSize = 100,
        page_token: PageToken = "",
    ) -> ImportErrorPage:
        jobs: Jobs = state.imports
        if await jobs.get(import_id) is None:
            raise NotFoundException(f"no import {import_id!r}")
        after = decode_cursor(page_token, 1, query=import_id, kinds=(str,)) if page_token else None
        found = await jobs.error_page(import_id, after[0] if after else "", page_size + 1)
        more = len(found) > page_size
        found = found[:page_size]
        token = encode_cursor([found[-1]["_id"]], import_id) if more else None
        return ImportErrorPage(errors=[import_error_view(e) for e in found], next_page_token=token)

    @get(
        "/exports/products",
        summary="Export products, variants, prices and stock as CSV or JSON Lines (streamed)",
        opt=files("text/csv", "application/jsonl", response=200),
        response_headers=[
            ResponseHeader(
                name="Content-Disposition",
                description="attachment; filename=products.csv (or .jsonl)",
                documentation_only=True,
            )
        ],
    )
    async def export_products(
        self,
        state: State,
        fmt: Annotated[FormatName, Parameter(query="format")] = "csv",
    ) -> Stream:
        if fmt not in MEDIA_TYPES:
            raise ClientException("format is csv or jsonl")
        return Stream(
            export.lines(state.bulk_calls, fmt),
            media_type=MEDIA_TYPES[fmt],
            headers={"Content-Disposition": f'attachment; filename="products.{fmt}"'},
        )
