"""The order aggregate: its lines, delivery, payments, shipments, history and saga state.

Enum values are the spelling documents store and queries use (`ORDER_STATUS_CONFIRMED`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from omni_order.domain.tax import TaxBreakdown
from omni_order.domain.values import Actor, ChannelRef, Money


class OrderStatus(Enum):
    UNSPECIFIED = "ORDER_STATUS_UNSPECIFIED"
    # Placed; the saga is running.
    PENDING = "ORDER_STATUS_PENDING"
    CONFIRMED = "ORDER_STATUS_CONFIRMED"
    PAYMENT_FAILED = "ORDER_STATUS_PAYMENT_FAILED"
    CANCELLED = "ORDER_STATUS_CANCELLED"
    PARTIALLY_FULFILLED = "ORDER_STATUS_PARTIALLY_FULFILLED"
    FULFILLED = "ORDER_STATUS_FULFILLED"
    READY_FOR_PICKUP = "ORDER_STATUS_READY_FOR_PICKUP"
    COLLECTED = "ORDER_STATUS_COLLECTED"
    SHIPPED = "ORDER_STATUS_SHIPPED"
    DELIVERED = "ORDER_STATUS_DELIVERED"
    PARTIALLY_RETURNED = "ORDER_STATUS_PARTIALLY_RETURNED"
    RETURNED = "ORDER_STATUS_RETURNED"
    # The saga gave up past its retry bound; stock and holds released.
    FAILED = "ORDER_STATUS_FAILED"
    # The payment waits for the customer at the provider (payments[0].next_action).
    ACTION_REQUIRED = "ORDER_STATUS_ACTION_REQUIRED"

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


class OrderLineStatus(Enum):
    UNSPECIFIED = "ORDER_LINE_STATUS_UNSPECIFIED"
    OPEN = "ORDER_LINE_STATUS_OPEN"
    PARTIALLY_FULFILLED = "ORDER_LINE_STATUS_PARTIALLY_FULFILLED"
    FULFILLED = "ORDER_LINE_STATUS_FULFILLED"
    CANCELLED = "ORDER_LINE_STATUS_CANCELLED"
    PARTIALLY_RETURNED = "ORDER_LINE_STATUS_PARTIALLY_RETURNED"
    RETURNED = "ORDER_LINE_STATUS_RETURNED"


class PaymentMethod(Enum):
    UNSPECIFIED = "PAYMENT_METHOD_UNSPECIFIED"
    ONLINE_CARD = "PAYMENT_METHOD_ONLINE_CARD"
    CASH_ON_DELIVERY = "PAYMENT_METHOD_CASH_ON_DELIVERY"
    PAY_IN_STORE = "PAYMENT_METHOD_PAY_IN_STORE"
    # Paid to the marketplace (imported orders).
    MARKETPLACE = "PAYMENT_METHOD_MARKETPLACE"


class PaymentStatus(Enum):
    UNSPECIFIED = "PAYMENT_STATUS_UNSPECIFIED"
    PENDING = "PAYMENT_STATUS_PENDING"
    AUTHORIZED = "PAYMENT_STATUS_AUTHORIZED"
    CAPTURED = "PAYMENT_STATUS_CAPTURED"
    DECLINED = "PAYMENT_STATUS_DECLINED"
    FAILED = "PAYMENT_STATUS_FAILED"
    VOIDED = "PAYMENT_STATUS_VOIDED"
    PARTIALLY_REFUNDED = "PAYMENT_STATUS_PARTIALLY_REFUNDED"
    REFUNDED = "PAYMENT_STATUS_REFUNDED"
    ACTION_REQUIRED = "PAYMENT_STATUS_ACTION_REQUIRED"


class RefundStatus(Enum):
    UNSPECIFIED = "REFUND_STATUS_UNSPECIFIED"
    PENDING = "REFUND_STATUS_PENDING"
    SUCCEEDED = "REFUND_STATUS_SUCCEEDED"
    FAILED = "REFUND_STATUS_FAILED"
    # The provider cannot refund through its API: staff refund in its panel.
    STAFF_ACTION = "REFUND_STATUS_STAFF_ACTION"


class ShipmentStatus(Enum):
    UNSPECIFIED = "SHIPMENT_STATUS_UNSPECIFIED"
    CREATED = "SHIPMENT_STATUS_CREATED"
    SHIPPED = "SHIPMENT_STATUS_SHIPPED"
    DELIVERED = "SHIPMENT_STATUS_DELIVERED"


class CancellationReason(Enum):
    UNSPECIFIED = "CANCELLATION_REASON_UNSPECIFIED"
    CUSTOMER_REQUEST = "CANCELLATION_REASON_CUSTOMER_REQUEST"
    STAFF_DECISION = "CANCELLATION_REASON_STAFF_DECISION"
    OUT_OF_STOCK = "CANCELLATION_REASON_OUT_OF_STOCK"
    PAYMENT_FAILED = "CANCELLATION_REASON_PAYMENT_FAILED"
    PICKUP_NOT_COLLECTED = "CANCELLATION_REASON_PICKUP_NOT_COLLECTED"
    PARTNER_REQUEST = "CANCELLATION_REASON_PARTNER_REQUEST"
    FRAUD_SUSPECTED = "CANCELLATION_REASON_FRAUD_SUSPECTED"
    OTHER = "CANCELLATION_REASON_OTHER"


class SagaStep(Enum):
    UNSPECIFIED = "SAGA_STEP_UNSPECIFIED"
    RESERVE_STOCK = "SAGA_STEP_RESERVE_STOCK"
    AUTHORIZE_PAYMENT = "SAGA_STEP_AUTHORIZE_PAYMENT"
    CONFIRM_ORDER = "SAGA_STEP_CONFIRM_ORDER"
    VOID_PAYMENT = "SAGA_STEP_VOID_PAYMENT"
    RELEASE_STOCK = "SAGA_STEP_RELEASE_STOCK"
    DONE = "SAGA_STEP_DONE"


class SagaStatus(Enum):
    UNSPECIFIED = "SAGA_STATUS_UNSPECIFIED"
    RUNNING = "SAGA_STATUS_RUNNING"
    COMPLETED = "SAGA_STATUS_COMPLETED"
    COMPENSATING = "SAGA_STATUS_COMPENSATING"
    # Failed and fully compensated.
    COMPENSATED = "SAGA_STATUS_COMPENSATED"


class DeliveryMode(Enum):
    UNSPECIFIED = "DELIVERY_MODE_UNSPECIFIED"
    HOME_DELIVERY = "DELIVERY_MODE_HOME_DELIVERY"
    CLICK_AND_COLLECT = "DELIVERY_MODE_CLICK_AND_COLLECT"
    SHIP_TO_STORE = "DELIVERY_MODE_SHIP_TO_STORE"


@dataclass(frozen=True)
class Address:
    name: str = ""
    lines: list[str] = field(default_factory=list)
    city: str = ""
    postal_code: str = ""
    region: str = ""
    country_code: str = ""
    phone: str = ""


@dataclass(frozen=True)
class GeoPoint:
    lat: float = 0.0
    lng: float = 0.0


@dataclass(frozen=True)
class CarrierPickupPoint:
    """A carrier's branch or parcel locker a parcel is sent to."""

    id: str = ""
    carrier: str = ""
    kind: str = ""
    name: str = ""
    address: str = ""
    city: str = ""
    number: str = ""
    geo: GeoPoint | None = None
    max_weight_grams: int = 0


