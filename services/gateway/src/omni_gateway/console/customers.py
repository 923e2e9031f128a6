"""The consultant's pages: find a customer, the customer 360 (profile, identities, consents,
addresses, loyalty, orders from every channel, the timeline with a channel filter), and notes
added to the timeline. Each calls what the staff API's routes call (profiles.py, the same
views), so the console shows and refuses exactly what the API does."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import grpc
import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.params import Parameter
from litestar.response import Redirect, Template

from omni_gateway import profiles
from omni_gateway.console import search
from omni_gateway.console.labels import N_
from omni_gateway.console.preferences import consent_form
from omni_gateway.console.render import page, translate
from omni_gateway.console.session import PATH
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import STORE_ROLES, Channel, Principal
from omni_gateway.staff.merges import MERGERS, profile_merges
from omni_gateway.views.profile import recent_order, staff_profile_view
from omni_gateway.views.profile_merges import MergePage
from omni_gateway.views.profile_requests import NoteBody, TimelineQuery
from omni_gateway.views.timeline import staff_timeline_page
from omni_kit.errors import error_details
from omni_kit.ids import new_id

TIMELINE_PAGE = 20
NOTE_TYPES = ("call_note", "chat_transcript", "store_visit", "note")
NOTE_CHANNELS = (Channel.PHONE, Channel.POS, Channel.MESSENGER, Channel.WEB, Channel.SOCIAL)
NOTE_FIELDS = ("type", "channel", "summary", "body")
# `channel=` (the filter's "all channels") is no channel.
ChannelParam = Annotated[str, Parameter(query="channel", max_length=20)]
Token = Annotated[str, Parameter(max_length=500)]


def note_form(principal: Principal, **values: Any) -> dict[str, Any]:
    """The note form's context: a fresh idempotency key (a form sent twice adds one note)."""
    channel = Channel.POS if principal.role in STORE_ROLES else Channel.PHONE
    return {
        "note_key": new_id("note"),
        "note": {"type": "call_note", "channel": channel.value, "summary": "", "body": ""} | values,
        "note_types": NOTE_TYPES,
        "note_channels": [c.value for c in NOTE_CHANNELS],
        "errors": {},
    }


def chosen_channel(value: str) -> Channel | None:
    if not value:
        return None
    try:
        return Channel(value)
    except ValueError:
        raise ValidationException(
            f"unknown channel {value!r}", extra=[{"key": "channel", "message": "unknown"}]
        ) from None


async def timeline_part(
    state: State, profile_id: str, channel: Channel | None, page_token: str
) -> dict[str, Any]:
    query = TimelineQuery(
        page_size=TIMELINE_PAGE,
        page_token=page_token or None,
        channels=[channel] if channel else None,
    )
    timeline = staff_timeline_page(await profiles.list_timeline(state, profile_id, query))
    return {
        "timeline": timeline,
        "channel": channel.value if channel else "",
        "profile_id": profile_id,
    }


class ConsoleCustomers(Controller):
    path = PATH
    include_in_schema = False
    dependencies = {"principal": Provide(auth.staff)}

    @get("/")
    async def home(self, principal: Principal) -> Redirect:
        return Redirect(f"{PATH}/customers", status_code=303)

    @get("/customers")
    async def find(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        q: Annotated[str, Parameter(max_length=256)] = "",
    ) -> Template:
        found = await search.find(state, principal, q)
        template = "_results.html" if request.headers.get("hx-request") else "find.html"
        return page(request, template, principal, q=q, found=found)

    @get("/customers/{profile_id:str}")
    async def customer(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        profile_id: str,
        channel: ChannelParam = "",
    ) -> Template | Redirect:
        shown = chosen_channel(channel)
        may_merge = principal.role in MERGERS
        # Every read at once, by the id asked for: the page waits for the slowest, not their sum
        # (a merged profile's redirect, which is rare, throws the other three away).
        profile, orders, timeline, merges = await asyncio.gather(
            profiles.surviving(state, profile_id),
            profiles.recent_orders(state, profile_id),
            timeline_part(state, profile_id, shown, ""),
            profile_merges(state, principal, profile_id) if may_merge else _no_merges(),
        )
        if profile.id != profile_id:  # merged: the survivor holds everything now
            return Redirect(f"{PATH}/customers/{profile.id}", status_code=303)
        return page(
            request,
            "customer.html",
            principal,
            profile=staff_profile_view(profile),
            may_merge=may_merge,
            merges=merges.merges if merges else [],
            orders=None if orders is None else [recent_order(order) for order in orders],
            channels=list(Channel),
            **timeline,
            **note_form(principal),
            **consent_form(principal),
        )

    @get("/customers/{profile_id:str}/timeline")
    async def timeline(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        profile_id: str,
        channel: ChannelParam = "",
        page_token: Token = "",
        more: bool = False,
    ) -> Template:
        part = await timeline_part(state, profile_id, chosen_channel(channel), page_token)
        template = "_timeline_entries.html" if more else "_timeline.html"
        return page(request, template, principal, channels=list(Channel), **part)

    @post("/customers/{profile_id:str}/notes")
    async def add_note(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, profile_id: str
    ) -> Template:
        form = await request.form()
        values = {name: str(form.get(name, "")).strip() for name in NOTE_FIELDS}
        errors: dict[str, str] = {}
        try:
            via = Channel(values["channel"])
            if via not in NOTE_CHANNELS:
                raise ValueError(via)
        except ValueError:
            errors["channel"] = translate(request, N_("Choose a channel from the list."))
        try:
            body = msgspec.convert({k: values[k] for k in ("type", "summary", "body")}, NoteBody)
        except msgspec.ValidationError as error:
            errors[_field_of(str(error), "summary")] = str(error)
        if not errors:
            try:
                await profiles.add_note(state, principal, via, profile_id, body)
            except grpc.aio.AioRpcError as error:
                details = error_details(error)
                if details.code is not grpc.StatusCode.INVALID_ARGUMENT:
                    raise
                errors[_form_field(details.field or "")] = details.message
        if errors:
            context = note_form(principal, **values) | {"errors": errors}
            return page(
                request, "_note_form.html", principal, status=422, profile_id=profile_id, **context
            )
        return page(
            request,
            "_note_form.html",
            principal,
            profile_id=profile_id,
            saved=True,
            trigger_event="timeline-changed",
            **note_form(principal, channel=values["channel"]),
        )


async def _no_merges() -> MergePage | None:
    return None


def _field_of(message: str, default: str) -> str:
    """The body field a msgspec error names (`... - at `$.summary``)."""
    _, _, path = message.rpartition("at `$.")
    name = path.rstrip("`").split(".")[0].split("[")[0]
    return name if name in NOTE_FIELDS else default


def _form_field(api_field: str) -> str:
    """The form field for a field a service names (`entry.summary` is the summary)."""
    last = api_field.rsplit(".", 1)[-1]
    return last if last in NOTE_FIELDS else "form"
