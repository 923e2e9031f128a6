"""Offline payment limits on a real journal: cash is never limited, a card sale beyond the
per-sale cap, the stored total or the maximum age is refused (and nothing is written), balance
tenders are refused offline, and each switch to offline logs the till and staff that sold first."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from omni_store_node.domain.payments import CardLimits, refuse_centre_balance
from omni_store_node.domain.sales import Price, SaleRefused, Wanted, priced_sale
from omni_store_node.store import LocalStore
from omni_store_node.store.journal import RECORDED, WAITING, Offline

TEE = {"TEE-M": Price("TEE-M", "prod_1", "Tee", 1999, "EUR", 3)}
MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
# 60.00 a card sale, 100.00 stored in all, an hour at most.
LIMITS = CardLimits("EUR", 6000, 10000, 3600)


def sale(tender: str, quantity: int = 1, at: datetime = MORNING, staff: str = "s-1"):
    return priced_sale(
        sale_id=str(uuid.uuid4()),
        till_id="till-1",
        tender=tender,
        wanted=[Wanted("TEE-M", quantity)],
        prices=TEE,
        sold_at=at,
        staff_id=staff,
    )


@pytest.fixture
def store(tmp_path):
    store = LocalStore(tmp_path / "node.sqlite3")
    yield store
    store.close()


async def refused(store: LocalStore, offline: Offline, tender: str, quantity: int = 1, **kw):
    with pytest.raises(SaleRefused) as refusal:
        await store.journal.keep(sale(tender, quantity, **kw), offline=offline)
    assert (refusal.value.status, refusal.value.field) == (409, "tender")
    return str(refusal.value)


async def test_the_per_sale_cap_refuses_a_card_while_cash_sells_on(store):
    offline = Offline(MORNING, LIMITS)
    assert "at most 6000" in await refused(store, offline, "card", quantity=4)  # 79.96
    cash, _ = await store.journal.keep(sale("cash", quantity=400), offline=offline)
    assert cash.sold_offline and cash.sale.total_minor == 799_600
    card, _ = await store.journal.keep(sale("card", quantity=3), offline=offline)  # 59.97
    assert card.state == WAITING
    assert (await store.journal.counts())[WAITING] == 2


async def test_the_stored_total_cap_counts_only_card_sales_not_yet_forwarded(store):
    offline = Offline(MORNING, LIMITS)
    first, _ = await store.journal.keep(sale("card", quantity=3), offline=offline)  # 59.97
    assert "would exceed 10000" in await refused(store, offline, "card", quantity=3)
    await store.journal.keep(sale("card", quantity=2), offline=offline)  # 99.95 stored
    # Forwarded: no longer the store's risk.
    await store.journal.settle(first.sale.sale_id, RECORDED, "ord_1")
    await store.journal.keep(sale("card", quantity=2), offline=offline)


async def test_concurrent_card_sales_never_pass_the_stored_cap_together(store):
    offline = Offline(MORNING, LIMITS)
    results = await asyncio.gather(
        *(store.journal.keep(sale("card"), offline=offline) for _ in range(10)),
        return_exceptions=True,
    )
    kept = [r for r in results if not isinstance(r, BaseException)]
    assert len(kept) == 5, "five sales of 19.99 fit under 100.00, the sixth does not"
    assert all(isinstance(r, SaleRefused) for r in results if isinstance(r, BaseException))


async def test_no_card_offline_once_the_oldest_stored_is_past_the_maximum_age(store):
    offline = Offline(MORNING, LIMITS)
    await store.journal.keep(sale("card"), offline=offline)
    later = MORNING + timedelta(seconds=3601)
    assert "older than 3600" in await refused(store, offline, "card", at=later)
    await store.journal.keep(sale("cash", at=later), offline=offline)


async def test_a_card_in_another_currency_than_the_limits_is_refused(store):
    offline = Offline(MORNING, CardLimits("PLN", 6000, 10000, 3600))
    assert "set in PLN" in await refused(store, offline, "card")


@pytest.mark.parametrize("tender", ["gift_card", "store_credit", "loyalty"])
def test_balances_at_the_centre_are_refused_offline(tender):
    with pytest.raises(SaleRefused) as refusal:
        refuse_centre_balance(tender)
    assert (refusal.value.status, refusal.value.field) == (409, "tender")


async def test_each_switch_to_offline_logs_the_till_and_staff_that_sold_first(store):
    first_outage = Offline(MORNING, LIMITS)
    second_outage = Offline(MORNING + timedelta(hours=2), LIMITS)
    opened = sale("cash", staff="anna")
    await store.journal.keep(opened, offline=first_outage)
    await store.journal.keep(sale("cash", staff="ben"), offline=first_outage)
    await store.journal.keep(sale("card", staff="ben"), offline=second_outage)
    await store.journal.keep(sale("cash", staff="carl"), offline=None)  # online: not a switch
    switches = await store.journal.offline_switches()
    assert [(s.offline_since, s.staff_id) for s in switches] == [
        (MORNING.isoformat(), "anna"),
        ((MORNING + timedelta(hours=2)).isoformat(), "ben"),
    ]
    assert switches[0].first_sale_id == opened.sale_id and switches[0].till_id == "till-1"
