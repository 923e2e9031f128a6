"""The admin's pages for locations (list, open one) and for bulk imports (start one from an
uploaded file, watch its progress). Admins only, as in the staff API, whose code these pages
call (staff/locations.py, staff/imports.py); a refusal is shown next to the field it names."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.params import Parameter
from litestar.response import Redirect, Template

from omni_gateway.bulk import reader
from omni_gateway.console.admin_catalog import PAGE, Refusal, refusal, require_admin
from omni_gateway.console.labels import N_
from omni_gateway.console.render import page, translate
from omni_gateway.console.session import PATH
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Principal
from omni_gateway.staff.imports import import_job, import_page, receive_import
from omni_gateway.staff.locations import create_location, location_page
from omni_gateway.views.location import LocationKind
from omni_gateway.views.location_requests import NewLocation

Token = Annotated[str, Parameter(max_length=500)]
City = Annotated[str, Parameter(max_length=100)]
LOCATION_FIELDS = ("code", "name", "kind", "city", "lines", "postal_code", "time_zone")
FORMATS: dict[str, reader.Format] = {".csv": "csv", ".jsonl": "jsonl"}
UPLOAD_BLOCK = 64 * 1024


def location_form(**values: str) -> dict[str, Any]:
    empty = dict.fromkeys(LOCATION_FIELDS, "") | {"kind": "store", "time_zone": "Europe/Warsaw"}
    return {"new": empty | values, "kinds": [k.value for k in LocationKind], "errors": {}}


async def _blocks(upload: UploadFile) -> AsyncIterator[bytes]:
    while block := await upload.read(UPLOAD_BLOCK):
        yield block


class ConsoleSites(Controller):
    path = f"{PATH}/admin"
    include_in_schema = False
    dependencies = {"principal": Provide(auth.staff)}

    @get("/locations")
    async def locations(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        city: City = "",
        page_token: Token = "",
    ) -> Template:
        require_admin(principal)
        return await self._locations(request, state, principal, city, page_token)

    @post("/locations")
    async def create(
        self, request: Request[Any, Any, Any], state: State, principal: Principal
    ) -> Template | Redirect:
        require_admin(principal)
        form = await request.form()
        values = {name: str(form.get(name, "")).strip() for name in LOCATION_FIELDS}
        body = {
            "code": values["code"],
            "name": values["name"],
            "kind": values["kind"],
            "time_zone": values["time_zone"],
            "address": {
                "lines": [values["lines"]] if values["lines"] else [],
                "city": values["city"],
                "postal_code": values["postal_code"],
            },
        }
        try:
            created = await create_location(state, msgspec.convert(body, NewLocation))
        except Refusal as error:
            errors = refusal(error, LOCATION_FIELDS)
            return await self._locations(
                request,
                state,
                principal,
                "",
                "",
                status=422,
                **location_form(**values) | {"errors": errors},
            )
        return Redirect(f"{PATH}/admin/locations?created={created.id}", status_code=303)

    async def _locations(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        city: str,
        page_token: str,
        *,
        status: int = 200,
        **form: Any,
    ) -> Template:
        found = await location_page(
            state, principal, city=city, include_closed=True, page_size=PAGE, page_token=page_token
        )
        template = (
            "_admin_locations.html" if request.headers.get("hx-request") else "admin_locations.html"
        )
        context = location_form() | form
        created = request.query_params.get("created", "")
        return page(
            request,
            template,
            principal,
            status=status,
            found=found,
            city=city,
            created=created,
            **context,
        )

    @get("/imports")
    async def imports(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        page_token: Token = "",
    ) -> Template:
        require_admin(principal)
        return await self._imports(request, state, principal, page_token=page_token)

    @post("/imports")
    async def start_import(
        self, request: Request[Any, Any, Any], state: State, principal: Principal
    ) -> Template | Redirect:
        require_admin(principal)
        form = await request.form()
        upload = form.get("file")
        stock: Literal["set", "opening"] = "opening" if form.get("stock") == "opening" else "set"
        if not isinstance(upload, UploadFile) or not upload.filename:
            message = translate(request, N_("Choose a CSV or JSON Lines file."))
            return await self._imports(request, state, principal, file_error=message)
        suffix = "." + upload.filename.rsplit(".", 1)[-1].lower()
        if suffix not in FORMATS:
            message = translate(request, N_("The file must end in .csv or .jsonl."))
            return await self._imports(request, state, principal, file_error=message)
        try:
            job = await receive_import(state, principal, _blocks(upload), FORMATS[suffix], stock)
        except ValidationException as error:
            return await self._imports(request, state, principal, file_error=error.detail)
        return Redirect(f"{PATH}/admin/imports/{job.id}", status_code=303)

    async def _imports(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        *,
        page_token: str = "",
        file_error: str = "",
    ) -> Template:
        """The upload form (refused: 422, the reason at the file field) over the jobs so far."""
        found = await import_page(state, PAGE, page_token)
        return page(
            request,
            "admin_imports.html",
            principal,
            status=422 if file_error else 200,
            errors={"file": file_error} if file_error else {},
            found=found,
        )

    @get("/imports/{import_id:str}")
    async def job(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, import_id: str
    ) -> Template:
        """The job's progress; the part alone for htmx, which asks again until it ends."""
        require_admin(principal)
        found = await import_job(state, import_id)
        template = (
            "_import_progress.html" if request.headers.get("hx-request") else "admin_import.html"
        )
        return page(request, template, principal, job=found)
