"""Merging two profiles of one person, and undoing a merge (consultants and admins)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.datastructures import State
from litestar.di import Provide

from omni.customer.v1 import customer_pb2 as P
from omni_gateway.downstream import actor_of
from omni_gateway.security import dependencies as auth
from omni_gateway.security.guards import roles
from omni_gateway.security.principals import Principal, StaffRole
from omni_gateway.views.profile import MergeResult, UnmergeResult, merge_result, unmerge_result
from omni_gateway.views.profile_requests import MergeBody, UndoBody

MERGERS = (StaffRole.CONSULTANT, StaffRole.ADMIN)


async def merge_profiles(state: State, principal: Principal, data: MergeBody) -> MergeResult:
    auth.require_roles(principal, *MERGERS)  # the routes' guard too, for every caller
    reply = await state.downstream.call(
        state.downstream.customer.MergeProfiles,
        P.MergeProfilesRequest(
            survivor_id=data.survivor_id,
            merged_id=data.merged_id,
            reason=data.reason,
            actor=actor_of(principal),
        ),
        idempotent=True,
    )
    return merge_result(reply)


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
