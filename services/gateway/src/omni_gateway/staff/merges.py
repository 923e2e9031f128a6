"""Merging two profiles of one person, its dry run, a profile's merges, and undoing a merge
(consultants and admins)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import Provide

from omni.customer.v1 import customer_pb2 as P
from omni_gateway.downstream import actor_of
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import Principal, StaffRole
from omni_gateway.views.profile import MergeResult, UnmergeResult, merge_result, unmerge_result
from omni_gateway.views.profile_merges import MergePage, MergePreview, merge_page, merge_preview
from omni_gateway.views.profile_requests import MergeBody, PageSize, PageToken, UndoBody

MERGERS = (StaffRole.CONSULTANT, StaffRole.ADMIN)


async def merge_profiles(state: State, principal: Principal, data: MergeBody) -> MergeResult:
    auth.require_roles(principal, *MERGERS)  # the routes' guard too, for every caller
    return merge_result(await _merge(state, principal, data, dry_run=False))


async def preview_merge(state: State, principal: Principal, data: MergeBody) -> MergePreview:
    """What the merge would do, computed by the customer service's merge without saving."""
    auth.require_roles(principal, *MERGERS)
    reply = await _merge(state, principal, data, dry_run=True)
    return merge_preview(reply)


async def profile_merges(
    state: State, principal: Principal, profile_id: str, page_size: int = 0, page_token: str = ""
) -> MergePage:
    """Merges where the profile stayed or was merged away, each with its undo state."""
    auth.require_roles(principal, *MERGERS)
    reply = await state.downstream.call(
        state.downstream.customer.ListMerges,
        P.ListMergesRequest(profile_id=profile_id, page_size=page_size, page_token=page_token),
        idempotent=True,
    )
    return merge_page(reply)


async def undo_merge(
    state: State, principal: Principal, merge_id: str, data: UndoBody
) -> UnmergeResult:
    auth.require_roles(principal, *MERGERS)
    reply = await state.downstream.call(
        state.downstream.customer.UnmergeProfiles,
        P.UnmergeProfilesRequest(merge_id=merge_id, reason=data.reason, actor=actor_of(principal)),
        idempotent=True,
    )
    return unmerge_result(reply)


class ProfileMerges(Controller):
    path = "/staff/v1/customers/merges"
    tags = ["staff customers"]
    dependencies = {"principal": Provide(auth.staff)}
    guards = [roles(*MERGERS)]
    security = [{"bearerAuth": []}]

    @post("/", summary="Merge two profiles of one person (consultant, admin)")
    async def merge(self, state: State, principal: Principal, data: MergeBody) -> MergeResult:
        return await merge_profiles(state, principal, data)

    @post("/{merge_id:str}/undo", summary="Undo a merge (consultant, admin)", status_code=200)
    async def unmerge(
        self, state: State, principal: Principal, merge_id: str, data: UndoBody
    ) -> UnmergeResult:
        return await undo_merge(state, principal, merge_id, data)

    @post(
        "/preview",
        summary="What a merge would move, computed without merging (consultant, admin)",
        status_code=200,
    )
    async def preview(self, state: State, principal: Principal, data: MergeBody) -> MergePreview:
        return await preview_merge(state, principal, data)


class ProfileMergeHistory(Controller):
    path = "/staff/v1/customers/{profile_id:str}/merges"
    tags = ["staff customers"]
    dependencies = {"principal": Provide(auth.staff)}
    guards = [roles(*MERGERS)]
    security = [{"bearerAuth": []}]

    @get("/", summary="The profile's merges, newest first, each with its undo state")
    async def merges(
        self,
        state: State,
        principal: Principal,
        profile_id: str,
        page_size: PageSize = None,
        page_token: PageToken = None,
    ) -> MergePage:
        return await profile_merges(state, principal, profile_id, page_size or 0, page_token or "")


async def _merge(
    state: State, principal: Principal, data: MergeBody, *, dry_run: bool
) -> P.MergeProfilesResponse:
    return await state.downstream.call(
        state.downstream.customer.MergeProfiles,
        P.MergeProfilesRequest(
            survivor_id=data.survivor_id,
            merged_id=data.merged_id,
            reason=data.reason,
            actor=actor_of(principal),
            dry_run=dry_run,
        ),
        idempotent=True,
    )
