"""Merging two profiles of one person, and undoing a wrong merge (consultants and admins, as in
the staff API, whose calls these are: staff/merges.py). Before merging, the consultant finds the
other profile and sees what would move: its identities, addresses and loyalty points, which the
customer service's merge moves to the profile that stays (its orders follow the merge too)."""

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
from omni_gateway.staff.merges import MERGERS, merge_profiles, undo_merge
from omni_gateway.views.profile import StaffProfile, staff_profile_view
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
        chosen = await profile(state, other) if other else None
        return page(
            request,
            "merge.html",
            principal,
            survivor=survivor,
            q=q,
            found=found,
            candidates=candidates,
            other=chosen,
            errors={},
            merge_key=new_id("merge"),
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
            chosen = await profile(state, other) if other else None
            return page(
                request,
                "merge.html",
                principal,
                status=422,
                survivor=await profile(state, profile_id),
                q="",
                found=search.Found(),
                candidates=[],
                other=chosen,
                errors=_refusal(error),
                merge_key=new_id("merge"),
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
