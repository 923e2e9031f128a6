"""An upload body, as it streams in, into rows: decoded incrementally, split into lines, a CSV
record gathered over the lines its quoted cells span, each record parsed on its own. Only the
current line is held, so a file of any length passes through in constant memory."""

from __future__ import annotations

import codecs
import csv
from collections.abc import AsyncIterator
from typing import Literal

import msgspec

from omni_gateway.bulk import rows
from omni_gateway.bulk.rows import ProductRow, RowError

Format = Literal["csv", "jsonl"]
MAX_LINE = 1_000_000
Parsed = tuple[int, ProductRow | RowError]


class FileError(ValueError):
    """The file as a whole cannot be read (its header, its encoding, a line beyond MAX_LINE)."""


async def lines(body: AsyncIterator[bytes]) -> AsyncIterator[tuple[int, str]]:
    """Numbered lines (from 1) without their line ends."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    number = 0
    try:
        async for chunk in body:
            pending += decoder.decode(chunk)
            *complete, pending = pending.split("\n")
            for line in complete:
                number += 1
                yield number, line.removesuffix("\r")
            if len(pending) > MAX_LINE:
                raise FileError(f"line {number + 1} is longer than {MAX_LINE} characters")
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileError(f"line {number + 1} is not UTF-8") from None
    if pending:
        yield number + 1, pending.removesuffix("\r")


async def parse(body: AsyncIterator[bytes], fmt: Format) -> AsyncIterator[Parsed]:
    """(line number, row or what is wrong with it) for each record; FileError for the file."""
    source = _csv(body) if fmt == "csv" else _jsonl(body)
    async for parsed in source:
        yield parsed


async def _jsonl(body: AsyncIterator[bytes]) -> AsyncIterator[Parsed]:
    async for number, line in lines(body):
        if not line.strip():
            continue
        try:
            yield number, rows.from_json(msgspec.json.decode(line))
        except msgspec.DecodeError as error:
            yield number, RowError("", f"not JSON: {error}")
        except RowError as error:
            yield number, error


async def _csv(body: AsyncIterator[bytes]) -> AsyncIterator[Parsed]:
    header: list[str] | None = None
    record: list[str] = []
    start = 0
    async for number, line in lines(body):
        if not record:
            start = number
            if not line.strip():
                continue
        record.append(line)
        text = "\n".join(record)
        if text.count('"') % 2:  # a quoted cell goes on to the next line
            if len(text) > MAX_LINE:
                raise FileError(f"line {start}: a quoted cell is never closed")
            continue
        record = []
        cells = next(csv.reader([text]))
        if header is None:
            header = [cell.strip() for cell in cells]
            problem = rows.check_header(header)
            if problem:
                raise FileError(f"line {start}: {problem}")
            continue
        if len(cells) != len(header):
            yield start, RowError("", f"{len(cells)} cells where the header has {len(header)}")
            continue
        try:
            yield start, rows.from_csv(dict(zip(header, cells, strict=True)))
        except RowError as error:
            yield start, error
    if record:
        yield start, RowError("", "a quoted cell is never closed")
    if header is None:
        raise FileError("the file is empty: a CSV file starts with its header line")
