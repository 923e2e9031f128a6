"""Import rows on their own: CSV and JSON Lines read into the same row, written back unchanged,
streamed in pieces that split lines and characters anywhere, and every wrong cell named."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from omni_gateway.bulk import reader, rows
from omni_gateway.bulk.rows import Price, ProductRow, RowError

ROW = ProductRow(
    slug="linen-shirt",
    sku="LS-WHITE-M",
    name="Linen shirt",
    brand="Omni Basics",
    language="en",
    description='Cool, "light"\nlinen',
    categories=["/men/shirts", "/sale"],
    attributes={"material": "linen", "a|b": "x=y\\z"},
    options={"colour": "white", "size": "M"},
    barcode="5901234123457",
    weight_grams=180,
    prices={"web": Price(3999, "EUR"), "marketplace:allegro": Price(4199, "PLN", False)},
    stock={"BER-01": 5, "WH-LEJ": 0},
)


async def pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def parsed(data: bytes, fmt: reader.Format, size: int = 7) -> list[reader.Parsed]:
    return [item async for item in reader.parse(pieces(data, size), fmt)]


def csv_file(*records: list[str]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(rows.COLUMNS)
    writer.writerows(records)
    return out.getvalue().encode()


@pytest.mark.parametrize("size", [1, 3, 64, 10_000])
async def test_a_row_written_as_csv_or_jsonl_reads_back_the_same_in_any_pieces(size):
    as_csv = csv_file(ROW.to_csv(), ROW.to_csv())
    assert [(line, row) for line, row in await parsed(as_csv, "csv", size)] == [
        (2, ROW),
        (4, ROW),  # the description's line break makes the first record two lines long
    ]
    as_jsonl = (json.dumps(ROW.to_json()) + "\n\n" + json.dumps(ROW.to_json())).encode()
    assert await parsed(as_jsonl, "jsonl", size) == [(1, ROW), (3, ROW)]


async def test_a_bom_and_header_columns_in_any_order_are_read():
    data = "\ufeffsku,name,slug\nA-1,Thing,thing\n".encode()
    [(line, row)] = await parsed(data, "csv")
    assert (line, row.slug, row.sku, row.status, row.prices) == (2, "thing", "A-1", "active", {})


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ({"slug": " "}, "slug"),
        ({"sku": ""}, "sku"),
        ({"name": " "}, "name"),
        ({"status": "live"}, "status"),
        ({"categories": "women/shoes"}, "categories"),
        ({"attributes": "material"}, "attributes"),
        ({"options": "size=M|size=L"}, "options.size"),
        ({"weight_grams": "1.5"}, "weight_grams"),
        ({"prices": "web=19.99 EUR"}, "prices.web"),
        ({"prices": "web=1999 euro"}, "prices.web"),
        ({"prices": "tv=1999 EUR"}, "prices.tv"),
        ({"status": "draft", "prices": "web=1999 EUR"}, "prices.web"),
        ({"stock": "BER-01=-1"}, "stock.BER-01"),
        ({"stock": "BER-01=many"}, "stock.BER-01"),
    ],
)
def test_a_wrong_cell_is_named(cells, field):
    record = dict(zip(rows.COLUMNS, ROW.to_csv(), strict=True)) | cells
    with pytest.raises(RowError) as refused:
        rows.from_csv(record)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "white"}, "colour"),
        ({"weight_grams": -1}, "weight_grams"),
        ({"weight_grams": True}, "weight_grams"),
        ({"options": {"size": 42}}, "options.size"),
        ({"categories": "/men"}, "categories"),
        ({"prices": {"web": {"amount_minor": 1, "currency": "EUR", "sale": 1}}}, "prices.web.sale"),
        ({"prices": {"web": {"amount_minor": 1}}}, "prices.web.currency"),
        ({"stock": {"BER-01": "5"}}, "stock.BER-01"),
    ],
)
def test_a_wrong_json_field_is_named(change, field):
    with pytest.raises(RowError) as refused:
        rows.from_json(ROW.to_json() | change)
    assert refused.value.field == field


async def test_broken_lines_are_row_errors_and_a_broken_file_is_refused_whole():
    data = csv_file(ROW.to_csv()) + b"just,three,cells\n" + b'"never closed\n'
    found = await parsed(data, "csv")  # the first record is lines 2 and 3
    assert [(line, getattr(r, "field", None)) for line, r in found] == [(2, None), (4, ""), (5, "")]
    assert [line for line, _ in await parsed(b'{"slug": \n[1]\n', "jsonl")] == [1, 2]
    for data, fmt, says in [
        (b"", "csv", "empty"),
        (b"slug,sku,name,colour\n", "csv", "colour"),
        (b"slug,name\n", "csv", "'sku' is missing"),
        (b"slug,sku,name\n\xff\xfe\n", "csv", "not UTF-8"),
    ]:
        with pytest.raises(reader.FileError) as refused:
            await parsed(data, fmt)  # type: ignore[arg-type]
        assert says in str(refused.value)
