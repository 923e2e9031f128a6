"""A profile's merges (each with its undo state) and a merge's dry run, as staff see them."""

from __future__ import annotations

from omni.customer.v1 import customer_pb2 as P
from omni_gateway.views.common import View
from omni_gateway.views.profile import (
    Identity,
    Merge,
    StaffProfile,
    identity_view,
    merge_view,
    staff_profile_view,
)


class MergePage(View):
    """Merges where the profile stayed or was merged away, newest first."""

    merges: list[Merge]
    next_page_token: str = ""


class MergePreview(View):
    """What merging would do, computed by the customer service's own merge without saving:
    what moves from the merged profile, and the profile that stays as it would be."""

    survivor_id: str
    merged_id: str
    moved_identities: list[Identity]
    moved_address_ids: list[str]
    survivor: StaffProfile


def merge_page(reply: P.ListMergesResponse) -> MergePage:
    return MergePage([merge_view(merge) for merge in reply.merges], reply.next_page_token)


def merge_preview(reply: P.MergeProfilesResponse) -> MergePreview:
    return MergePreview(
        survivor_id=reply.merge.survivor_id,
        merged_id=reply.merge.merged_id,
        moved_identities=[identity_view(i) for i in reply.merge.moved_identities],
        moved_address_ids=list(reply.merge.moved_address_ids),
        survivor=staff_profile_view(reply.survivor),
    )