@dataclass
class Delivery:
    mode: DeliveryMode = DeliveryMode.UNSPECIFIED
    option_id: str = ""
    address: Address | None = None
    geo: GeoPoint | None = None
    pickup_location_id: str = ""
    carrier: str = ""
    service_level: str = ""
    price: Money = field(default_factory=Money)
    estimated_at: datetime | None = None
    carrier_pickup_point: CarrierPickupPoint | None = None
    # Taxed as a line of the standard class (domain/checkout.py, charged_delivery).
    tax: TaxBreakdown | None = None


@dataclass
class Pickup:
    """Click & collect and ship-to-store: the code shown at the counter and its deadline."""

    code: str = ""
    deadline: datetime | None = None
    ready_at: datetime | None = None
    collected_at: datetime | None = None
    reminders_sent: int = 0


@dataclass
class OrderLine:
    line_id: str
    sku: str
    product_id: str = ""
    product_name: str = ""
    quantity: int = 0
    unit_price: Money = field(default_factory=Money)
    line_total: Money = field(default_factory=Money)
    status: OrderLineStatus = OrderLineStatus.UNSPECIFIED
    cancelled_quantity: int = 0
    fulfilled_quantity: int = 0
    returned_quantity: int = 0
    # Where the units are sourced from (the reservation's locations).
    source_location_ids: list[str] = field(default_factory=list)
    # Marketplace orders: the partner's own line id.
    partner_line_id: str = ""
    # An exchange's replacement line: the line it replaces.
    exchange_for_line_id: str = ""
    listing_version: int = 0
    # The whole line's amounts at the rate charged when it was placed (None: placed before
    # tax was kept; read as charged with no tax in it).
    tax: TaxBreakdown | None = None
    # The vouchers' discount on the line (listed-price terms; its tax is on what is left).
    discount: Money | None = None


@dataclass(frozen=True)
class LineQuantity:
    """Units of one order line (its SKU alongside, for people and events)."""

    line_id: str
    quantity: int = 0
    sku: str = ""


