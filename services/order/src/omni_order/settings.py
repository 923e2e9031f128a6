from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from omni_kit.settings import ServiceSettings
from omni_order.carriers.settings import CarrierSettings

ProviderName = Literal["test", "stripe", "liqpay", "cashbill"]
PROVIDERS = ("test", "stripe", "liqpay", "cashbill", "cash_on_delivery", "pay_in_store", "none")
CHANNELS = ("*", "web", "app", "pos", "social", "messenger", "phone", "email", "marketplace")
METHODS = ("online_card", "cash_on_delivery", "pay_in_store")
TEST_PROVIDER_REFUSED = (
    "the test payment provider is refused in production (it authorizes made-up card tokens); "
    "choose stripe, liqpay or cashbill"
)


class OrderSettings(CarrierSettings, ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_ORDER_", extra="ignore", frozen=True)

    service_name: str = "order"
    grpc_port: int = Field(default=50053, ge=0, le=65535)
    mongo_database: str = "omni_order"
    catalog_addr: str = "127.0.0.1:50051"
    inventory_addr: str = "127.0.0.1:50052"
    downstream_timeout_seconds: float = Field(default=5.0, gt=0)
    # Cart lines hold stock for this long (inventory cart-hold reservations).
    cart_hold_seconds: int = Field(default=900, gt=0)
    # The country a channel taxes in until staff set one (ISO 3166-1 alpha-2); a class without
    # a rate there is taxed at 0 %.
    tax_default_country: str = Field(default="PL", pattern=r"^[A-Z]{2}$")
    # How long a service replica reuses tax rates and channel tax it read (its own writes
    # take effect at once).
    tax_cache_seconds: float = Field(default=30.0, ge=0)
    # A marketplace import holds its stock this long until its order's reservation replaces the
    # hold; an import that dies in between gives the stock back when it lapses.
    import_hold_seconds: int = Field(default=120, gt=0)
    # PlaceOrder answers within this (and within the caller's deadline): a saga still running
    # then (a slow payment provider) carries on, and the order is returned PENDING. It must stay
    # below the gateway's downstream timeout (OMNI_GATEWAY_DOWNSTREAM_TIMEOUT_SECONDS, 5 s).
    checkout_answer_seconds: float = Field(default=3.0, gt=0)
    # Who takes online card payments on every channel: stripe, liqpay, cashbill, or `test`
    # (decides by the card token, keeps its ledger in this service's store; dev and test only,
    # production refuses it).
    payment_provider: ProviderName = Field(default="test", validate_default=True)
    # Per channel and method, "<channel>:<method>" (web, app, pos, social, messenger, phone,
    # email, marketplace; online_card, cash_on_delivery, pay_in_store) to a provider name, as
    # JSON, e.g. {"pos:online_card": "liqpay"}. Cash on delivery and pay in store are providers
    # named so (the courier or the till records the payment); leave a method out of a channel
    # with "none".
    payment_routes: dict[str, str] = Field(default_factory=dict)
    # A provider that has not answered by then counts as failed; the saga compensates.
    payment_timeout_seconds: float = Field(default=5.0, gt=0)
    # One HTTP call to a provider; past it the call is retried with the same idempotency key.
    payment_http_timeout_seconds: float = Field(default=3.0, gt=0)
    # The public base URL providers post callbacks to (the gateway: {base}/hooks/payments/{name})
    # and where the customer returns after the provider's page ({order_id} is filled in).
    payment_notify_base_url: str = "http://127.0.0.1:8080"
    payment_return_url: str = "http://127.0.0.1:8080/api/v1/orders/{order_id}"
    # An order waiting for the customer at the provider is asked about this often (a lost
    # callback), and given up (payment failed, stock released) after payment_action_seconds.
    payment_status_poll_seconds: float = Field(default=30.0, gt=0)
    payment_action_seconds: float = Field(default=1800.0, gt=0)
    stripe_api_base: str = "https://api.stripe.com"
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    liqpay_api_base: str = "https://www.liqpay.ua"
    liqpay_public_key: str = ""
    liqpay_private_key: SecretStr | None = None
    cashbill_api_base: str = "https://pay.cashbill.pl/ws/rest"
    cashbill_shop_id: str = ""
    cashbill_secret: SecretStr | None = None
    # A saga whose document has not moved for this long is taken over by the resumer.
    saga_stale_seconds: float = Field(default=30.0, gt=0)
    saga_resume_interval_seconds: float = Field(default=5.0, gt=0)
    # A saga step a service cannot do now is retried with exponential backoff and jitter (the
    # first retry after about saga_retry_first_seconds, at most saga_retry_max_delay_seconds
    # apart). After saga_max_attempts failed attempts, or saga_max_seconds after the first
    # failure, it gives up: stock and holds are released, the payment voided, the order FAILED.
    saga_max_attempts: int = Field(default=12, ge=1)
    saga_max_seconds: float = Field(default=600.0, gt=0)
    saga_retry_first_seconds: float = Field(default=1.0, gt=0)
    saga_retry_max_delay_seconds: float = Field(default=60.0, gt=0)
    pickup_window_hours: float = Field(default=72.0, gt=0)
    # A reminder goes out this long before the pickup deadline.
    pickup_reminder_lead_hours: float = Field(default=24.0, ge=0)
    pickup_sweep_interval_seconds: float = Field(default=60.0, gt=0)
    # A checkout holds a use of each voucher before its order is written; a hold whose order
    # was never written (the process died in between) is given back after this long, by a
    # sweep this often. A checkout still running then is refused (VOUCHER_HOLD_LAPSED).
    voucher_hold_seconds: float = Field(default=300.0, gt=0)
    voucher_sweep_interval_seconds: float = Field(default=60.0, gt=0)
    # A store node not heard from for longer is shown offline (nodes report every few seconds).
    store_node_stale_seconds: float = Field(default=30.0, gt=0)
    # How often the seconds-since-last-report gauge of every store node is refreshed.
    store_node_gauge_seconds: float = Field(default=15.0, gt=0)
    # Sales totals are kept per day in each of these IANA zones (a report asks for one of them);
    # changing the list recounts every order once, in the background, at the next start.
    report_time_zones: Annotated[tuple[str, ...], NoDecode] = (
        "UTC",
        "Europe/Warsaw",
        "Europe/Kyiv",
    )

    @field_validator("payment_provider")
    @classmethod
    def _real_payments_in_production(cls, provider: str, info: ValidationInfo) -> str:
        if provider == "test" and info.data.get("environment") == "production":
            raise ValueError(TEST_PROVIDER_REFUSED)
        return provider

    @field_validator("payment_routes")
    @classmethod
    def _known_routes(cls, routes: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        for route, name in routes.items():
            channel, _, method = route.partition(":")
            if channel not in CHANNELS or method not in METHODS:
                raise ValueError(
                    f"{route!r} is not <channel>:<method> (channels: {', '.join(CHANNELS)}; "
                    f"methods: {', '.join(METHODS)})"
                )
            if name not in PROVIDERS:
                raise ValueError(f"{route} names {name!r}; one of {', '.join(PROVIDERS)}")
            if name == "test" and info.data.get("environment") == "production":
                raise ValueError(TEST_PROVIDER_REFUSED)
        return routes

    @model_validator(mode="after")
    def _credentials_for_used_providers(self) -> OrderSettings:
        needed = {
            "stripe": ("stripe_secret_key", "stripe_webhook_secret"),
            "liqpay": ("liqpay_public_key", "liqpay_private_key"),
            "cashbill": ("cashbill_shop_id", "cashbill_secret"),
        }
        for name in set(self.routes().values()):
            missing = [field for field in needed.get(name, ()) if not getattr(self, field)]
            if missing:
                names = ", ".join(f"OMNI_ORDER_{field.upper()}" for field in missing)
                raise ValueError(f"payments go to {name}, which needs {names}")
        return self

    def routes(self) -> dict[str, str]:
        """Every route: the defaults (online card to payment_provider, the offline methods to
        themselves) under the configured ones; "none" routes dropped."""
        routes = {
            "*:online_card": self.payment_provider,
            "*:cash_on_delivery": "cash_on_delivery",
            "*:pay_in_store": "pay_in_store",
        } | self.payment_routes
        return {route: name for route, name in routes.items() if name != "none"}

    @field_validator("saga_retry_max_delay_seconds")
    @classmethod
    def _not_below_the_first_delay(cls, value: float, info: ValidationInfo) -> float:
        first = info.data.get("saga_retry_first_seconds", 0.0)
        if value < first:
            raise ValueError(f"must be at least OMNI_ORDER_SAGA_RETRY_FIRST_SECONDS ({first})")
        return value

    @field_validator("report_time_zones", mode="before")
    @classmethod
    def _zones(cls, value: str | Iterable[str] | None) -> Iterable[str]:
        if isinstance(value, str):
            value = [zone.strip() for zone in value.split(",") if zone.strip()]
        for zone in value or ():
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {zone!r}") from None
        if not value:
            raise ValueError("name at least one time zone")
        return value
