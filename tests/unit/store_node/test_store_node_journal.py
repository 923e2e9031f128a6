"""The node's journal on a real SQLite file: gapless numbers per till, a till's retry is the same
sale, another sale under a used id is refused, and what is kept is there after reopening."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from datetime import UTC, datetime

import pytest

from omni_store_node.domain.payments import CardLimits
from omni_store_node.domain.sales import Price, SaleRefused, Wanted, priced_sale
from omni_store_node.store import LocalStore
from omni_store_node.store.journal import RECORDED, WAITING, Offline

PRICES = {
    "TEE-M": Price("TEE-M", "prod_1", "Tee", 1999, "EUR", 3),
    "CAP": Price("CAP", "prod_2", "Cap", 500, "EUR", 1),
    "MUG": Price("MUG", "prod_3", "Mug", 700, "USD", 1),
}
# Offline since a morning, with card limits that no sale here comes near.
OFFLINE = Offline(datetime(2026, 12, 7, 9, 0, tzinfo=UTC), CardLimits("EUR", 10**9, 10**12, 10**6))


def sale(till: str, sale_id: str | None = None, quantity: int = 1, tender: str = "cash"):
    return priced_sale(
        sale_id=sale_id or str(uuid.uuid4()),
        till_id=till,
        tender=tender,
        wanted=[Wanted("TEE-M", quantity), Wanted("CAP", 2)],
        prices=PRICES,
        sold_at=datetime(2026, 12, 7, 10, 0, tzinfo=UTC),
    )


async def test_numbers_are_gapless_per_till_under_concurrent_sales(tmp_path):
    store = LocalStore(tmp_path / "node.sqlite3")
    kept = await asyncio.gather(
        *(store.journal.keep(sale(f"till-{n % 3}"), offline=OFFLINE) for n in range(60))
    )
    for till in ("till-0", "till-1", "till-2"):
        numbers = sorted(entry.till_number for entry, _ in kept if entry.sale.till_id == till)
        assert numbers == list(range(1, 21))
    store.close()


async def test_a_retry_is_the_same_sale_and_another_sale_under_its_id_is_refused(tmp_path):
    store = LocalStore(tmp_path / "node.sqlite3")
    first, new = await store.journal.keep(
        sale("till-1", "7d8f4a52-8a8e-4c43-9d55-5a4f1f5b0c11"), offline=None
    )
    again, again_new = await store.journal.keep(
        sale("till-1", "7d8f4a52-8a8e-4c43-9d55-5a4f1f5b0c11"), offline=OFFLINE
    )
    assert (new, again_new) == (True, False)
    assert again.till_number == first.till_number == 1
    assert again.sold_offline is False
    with pytest.raises(SaleRefused) as refused:
        await store.journal.keep(sale("till-1", first.sale.sale_id, quantity=3), offline=OFFLINE)
    assert refused.value.status == 409
    assert refused.value.field == "sale_id"
    assert (await store.journal.counts())[WAITING] == 1
    store.close()


async def test_what_was_kept_is_there_after_reopening_with_wal_and_full_sync(tmp_path):
    path = tmp_path / "node.sqlite3"
    store = LocalStore(path)
    entry, _ = await store.journal.keep(sale("till-2", tender="card"), offline=OFFLINE)
    await store.journal.settle(entry.sale.sale_id, RECORDED, "ord_1")
    store.close()
    reopened = LocalStore(path)
    back = await reopened.journal.get(entry.sale.sale_id)
    assert back is not None
    assert back.sale == entry.sale
    assert (back.state, back.order_id, back.till_number) == (RECORDED, "ord_1", 1)
    reopened.close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


async def test_a_recorded_sale_is_not_settled_again(tmp_path):
    store = LocalStore(tmp_path / "node.sqlite3")
    entry, _ = await store.journal.keep(sale("till-1"), offline=OFFLINE)
    await store.journal.settle(entry.sale.sale_id, RECORDED, "ord_1")
    await store.journal.settle(entry.sale.sale_id, RECORDED, "ord_2")
    assert (await store.journal.get(entry.sale.sale_id)).order_id == "ord_1"
    assert await store.journal.waiting(10) == []
    store.close()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sale_id": "12"}, "sale_id"),
        ({"till_id": ""}, "till_id"),
        ({"tender": "cheque"}, "tender"),
        ({"wanted": []}, "lines"),
        ({"wanted": [Wanted("TEE-M", 0)]}, "lines[0].quantity"),
        ({"wanted": [Wanted("NOPE", 1)]}, "lines[0].sku"),
        ({"wanted": [Wanted("TEE-M", 1), Wanted("MUG", 1)]}, "lines"),
    ],
)
def test_a_sale_the_node_cannot_take_names_what_was_wrong(changes, field):
    request = {
        "sale_id": str(uuid.uuid4()),
        "till_id": "till-1",
        "tender": "cash",
        "wanted": [Wanted("TEE-M", 1)],
        "prices": PRICES,
        "sold_at": datetime.now(UTC),
    } | changes
    with pytest.raises(SaleRefused) as refused:
        priced_sale(**request)
    assert refused.value.field == field


def test_the_node_prices_from_its_replica_in_minor_units():
    priced = sale("till-1", quantity=2)
    assert priced.total_minor == 2 * 1999 + 2 * 500
    assert priced.currency == "EUR"