@dataclass
class Refund:
    id: str
    amount: Money = field(default_factory=Money)
    status: RefundStatus = RefundStatus.UNSPECIFIED
    return_id: str = ""
    reason: str = ""
    provider_ref: str = ""
    created_at: datetime | None = None
    completed_at: datetime | None = None
    tax: Money | None = None


@dataclass(frozen=True)
class PaymentAction:
    """A step the customer takes at the payment provider (a redirect, or a client secret)."""

    kind: str = ""
    url: str = ""
    http_method: str = ""
    form_fields: dict[str, str] = field(default_factory=dict)
    client_secret: str = ""


@dataclass
class Payment:
    id: str
    method: PaymentMethod = PaymentMethod.UNSPECIFIED
    status: PaymentStatus = PaymentStatus.UNSPECIFIED
    amount: Money = field(default_factory=Money)
    # None until the money is taken, and until any is given back.
    captured_amount: Money | None = None
    refunded_amount: Money | None = None
    provider: str = ""
    provider_ref: str = ""
    failure_reason: str = ""
    refunds: list[Refund] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    next_action: PaymentAction | None = None

    @property
    def captured(self) -> int:
        return self.captured_amount.amount_minor if self.captured_amount else 0

    @property
    def refunded(self) -> int:
        return self.refunded_amount.amount_minor if self.refunded_amount else 0


@dataclass
class Shipment:
    id: str
    source_location_id: str = ""
    # Ship-to-store: the pickup store it goes to.
    destination_location_id: str = ""
    lines: list[LineQuantity] = field(default_factory=list)
    carrier: str = ""
    tracking_number: str = ""
    status: ShipmentStatus = ShipmentStatus.UNSPECIFIED
    created_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    # The carrier's waybill reference and its last tracking status ("in_transit"...).
    carrier_ref: str = ""
    tracking_status: str = ""


@dataclass
class OrderTotals:
    subtotal: Money = field(default_factory=Money)
    delivery: Money = field(default_factory=Money)
    discount: Money = field(default_factory=Money)
    # subtotal + delivery - discount, after cancelled lines.
    total: Money = field(default_factory=Money)
    refunded: Money = field(default_factory=Money)
    # What the order charges after cancelled units, the delivery included (net + tax = total),
    # and per rate.
    net: Money | None = None
    tax: Money | None = None
    tax_lines: list[TaxBreakdown] = field(default_factory=list)
    refunded_tax: Money | None = None


@dataclass(frozen=True)
class OrderHistoryEntry:
    """One change of the order: who caused it, through which channel, and the units it moved."""

    at: datetime
    action: str
    from_status: OrderStatus = OrderStatus.UNSPECIFIED
    to_status: OrderStatus = OrderStatus.UNSPECIFIED
    actor: Actor = field(default_factory=Actor)
    channel: ChannelRef = field(default_factory=ChannelRef)
    reason: str = ""
    lines: list[LineQuantity] = field(default_factory=list)


@dataclass
class SagaState:
    """The place-order saga's stored state (it resumes from here after a crash)."""

    step: SagaStep = SagaStep.UNSPECIFIED
    status: SagaStatus = SagaStatus.UNSPECIFIED
    attempts: int = 0
    last_error: str = ""
    updated_at: datetime | None = None
    # After a failed attempt: when the next one may run (the resumer waits until then).
    next_attempt_at: datetime | None = None
    first_failed_at: datetime | None = None
    # The step it gave up on past the retry bound.
    failed_step: SagaStep = SagaStep.UNSPECIFIED


@dataclass(frozen=True)
class MarketplaceBuyer:
    buyer_id: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass
class Order:
    id: str
    number: str = ""
    version: int = 0
    status: OrderStatus = OrderStatus.UNSPECIFIED
    # Empty for an anonymous POS sale.
    customer_id: str = ""
    channel: ChannelRef = field(default_factory=ChannelRef)
    partner_order_id: str = ""
    buyer: MarketplaceBuyer | None = None
    cart_id: str = ""
    lines: list[OrderLine] = field(default_factory=list)
    delivery: Delivery = field(default_factory=Delivery)
    pickup: Pickup | None = None
    payments: list[Payment] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    return_ids: list[str] = field(default_factory=list)
    totals: OrderTotals = field(default_factory=OrderTotals)
    history: list[OrderHistoryEntry] = field(default_factory=list)
    saga: SagaState = field(default_factory=SagaState)
    # The inventory reservation holding the order's stock.
    reservation_id: str = ""
    cancellation_reason: CancellationReason = CancellationReason.UNSPECIFIED
    # Why the order failed or was cancelled, for people.
    status_reason: str = ""
    placed_at: datetime | None = None
    confirmed_at: datetime | None = None
    updated_at: datetime | None = None
    # The customer's note at checkout.
    note: str = ""
    tax_country_code: str = ""
    prices_include_tax: bool = False
    # The vouchers the order redeemed.
    voucher_codes: list[str] = field(default_factory=list)
