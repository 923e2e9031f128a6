"""A consent changed on the customer's request, from the customer 360 (consultants and admins,
as in the staff API, whose call this is: staff/customer_consents.py). The consent card is
answered again, with the API's refusal next to the field it names."""

from __future__ import annotations

from typing import Any

import grpc
import msgspec
from litestar import Controller, Request, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.response import Template

from omni_gateway import profiles
from omni_gateway.console.labels import N_
from omni_gateway.console.render import page, translate
from omni_gateway.console.session import PATH
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Channel, Principal
from omni_gateway.staff.customer_consents import CONSENT_RECORDERS, record_requested_consent
from omni_gateway.views.profile import ContactChannel, ContactPurpose, staff_profile_view
from omni_gateway.views.profile_requests import ConsentBody
from omni_kit.errors import error_details
from omni_kit.ids import new_id

# Where the customer asked: a call, a chat, the store's till.
ASKED_IN = (Channel.PHONE, Channel.MESSENGER, Channel.POS, Channel.SOCIAL)
CONSENT_FIELDS = ("channel", "purpose", "granted", "asked_in")


def consent_form(principal: Principal, **values: Any) -> dict[str, Any]:
    """The consent form's context (a fresh idempotency key: a form sent twice records once)."""
    return {
        "may_record_consent": principal.role in CONSENT_RECORDERS,
        "consent_key": new_id("consent"),
        "consent_form": {
            "channel": ContactChannel.EMAIL.value,
            "purpose": ContactPurpose.MARKETING.value,
            "granted": "no",
            "asked_in": Channel.PHONE.value,
        }
        | values,
        "contact_channels": [c.value for c in ContactChannel],
        "contact_purposes": [p.value for p in ContactPurpose],
        "asked_in_channels": [c.value for c in ASKED_IN],
        "consent_errors": {},
    }


class ConsoleConsents(Controller):
    path = PATH
    include_in_schema = False
    dependencies = {"principal": Provide(auth.staff)}

    @post("/customers/{profile_id:str}/consents")
    async def record(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, profile_id: str
    ) -> Template:
        form = await request.form()
        values = {name: str(form.get(name, "")).strip() for name in CONSENT_FIELDS}
        errors: dict[str, str] = {}
        try:
            asked_in = Channel(values["asked_in"])
            if asked_in not in ASKED_IN:
                raise ValueError(asked_in)
        except ValueError:
            errors["asked_in"] = translate(request, N_("Choose a channel from the list."))
        if values["granted"] not in ("yes", "no"):
            errors["granted"] = translate(request, N_("Choose whether the customer agrees."))
        body = {"channel": values["channel"], "purpose": values["purpose"]}
        profile = None
        if not errors:
            try:
                consent = msgspec.convert(
                    body | {"granted": values["granted"] == "yes"}, ConsentBody
                )
                profile = await record_requested_consent(
                    state, principal, asked_in, profile_id, consent
                )
            except msgspec.ValidationError as error:
                errors[_field_of(str(error))] = str(error)
            except grpc.aio.AioRpcError as error:
                details = error_details(error)
                if details.code is not grpc.StatusCode.INVALID_ARGUMENT:
                    raise
                errors[_field_of(details.field or "")] = details.message
        if profile is None:
            profile = staff_profile_view(await profiles.surviving(state, profile_id))
            context = consent_form(principal, **values) | {"consent_errors": errors}
            return page(
                request, "_consents.html", principal, status=422, profile=profile, **context
            )
        return page(
            request,
            "_consents.html",
            principal,
            profile=profile,
            consent_saved=True,
            trigger_event="timeline-changed",
            **consent_form(principal, asked_in=values["asked_in"]),
        )


def _field_of(message: str) -> str:
    """The form field an error names (msgspec's `at `$.channel`` or the service's field)."""
    _, _, path = message.rpartition("at `$.")
    name = (path or message).rstrip("`").split(".")[-1].split("[")[0]
    return name if name in CONSENT_FIELDS else "form"
