"""Import jobs and the rows they refused."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from omni_gateway.views.common import View


class ImportState(StrEnum):
    RECEIVING = "receiving"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(View):
    """An import and how far it got: rows_done of rows_total (known once the upload is in),
    and what each row done did. `error` says why a failed job stopped."""

    id: str
    kind: str
    format: str
    # set: on-hand becomes what the rows state; opening: only where a SKU has no stock yet.
    stock: str
    state: ImportState
    rows_total: int | None
    rows_done: int
    created: int
    updated: int
    unchanged: int
    failed: int
    error: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ImportJobPage(View):
    """Newest first."""

    jobs: list[ImportJob]
    next_page_token: str | None


class ImportRowError(View):
    """A row left out: its line in the file, the field (a column, or column.key) and why."""

    line: int
    field: str
    reason: str


class ImportErrorPage(View):
    """In line order."""

    errors: list[ImportRowError]
    next_page_token: str | None


def import_job_view(job: dict[str, Any]) -> ImportJob:
    return ImportJob(
        id=job["_id"],
        kind=job["kind"],
        format=job["format"],
        stock=job["stock"],
        state=ImportState(job["state"]),
        rows_total=job["rows_total"],
        rows_done=job["rows_done"],
        created=job["created"],
        updated=job["updated"],
        unchanged=job["unchanged"],
        failed=job["failed"],
        error=job["error"],
        created_by=job["created_by"],
        created_at=job["created_at"],
        started_at=job["started_at"],
        finished_at=job["finished_at"],
    )


def import_error_view(document: dict[str, Any]) -> ImportRowError:
    return ImportRowError(line=document["line"], field=document["field"], reason=document["reason"])
