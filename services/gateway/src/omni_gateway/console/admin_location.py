"""The admin's page for one location: change its name, address, time zone, weekly opening
hours and what it does, close it or open it again. Admins only, as in the staff API, whose code
this page calls (staff/locations.py). The form carries the version it was read at, so a change
made meanwhile is refused with the API's message rather than overwritten."""

from __future__ import annotations

import re
from collections.abc import Coroutine
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.response import Redirect, Template

from omni_gateway.catalog_calls import invalid
from omni_gateway.console.admin_catalog import Refusal, refusal, require_admin
from omni_gateway.console.labels import LABELS, N_
from omni_gateway.console.render import page, translate
from omni_gateway.console.session import PATH
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Principal
from omni_gateway.staff.locations import change_location, read_location
from omni_gateway.views.location import LocationFlags, location_view
from omni_gateway.views.location_requests import LocationChanges

FIELDS = ("name", "lines", "city", "postal_code", "time_zone", "opening_hours", "flags", "status")
FLAGS = tuple(LocationFlags.__struct_fields__)
INTERVAL = re.compile(r"(\S+)\s+([^\s\-\u2013]+)\s*[-\u2013]\s*(\S+)")


class HoursNotRead(ValueError):
    """A line of the hours box that is not "weekday HH:MM-HH:MM"."""


def weekday_words(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Each weekday (the API's word) as the page's language writes it in the hours box."""
    return {day: translate(request, word) for day, word in LABELS["weekday"].items()}


def hours_of(text: str, words: dict[str, str]) -> list[dict[str, str]]:
    """ "monday 09:00-20:00", one interval a line, as the API's opening hours; a weekday in the
    page's language (`words`) or the API's; any other word goes on for the API to refuse."""
    days = {day: day for day in words} | {word.casefold(): day for day, word in words.items()}
    hours = []
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        matched = INTERVAL.fullmatch(line)
        if matched is None:
            raise HoursNotRead(line)
        weekday, opens, closes = matched.groups()
        day = days.get(weekday.casefold(), weekday.lower())
        hours.append({"weekday": day, "opens": opens, "closes": closes})
    return hours


def version_of(form: Any) -> int:
    """The version the form was read at; none is refused (it would overwrite any change)."""
    given = str(form.get("version", ""))
    if not given.isdigit() or int(given) == 0:
        raise invalid("version", "the form lost the version it was read at; load the page again")
    return int(given)


def hours_text(hours: list[Any], words: dict[str, str]) -> str:
    return "\n".join(f"{words.get(h.weekday, h.weekday)} {h.opens}-{h.closes}" for h in hours)


class ConsoleLocation(Controller):
    path = f"{PATH}/admin/locations/{{location_id:str}}"
    include_in_schema = False
    dependencies = {"principal": Provide(auth.staff)}

    @get("/")
    async def location(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, location_id: str
    ) -> Template:
        require_admin(principal)
        return await self._page(request, state, principal, location_id)

    @post("/")
    async def change(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, location_id: str
    ) -> Template | Redirect:
        require_admin(principal)
        form = await request.form()
        values = {name: str(form.get(name, "")).strip() for name in FIELDS}

        async def body() -> dict[str, Any]:
            try:
                hours = hours_of(values["opening_hours"], weekday_words(request))
            except HoursNotRead as line:
                message = translate(
                    request, N_("Write one interval a line, such as monday 09:00-20:00.")
                )
                raise invalid("opening_hours", f"{message} ({line})") from None
            current = location_view(await read_location(state, location_id))
            address = msgspec.to_builtins(current.address) if current.address else {}
            lines = [line.strip() for line in values["lines"].splitlines() if line.strip()]
            return {
                "name": values["name"],
                "time_zone": values["time_zone"],
                "address": address
                | {"lines": lines, "city": values["city"], "postal_code": values["postal_code"]},
                "opening_hours": hours,
                "flags": {flag: form.get(flag) == "on" for flag in FLAGS},
            }

        return await self._save(request, state, principal, location_id, form, body())

    @post("/status")
    async def status(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, location_id: str
    ) -> Template | Redirect:
        """Close it (it sells, ships and is listed no more; nothing is deleted) or reopen it."""
        require_admin(principal)
        form = await request.form()

        async def body() -> dict[str, Any]:
            return {"status": str(form.get("status", ""))}

        return await self._save(request, state, principal, location_id, form, body())

    async def _save(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        location_id: str,
        form: Any,
        body: Coroutine[Any, Any, dict[str, Any]],
    ) -> Template | Redirect:
        """The body (built inside, so a form that does not read is refused like the API's own
        refusals), sent at the form's version."""
        try:
            changes = msgspec.convert(await body, LocationChanges)
            await change_location(state, location_id, changes, version_of(form))
        except Refusal as error:
            errors = refusal(error, FIELDS)
            return await self._page(
                request, state, principal, location_id, status=422, form=form, errors=errors
            )
        return Redirect(f"{PATH}/admin/locations/{location_id}?saved=1", status_code=303)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        location_id: str,
        *,
        status: int = 200,
        form: Any = None,
        errors: dict[str, str] | None = None,
    ) -> Template:
        """The location as the service has it now; a refused form keeps what was typed and
        the version it was read at (a conflict stays one until the page is loaded again)."""
        found = await read_location(state, location_id)
        location = location_view(found)
        address = location.address
        shown = {
            "name": location.name,
            "lines": "\n".join(address.lines) if address else "",
            "city": address.city if address else "",
            "postal_code": address.postal_code if address else "",
            "time_zone": location.time_zone,
            "opening_hours": hours_text(location.opening_hours, weekday_words(request)),
        }
        typed = {name: str(form.get(name, "")) for name in shown} if form else {}
        return page(
            request,
            "admin_location.html",
            principal,
            status=status,
            location=location,
            version=version_of(form) if form else found.version,
            values=shown | typed,
            flags={
                flag: form.get(flag) == "on" if form else getattr(location.flags, flag)
                for flag in FLAGS
            },
            errors=errors or {},
            saved=request.query_params.get("saved", ""),
        )
