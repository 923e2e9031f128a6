"""Wiring of the gateway: routes, auth state, error documents, OpenAPI, limits, tracing, and the
webhook and import workers running beside the HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import os
from datetime import timedelta

from litestar import Litestar, Router
from litestar.datastructures import MutableScopeHeaders, State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import Message, Scope
from pydantic import SecretStr

from omni_gateway import console, health, hooks, partner, shop, staff
from omni_gateway.bulk.calls import BulkCalls
from omni_gateway.bulk.jobs import Jobs
from omni_gateway.bulk.worker import ImportWorker
from omni_gateway.context import add_request_headers
from omni_gateway.downstream import Downstream
from omni_gateway.events import background_tasks
from omni_gateway.idempotency import call_scope_middleware
from omni_gateway.microcache import Microcache
from omni_gateway.openapi import (
    document_closed_bodies,
    document_files,
    document_links,
    document_problems,
    document_webhooks,
)
from omni_gateway.problems import EXCEPTION_HANDLERS
from omni_gateway.ratelimits import RateCounter, client_limit, partner_limit
from omni_gateway.security import passwords
from omni_gateway.security.account_codes import AccountCodes
from omni_gateway.security.accounts import Accounts
from omni_gateway.security.api_keys import ApiKeys
from omni_gateway.security.headers import cors_config, security_headers
from omni_gateway.security.path_ids import valid_path_ids
from omni_gateway.security.revocation import SessionGenerations
from omni_gateway.security.sealing import SECOND_FACTORS, WEBHOOK_SECRETS, SecretBox
from omni_gateway.security.second_factor import SecondFactors
from omni_gateway.security.tokens import TokenSigner
from omni_gateway.settings import GatewaySettings
from omni_gateway.store import INDEXES
from omni_gateway.webhooks.store import WebhookStore
from omni_kit.app import BackgroundTasks
from omni_kit.events import EventBus
from omni_kit.events.streams import StreamPolicy
from omni_kit.idempotency import Idempotency
from omni_kit.logs import get_logger
from omni_kit.store import StoreProbe, ensure_indexes, mongo_client

log = get_logger("omni.gateway")
PROBE_PATHS = ["^/healthz$", "^/readyz$"]
# omni_http_requests_total, omni_http_request_duration_seconds and omni_http_requests_in_progress
# by method, route template (`path`, never the raw path: bounded), status_code and app_name;
# the probes and paths no route matches are left out.
HTTP_METRICS = PrometheusConfig(
    app_name="omni-gateway",
    prefix="omni_http",
    group_path=True,
    exclude=PROBE_PATHS,
    exclude_unhandled_paths=True,
)
PUBLIC_ROUTES = [
    *health.ROUTES,
    *shop.ROUTES,
    *staff.ROUTES,
    *hooks.ROUTES,
]
PARTNER_ROUTES = [
    *partner.ROUTES,
]


def create_app(settings: GatewaySettings) -> Litestar:
    background: list[BackgroundTasks] = []

    # gRPC channels, the store client and NATS belong to the server's event loop: open at startup.
    async def start(app: Litestar) -> None:
        state = app.state
        passwords.use_peppers(
            settings.password_pepper.get_secret_value() if settings.password_pepper else None,
            settings.password_previous_pepper.get_secret_value()
            if settings.password_previous_pepper
            else None,
        )
        state.mongo = mongo_client(settings.mongo_uri, app_name="omni-gateway")
        state.store_probe = StoreProbe(
            settings.mongo_uri,
            app_name="omni-gateway-readiness",
            seconds=settings.readiness_timeout_seconds,
        )
        db = state.mongo[settings.mongo_database]
        await ensure_indexes(db, INDEXES)
        state.downstream = Downstream(settings)
        state.accounts = Accounts(
            db,
            timedelta(seconds=settings.refresh_token_ttl_seconds),
            timedelta(seconds=settings.session_max_age_seconds),
            settings.session_check_cache_seconds,
        )
        state.session_generations = SessionGenerations(
            state.accounts, settings.session_check_cache_seconds
        )
        state.account_codes = AccountCodes(db, settings.jwt_secret.get_secret_value())
        state.api_keys = ApiKeys(db)
        state.rate_counter = RateCounter(db, settings.rate_limit_store_timeout_seconds)
        state.webhooks = WebhookStore(db, SecretBox.from_settings(settings, WEBHOOK_SECRETS))
        await state.webhooks.seal_under_current_key()
        box = SecretBox.from_settings(settings, SECOND_FACTORS)
        state.second_factors = SecondFactors(state.accounts.staff, box)
        await state.second_factors.reseal()
        state.idempotency = Idempotency(state.mongo, db)
        state.imports = Jobs(db, settings.import_lease_seconds)
        state.bulk_calls = BulkCalls(state.downstream, settings.import_call_timeout_seconds)
        state.import_worker = ImportWorker(
            state.imports,
            state.bulk_calls,
            settings.import_poll_seconds,
            settings.import_retry_seconds,
        )
        if settings.admin_password is not None:
            username = settings.admin_username
            if await state.accounts.ensure_admin(
                username, settings.admin_password.get_secret_value()
            ):
                log.info("first_admin_created", username=username)
        state.bus = EventBus(
            settings.nats_url, service_name="gateway", streams=StreamPolicy.of(settings)
        )
        state.events_ready = asyncio.Event()
        background.append(background_tasks(state, settings))
        background[-1].start()

    async def stop(app: Litestar) -> None:
        for tasks in background:
            await tasks.stop(timeout=5)
        with contextlib.suppress(TimeoutError):  # never let a stuck NATS hold the shutdown
            await asyncio.wait_for(app.state.bus.close(), 5)
        await app.state.downstream.close()
        await app.state.store_probe.close()
        await app.state.mongo.close()

    app = Litestar(
        route_handlers=[
            *PUBLIC_ROUTES,
            Router("/", route_handlers=PARTNER_ROUTES, middleware=[partner_limit(settings)]),
            *console.routes(settings),
        ],
        template_config=console.template_config(),
        state=State(
            {
                "settings": settings,
                "browse_cache": Microcache(
                    settings.browse_cache_seconds, settings.browse_cache_stale_seconds
                ),
                "tokens": TokenSigner(
                    settings.jwt_secret.get_secret_value(),
                    timedelta(seconds=settings.access_token_ttl_seconds),
                    previous=_secret(settings.jwt_previous_secret),
                ),
            }
        ),
        guards=[valid_path_ids],
        on_startup=[start],
        on_shutdown=[stop],
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[
            add_request_headers,
            security_headers(settings),
            *([name_the_process] if settings.process_header else []),
        ],
        cors_config=cors_config(settings),
        middleware=[HTTP_METRICS.middleware, call_scope_middleware, client_limit(settings)],
        # One server span per request: no extra span per ASGI message (a third of the gateway's
        # CPU per request) and none for the probes that kubelets send every few seconds.
        plugins=[
            OpenTelemetryPlugin(
                OpenTelemetryConfig(exclude_spans=["receive", "send"], exclude=PROBE_PATHS)
            )
        ],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Omni API",
            version="2.0.0",
            description=(
                "One API for every audience: /api/v1 for frontends (customer JWT), /staff/v1 for "
                "store and call-centre staff (staff JWT with role and stores), /partner/v1 for "
                "marketplaces (API key). Errors are RFC 9457 problem documents."
            ),
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
            components=Components(
                security_schemes={
                    "bearerAuth": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
                    "apiKey": SecurityScheme(
                        type="apiKey", name="X-Api-Key", security_scheme_in="header"
                    ),
                }
            ),
        ),
    )
    document(app)
    return app


async def name_the_process(message: Message, scope: Scope) -> None:
    """Tests only (`process_header`): which worker process answered."""
    if message["type"] == "http.response.start":
        MutableScopeHeaders.from_message(message)["X-Omni-Process"] = str(os.getpid())


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value else None


def document(app: Litestar) -> None:
    """Completes the OpenAPI document once, when the app is made (no service is needed for it)."""
    document_problems(app)
    document_webhooks(app)
    document_closed_bodies(app)
    document_links(app)
    document_files(app)
