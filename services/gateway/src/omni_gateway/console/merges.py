"""Merging two profiles of one person, and undoing a wrong merge (consultants and admins, as in
the staff API, whose calls these are: staff/merges.py). Before merging, the consultant finds the
other profile and sees what would move: the customer service's own merge, run without saving
(a dry run), says which identities and addresses move and the points the profile would have."""

from __future__ import annotations

from typing import Annotated, Any

import grpc
import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import Template

from omni_gateway import profiles
from omni_gateway.console import search
from omni_gateway.console.render import page
from omni_gateway.console.session import PATH
from omni_gateway.security import dependencies as auth
from omni_gateway.security.principals import Principal
from omni_gateway.staff.merges import MERGERS, merge_profiles, preview_merge, undo_merge
from omni_gateway.views.profile import StaffProfile, staff_profile_view
from omni_gateway.views.profile_merges import MergePreview
from omni_gateway.views.profile_requests import MergeBody, UndoBody
from omni_kit.errors import error_details
from omni_kit.ids import new_id

Query = Annotated[str, Parameter(max_length=256)]
FORM_FIELDS = {"merged_id": "other", "survivor_id": "form", "merge_id": "form", "reason": "reason"}


async def profile(state: State, profile_id: str) -> StaffProfile:
    return staff_profile_view(await profiles.surviving(state, profile_id))


def _refusal(error: Exception) -> dict[str, str]:
    """The API's refusal at the form field it names."""
    if isinstance(error, msgspec.ValidationError):
        return {"reason": str(error)}
    assert isinstance(error, grpc.aio.AioRpcError)
    details = error_details(error)
    if details.code not in (
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.NOT_FOUND,
    ):
        raise error
    return {FORM_FIELDS.get(details.field or "", "form"): details.message}


async def preview_part(
    state: State, principal: Principal, survivor: StaffProfile, other_id: str
) -> dict[str, Any]:
    """The other profile, what merging it would do (or the service's refusal), and the
    addresses that would move, as the merge.html page shows them."""
    if not other_id:
        return {"other": None, "preview": None, "moved_addresses": [], "errors": {}}
    other = await profile(state, other_id)
    preview: MergePreview | None = None
    errors: dict[str, str] = {}
    try:
        body = MergeBody(survivor_id=survivor.id, merged_id=other_id)
        preview = await preview_merge(state, principal, body)
    except (msgspec.ValidationError, grpc.aio.AioRpcError) as error:
        errors = _refusal(error)
    moved = set(preview.moved_address_ids) if preview else set()
    addresses = [a for a in preview.survivor.addresses if a.id in moved] if preview else []
    return {"other": other, "preview": preview, "moved_addresses": addresses, "errors": errors}


class ConsoleMerges(Controller):
    path = PATH
    include_in_schema = False
    dependencies = {"principal": Provide(auth.staff)}

    @get("/customers/{profile_id:str}/merge")
    async def preview(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: Principal,
        profile_id: str,
        q: Query = "",
        other: Query = "",
    ) -> Template:
        """The profile that stays, a search for the other one, and what merging it would move."""
        auth.require_roles(principal, *MERGERS)
        survivor = await profile(state, profile_id)
        found = await search.find(state, principal, q)
        candidates = [p for p in found.profiles if p.id != survivor.id]
        return page(
            request,
            "merge.html",
            principal,
            survivor=survivor,
            q=q,
            found=found,
            candidates=candidates,
            merge_key=new_id("merge"),
            **await preview_part(state, principal, survivor, other),
        )

    @post("/customers/{profile_id:str}/merge")
    async def merge(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, profile_id: str
    ) -> Template:
        form = await request.form()
        other = str(form.get("other", ""))
        try:
            body = msgspec.convert(
                {
                    "survivor_id": profile_id,
                    "merged_id": other,
                    "reason": str(form.get("reason", "")).strip(),
                },
                MergeBody,
            )
            merged = await merge_profiles(state, principal, body)
        except (msgspec.ValidationError, grpc.aio.AioRpcError) as error:
            survivor = await profile(state, profile_id)
            part = await preview_part(state, principal, survivor, other)
            return page(
                request,
                "merge.html",
                principal,
                status=422,
                survivor=survivor,
                q="",
                found=search.Found(),
                candidates=[],
                merge_key=new_id("merge"),
                **part | {"errors": part["errors"] or _refusal(error)},
            )
        return page(
            request,
            "merged.html",
            principal,
            merge=merged.merge,
            survivor=merged.survivor,
            restored=None,
            errors={},
        )

    @post("/merges/{merge_id:str}/undo")
    async def undo(
        self, request: Request[Any, Any, Any], state: State, principal: Principal, merge_id: str
    ) -> Template:
        form = await request.form()
        try:
            body = msgspec.convert({"reason": str(form.get("reason", "")).strip()}, UndoBody)
            undone = await undo_merge(state, principal, merge_id, body)
        except (msgspec.ValidationError, grpc.aio.AioRpcError) as error:
            return page(
                request,
                "merged.html",
                principal,
                status=422,
                merge=None,
                merge_id=merge_id,
                survivor=None,
                restored=None,
                errors=_refusal(error),
            )
        return page(
            request,
            "merged.html",
            principal,
            merge=undone.merge,
            survivor=undone.survivor,
            restored=undone.restored,
            errors={},
        )
