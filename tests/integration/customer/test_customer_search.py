# ruff: noqa: RUF001 - Cyrillic names are what is searched
"""Staff find customers by name the way they type it: any case, without diacritics, the start
of a word, Cyrillic names also in Latin letters; profiles stored before the search words get
them at start."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from omni.customer.v1 import customer_pb2 as pb
from omni.customer.v1 import customer_pb2_grpc
from omni_customer.server import create_app
from omni_customer.settings import CustomerSettings
from omni_kit.app import channel
from omni_kit.errors import error_details


async def names(customer, query: str, **options) -> list[str]:
    found, token = [], ""
    while True:
        reply = await customer.stub.FindProfiles(
            pb.FindProfilesRequest(query=query, page_size=2, page_token=token, **options)
        )
        found += [profile.display_name for profile in reply.profiles]
        token = reply.next_page_token
        if not token:
            return sorted(found)


async def test_names_are_found_folded_by_word_prefix_in_latin_and_cyrillic(customer):
    people = {
        "żaneta@example.com": "Żaneta Wiśniewska",
        "zanna@example.com": "Zanna Kowalska",
        "taras@example.com": "Тарас Шевченко",
        "olena@example.com": "Олена Шевчук",
        "kowalski.jan@example.com": "Jan K.",
    }
    for address, name in people.items():
        await customer.email(address, name)
    assert await names(customer, "zan") == ["Zanna Kowalska", "Żaneta Wiśniewska"]
    assert await names(customer, "ŻANETA") == ["Żaneta Wiśniewska"]
    assert await names(customer, "wisniewska zan") == ["Żaneta Wiśniewska"]
    assert await names(customer, "kowalsk") == ["Jan K.", "Zanna Kowalska"]  # e-mail name too
    assert await names(customer, "шевч") == ["Олена Шевчук", "Тарас Шевченко"]
    assert await names(customer, "shevchenko") == ["Тарас Шевченко"]
    assert await names(customer, "kowalska-zanna") == ["Zanna Kowalska"]
    assert await names(customer, "nobody") == []
    assert len(await names(customer, " ... ")) == 5  # no words: everyone
    assert await names(customer, "example") == []  # the e-mail's domain is not a name

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.FindProfiles(pb.FindProfilesRequest(query="x" * 101))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(refused.value).field == "query"
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.FindProfiles(pb.FindProfilesRequest(page_size=201))
    assert error_details(refused.value).field == "page_size"
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await customer.stub.FindProfiles(pb.FindProfilesRequest(page_token="%%%"))
    assert error_details(refused.value).field == "page_token"


async def test_a_renamed_profile_is_found_by_its_new_name_only(customer):
    anna = await customer.email("anna@example.com", "Anna Nowak")
    await customer.stub.UpdateProfile(
        pb.UpdateProfileRequest(
            profile=pb.Profile(id=anna.id, display_name="Anna Zielińska"),
            update_mask={"paths": ["display_name"]},
        )
    )
    assert await names(customer, "zielin") == ["Anna Zielińska"]
    assert await names(customer, "nowak") == []


async def test_profiles_stored_before_search_words_get_them_at_start(
    customer, mongo, mongo_uri, nats_url, db_name
):
    await customer.email("lodz@example.com", "Łucja Łódzka")
    profiles = mongo[f"{db_name}_customer"]["profiles"]
    await profiles.update_many({}, {"$unset": {"search": ""}})
    assert await names(customer, "lucja") == []
    settings = CustomerSettings(
        grpc_port=0, mongo_uri=mongo_uri, nats_url=nats_url, mongo_database=f"{db_name}_customer"
    )
    restarted = await create_app(settings)
    port = await restarted.start()
    try:
        async with channel(f"127.0.0.1:{port}") as ch:
            customer.stub = customer_pb2_grpc.CustomerServiceStub(ch)
            for _ in range(50):
                if await names(customer, "lucja"):
                    break
                await asyncio.sleep(0.1)
            assert await names(customer, "lucja") == ["Łucja Łódzka"]
    finally:
        await restarted.stop(grace=0)
