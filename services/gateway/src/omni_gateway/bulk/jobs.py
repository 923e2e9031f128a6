"""Import jobs in the gateway's database: the job and its counts (`import_jobs`), its parsed
rows in numbered chunks until they are applied (`import_chunks`), and the rows it refused
(`import_errors`, keyed job:line:n so a chunk worked twice records its errors once).

A job moves receiving -> queued -> running -> done, or to failed. A running job holds a lease
that its process renews after every chunk; a process that dies stops renewing it, and the next
claim (by any gateway process, the restarted one included) resumes the job at the chunk after
the last one recorded. Rows apply idempotently, so the chunk that was in flight applies again to
no change. An upload cut off (its process died while receiving) cannot be resumed: it fails.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError

from omni_gateway.bulk.rows import Price, ProductRow
from omni_gateway.store import Db
from omni_kit.ids import new_id, utcnow

JOBS = "import_jobs"
CHUNKS = "import_chunks"
ERRORS = "import_errors"
COUNTS = ("created", "updated", "unchanged", "failed")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Entry = dict[str, Any]


def stored_row(entry: Entry) -> ProductRow:
    data = dict(entry["row"])
    data["prices"] = {k: Price(**v) for k, v in data["prices"].items()}
    return ProductRow(**data)


class Jobs:
    def __init__(self, db: Db, lease_seconds: float) -> None:
        self.jobs = db[JOBS]
        self.chunks = db[CHUNKS]
        self.errors = db[ERRORS]
        self.lease = timedelta(seconds=lease_seconds)

    async def create(
        self, kind: str, fmt: str, stock: str, created_by: str, owner: str
    ) -> dict[str, Any]:
        now = utcnow()
        job = {
            "_id": new_id("imp"),
            "kind": kind,
            "format": fmt,
            "stock": stock,
            "state": "receiving",
            "created_by": created_by,
            "created_at": now,
            "owner": owner,
            "lease_until": now + self.lease,
            "rows_total": None,
            "rows_done": 0,
            "chunks_total": None,
            "next_chunk": 0,
            "error": None,
            "started_at": None,
            "finished_at": None,
            **dict.fromkeys(COUNTS, 0),
        }
        await self.jobs.insert_one(job)
        return job

    async def add_chunk(self, job_id: str, number: int, entries: list[Entry]) -> None:
        await self.chunks.insert_one(
            {"_id": f"{job_id}:{number:07d}", "job_id": job_id, "entries": entries}
        )
        await self.jobs.update_one(
            {"_id": job_id}, {"$set": {"lease_until": utcnow() + self.lease}}
        )

    async def uploaded(
        self, job_id: str, rows_total: int, chunks_total: int
    ) -> dict[str, Any] | None:
        """The upload is complete: the job waits for a worker (claimable at once). None when the
        upload stalled so long that the job was given up meanwhile."""
        job = await self.jobs.find_one_and_update(
            {"_id": job_id, "state": "receiving"},
            {
                "$set": {
                    "state": "queued",
                    "rows_total": rows_total,
                    "chunks_total": chunks_total,
                    "owner": None,
                    "lease_until": EPOCH,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        return job

    async def fail(self, job_id: str, error: str) -> None:
        await self.jobs.update_one(
            {"_id": job_id},
            {"$set": {"state": "failed", "error": error, "finished_at": utcnow()}},
        )
        await self.chunks.delete_many({"job_id": job_id})

    async def get(self, job_id: str) -> dict[str, Any] | None:
        return await self.jobs.find_one({"_id": job_id})

    async def page(self, after: tuple[datetime, str] | None, limit: int) -> list[dict[str, Any]]:
        """Jobs newest first (id breaks a tie), those after `after` (created_at, id)."""
        query: dict[str, Any] = {}
        if after is not None:
            at, job_id = after
            query = {
                "$or": [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": job_id}}]
            }
        cursor = self.jobs.find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit)
        return await cursor.to_list()

    async def claim(self, owner: str) -> dict[str, Any] | None:
        """The next job to work on: queued, or running in a process that stopped renewing its
        lease (resumed where it was). Uploads whose process died fail on the way."""
        now = utcnow()
        while cut_off := await self.jobs.find_one(
            {"state": "receiving", "lease_until": {"$lt": now}}
        ):
            await self.fail(cut_off["_id"], "the upload was cut off; upload the file again")
        job = await self.jobs.find_one_and_update(
            {"state": {"$in": ["queued", "running"]}, "lease_until": {"$lt": now}},
            {"$set": {"state": "running", "owner": owner, "lease_until": now + self.lease}},
            sort=[("created_at", 1)],
            return_document=ReturnDocument.AFTER,
        )
        if job is not None and job["started_at"] is None:
            await self.jobs.update_one({"_id": job["_id"]}, {"$set": {"started_at": now}})
            job["started_at"] = now
        return job

    async def chunk(self, job_id: str, number: int) -> list[Entry]:
        found = await self.chunks.find_one({"_id": f"{job_id}:{number:07d}"})
        return list(found["entries"]) if found else []

    async def record(self, job_id: str, errors: list[tuple[int, str, str]]) -> None:
        documents = [
            {"_id": f"{job_id}:{line:09d}:{n}", "line": line, "field": field, "reason": reason}
            for n, (line, field, reason) in enumerate(errors)
        ]
        if documents:
            try:
                await self.errors.insert_many(documents, ordered=False)
            except BulkWriteError as error:  # recorded already by the run that died
                if any(e["code"] != 11000 for e in error.details["writeErrors"]):
                    raise

    async def progress(
        self, job_id: str, owner: str, done: int, rows: int, counts: dict[str, int]
    ) -> bool:
        """Chunk `done` is applied; False when another process holds the job now."""
        reply = await self.jobs.update_one(
            {"_id": job_id, "owner": owner, "state": "running"},
            {
                "$set": {"next_chunk": done + 1, "lease_until": utcnow() + self.lease},
                "$inc": {"rows_done": rows, **counts},
            },
        )
        if reply.matched_count:
            await self.chunks.delete_one({"_id": f"{job_id}:{done:07d}"})
        return reply.matched_count == 1

    async def finish(self, job_id: str, owner: str) -> None:
        await self.jobs.update_one(
            {"_id": job_id, "owner": owner, "state": "running"},
            {"$set": {"state": "done", "finished_at": utcnow()}},
        )

    async def error_page(self, job_id: str, after: str, limit: int) -> list[dict[str, Any]]:
        """Errors in line order, after the error id `after` ('' for the first page)."""
        low = after if after.startswith(f"{job_id}:") else f"{job_id}:"
        query = {"_id": {"$gt": low, "$lt": f"{job_id};"}}  # ';' sorts right after ':'
        return await self.errors.find(query).sort("_id", 1).limit(limit).to_list()
