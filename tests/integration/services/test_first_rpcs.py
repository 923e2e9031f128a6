"""Each service's first RPCs over real gRPC against its own database, with their events."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from omni.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from omni.catalog.v1 import events_pb2 as catalog_events
from omni.common.v1 import common_pb2
from omni.customer.v1 import customer_pb2, customer_pb2_grpc
from omni.customer.v1 import events_pb2 as customer_events
from omni.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from omni.notification.v1 import notification_pb2, notification_pb2_grpc
from omni.order.v1 import order_pb2, order_pb2_grpc
from omni_kit.errors import error_details


def shirt(slug: str = "linen-shirt", skus: tuple[str, ...] = ("LS-M",)) -> catalog_pb2.Product:
    return catalog_pb2.Product(
        slug=slug,
        default_language="en",
        texts={"en": catalog_pb2.LocalizedText(name="Linen shirt")},
        variants=[catalog_pb2.Variant(sku=sku) for sku in skus],
    )


async def next_event(nc, subject: str, message_type, match, timeout: float = 10.0):
    """The first event on `subject` for which `match(event)` holds (the stream is shared with
    other tests, so it may hold their events too)."""
    js = nc.jetstream()
    sub = await js.subscribe(subject, ordered_consumer=True)
    try:
        while True:
            msg = await sub.next_msg(timeout=timeout)
            event = message_type()
            event.ParseFromString(msg.data)
            if match(event):
                return msg, event
    finally:
        await sub.unsubscribe()


async def test_catalog_creates_a_product_reads_it_back_and_publishes_the_fact(start_service, nc):
    stub = catalog_pb2_grpc.CatalogServiceStub(await start_service("catalog"))
    created = (await stub.CreateProduct(catalog_pb2.CreateProductRequest(product=shirt()))).product
    assert created.id.startswith("prod_")
    assert created.version == 1
    assert created.status == catalog_pb2.PRODUCT_STATUS_DRAFT

    fetched = (await stub.GetProduct(catalog_pb2.GetProductRequest(product_id=created.id))).product
    assert fetched == created

    msg, event = await next_event(
        nc,
        "omni.catalog.product.created",
        catalog_events.ProductCreated,
        lambda event: event.product.id == created.id,
    )
    assert msg.headers["Nats-Msg-Id"] == event.meta.event_id
    assert event.meta.source == "catalog"


async def test_catalog_refuses_bad_and_duplicate_products_precisely(start_service):
    stub = catalog_pb2_grpc.CatalogServiceStub(await start_service("catalog"))
    await stub.CreateProduct(catalog_pb2.CreateProductRequest(product=shirt(skus=("A-1",))))

    cases = [
        (shirt(slug="Bad Slug"), grpc.StatusCode.INVALID_ARGUMENT, "product.slug"),
        (
            shirt(slug="other", skus=("B-1", "B-1")),
            grpc.StatusCode.INVALID_ARGUMENT,
            "product.variants",
        ),
        (
            shirt(slug="third", skus=("A-1",)),
            grpc.StatusCode.ALREADY_EXISTS,
            "product.variants.sku",
        ),
    ]
    for product, code, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.CreateProduct(catalog_pb2.CreateProductRequest(product=product))
        details = error_details(refused.value)
        assert (details.code, details.field) == (code, field), details

    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.GetProduct(catalog_pb2.GetProductRequest(product_id="prod_nope"))
    assert error_details(missing.value).reason == "PRODUCT_NOT_FOUND"


async def test_inventory_creates_and_reads_a_store_location(start_service):
    stub = inventory_pb2_grpc.InventoryServiceStub(await start_service("inventory"))
    location = inventory_pb2.StockLocation(
        code="BER-01",
        name="Berlin",
        kind=inventory_pb2.LOCATION_KIND_STORE,
        geo=common_pb2.GeoPoint(lat=52.5, lng=13.4),
        capabilities=inventory_pb2.LocationCapabilities(click_and_collect=True),
    )
    created = (
        await stub.CreateStockLocation(inventory_pb2.CreateStockLocationRequest(location=location))
    ).location
    fetched = (
        await stub.GetStockLocation(inventory_pb2.GetStockLocationRequest(location_id=created.id))
    ).location
    assert fetched == created
    assert fetched.capabilities.click_and_collect

    with pytest.raises(grpc.aio.AioRpcError) as taken:
        await stub.CreateStockLocation(inventory_pb2.CreateStockLocationRequest(location=location))
    assert error_details(taken.value).reason == "LOCATION_CODE_TAKEN"


async def test_order_gives_one_cart_per_customer_across_devices(start_service):
    # A new cart's currency is one its channel sells in: the catalog says which.
    await start_service("catalog")
    catalog = start_service.addresses["catalog"]
    stub = order_pb2_grpc.OrderServiceStub(await start_service("order", catalog_addr=catalog))

    def open_cart(channel: int):
        return stub.GetOrCreateCart(
            order_pb2.GetOrCreateCartRequest(
                customer_id="cus_1", channel=common_pb2.ChannelRef(channel=channel)
            )
        )

    laptop, phone = await asyncio.gather(
        open_cart(common_pb2.SALES_CHANNEL_WEB), open_cart(common_pb2.SALES_CHANNEL_APP)
    )
    assert laptop.cart.id == phone.cart.id
    assert [laptop.created, phone.created].count(True) == 1
    fetched = await stub.GetCart(order_pb2.GetCartRequest(cart_id=laptop.cart.id))
    assert fetched.cart.currency_code == "EUR"

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.GetOrCreateCart(order_pb2.GetOrCreateCartRequest())
    assert error_details(refused.value).field == "customer_id"


async def test_customer_is_found_by_phone_in_any_format(start_service, nc):
    stub = customer_pb2_grpc.CustomerServiceStub(await start_service("customer"))

    def by_phone(value: str, channel: int):
        identity = customer_pb2.Identity(kind=customer_pb2.IDENTITY_KIND_PHONE, value=value)
        return stub.FindOrCreateProfile(
            customer_pb2.FindOrCreateProfileRequest(
                identity=identity, channel=common_pb2.ChannelRef(channel=channel)
            )
        )

    first = await by_phone("+49 151 2345 6789", common_pb2.SALES_CHANNEL_MESSENGER)
    again = await by_phone("0151 23456789", common_pb2.SALES_CHANNEL_POS)
    assert first.created and not again.created
    assert again.profile.id == first.profile.id
    assert first.profile.identities[0].value == "+4915123456789"

    fetched = await stub.GetProfile(customer_pb2.GetProfileRequest(profile_id=first.profile.id))
    assert fetched.profile.id == first.profile.id

    _, event = await next_event(
        nc,
        "omni.customer.profile.created",
        customer_events.ProfileCreated,
        lambda event: event.profile.id == first.profile.id,
    )
    assert event.meta.source == "customer"

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await by_phone("12", common_pb2.SALES_CHANNEL_WEB)
    assert error_details(refused.value).field == "identity.value"


async def test_notification_saves_a_template_and_refuses_a_broken_one(start_service):
    stub = notification_pb2_grpc.NotificationServiceStub(await start_service("notification"))
    template = notification_pb2.Template(
        event_type="omni.order.order.confirmed",
        channel=common_pb2.CONTACT_CHANNEL_EMAIL,
        language="en",
        subject="Order {{ order_number }}",
        body="Thanks, {{ customer_name }}!",
    )
    saved = (
        await stub.UpsertTemplate(notification_pb2.UpsertTemplateRequest(template=template))
    ).template
    assert list(saved.variables) == ["customer_name", "order_number"]
    again = (
        await stub.UpsertTemplate(notification_pb2.UpsertTemplateRequest(template=template))
    ).template
    assert (again.id, again.version) == (saved.id, saved.version + 1)
    fetched = (
        await stub.GetTemplate(notification_pb2.GetTemplateRequest(template_id=saved.id))
    ).template
    assert fetched.body == template.body

    stale = notification_pb2.UpsertTemplateRequest(
        template=template, expected_version=saved.version
    )
    with pytest.raises(grpc.aio.AioRpcError) as conflict:
        await stub.UpsertTemplate(stale)
    assert conflict.value.code() == grpc.StatusCode.ABORTED

    broken = notification_pb2.Template()
    broken.CopyFrom(template)
    broken.body = "Thanks, {{ customer_name "
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.UpsertTemplate(notification_pb2.UpsertTemplateRequest(template=broken))
    assert error_details(refused.value).field == "template.body"
