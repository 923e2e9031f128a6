"""A paper sale at the node, on a real SQLite journal: its time is read in the store's zone, it
takes none of its till's numbers, keyed again it is the same entry (whoever keys it), with other
content it is refused, and a number outside the store's blocks, a card without its token or above
the offline cap is refused naming the field."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from omni_kit.paper import paper_sale_id
from omni_store_node.domain.paper import PaperReceipt, WrittenLine, paper_sale
from omni_store_node.domain.payments import CardLimits
from omni_store_node.domain.sales import Customer, Price, SaleRefused, Wanted, priced_sale
from omni_store_node.store import LocalStore

PRICES = {"TEE-M": Price("TEE-M", "prod_1", "Tee", 1999, "EUR", 3)}
LIMITS = CardLimits("EUR", 5000, 100_000, 3600)
BLOCKS = [(101, 150), (301, 310)]
KYIV = ZoneInfo("Europe/Kyiv")
RECEIPT = PaperReceipt(
    number=120,
    till_id="till-1",
    written_at=datetime(2026, 12, 7, 14, 5),
    tender="cash",
    currency="EUR",
    lines=[WrittenLine("TEE-M", 2, 1899)],
)


def sale_of(receipt: PaperReceipt):
    return paper_sale(
        receipt,
        store_id="loc_1",
        blocks=BLOCKS,
        zone=KYIV,
        prices=PRICES,
        card_limits=LIMITS,
    )


async def test_a_paper_sale_is_kept_once_and_takes_no_till_number(tmp_path):
    store = LocalStore(tmp_path / "node.sqlite3")
    sale = sale_of(RECEIPT)
    assert sale.sale_id == paper_sale_id("loc_1", 120)
    assert sale.sold_at == datetime(2026, 12, 7, 12, 5, tzinfo=UTC)
    assert sale.total_minor == 3798  # at the price written, not the replica's
    kept, new = await store.journal.keep(sale)
    assert new and kept.till_number == 0 and kept.sold_offline
    again, again_new = await store.journal.keep(sale_of(replace(RECEIPT, staff_id="staff-2")))
    assert not again_new and again.sale == kept.sale
    till = priced_sale(
        sale_id=str(uuid.uuid4()),
        till_id="till-1",
        tender="cash",
        wanted=[Wanted("TEE-M", 1)],
        prices=PRICES,
        sold_at=datetime(2026, 12, 7, 15, 0, tzinfo=UTC),
    )
    assert (await store.journal.keep(till))[0].till_number == 1
    for other in (
        replace(RECEIPT, written_at=datetime(2026, 12, 7, 14, 6)),
        replace(RECEIPT, lines=[WrittenLine("TEE-M", 2, 1999)]),
        replace(RECEIPT, till_id="till-2"),
    ):
        with pytest.raises(SaleRefused) as refused:
            await store.journal.keep(sale_of(other))
        assert (refused.value.field, refused.value.status) == ("paper_receipt_number", 409)
    assert (await store.journal.counts())["waiting"] == 2
    store.close()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"number": 151}, "paper_receipt_number"),
        ({"number": 300}, "paper_receipt_number"),
        ({"tender": "gift_card"}, "tender"),
        ({"tender": "card"}, "card_token"),
        ({"tender": "card", "card_token": "tok_ok"}, "customer"),
        ({"lines": [WrittenLine("NOPE", 1, 100)]}, "lines[0].sku"),
        ({"lines": [WrittenLine("TEE-M", 0, 100)]}, "lines[0].quantity"),
        ({"lines": [WrittenLine("TEE-M", 1, -1)]}, "lines[0].unit_price_minor"),
        ({"currency": "USD"}, "currency"),
        ({"lines": []}, "lines"),
    ],
)
def test_a_paper_sale_that_cannot_be_one_is_refused_naming_the_field(changes, field):
    with pytest.raises(SaleRefused) as refused:
        sale_of(replace(RECEIPT, **changes))
    assert refused.value.field == field


def test_a_paper_card_is_a_stored_card_within_the_offline_cap():
    card = replace(
        RECEIPT, tender="card", card_token="tok_ok", customer=Customer(email="a@example.com")
    )
    assert sale_of(card).card_token == "tok_ok"
    with pytest.raises(SaleRefused) as refused:
        sale_of(replace(card, lines=[WrittenLine("TEE-M", 3, 1899)]))  # 56.97 > 50.00
    assert (refused.value.field, refused.value.status) == ("tender", 409)
    assert sale_of(replace(card, number=305)).paper_receipt_number == 305
