"""Privacy: erase the person, keep the facts (the export is written at the API edge)."""

from __future__ import annotations

from datetime import datetime

from omni_customer.domain.preferences import Preferences
from omni_customer.domain.profiles import Profile, ProfileStatus, touch


def erase(profile: Profile, now: datetime) -> None:
    """Remove the person (names, identities, addresses, preferences); keep id, status, history
    of facts (orders, points) so other services can anonymize by id."""
    _strip(profile)
    profile.status = ProfileStatus.ERASED
    touch(profile, now)


def erase_merged(profile: Profile, now: datetime) -> None:
    """A profile merged into an erased one: its personal fields go too; the link stays, so an
    old id still answers with the (erased) survivor."""
    _strip(profile)
    touch(profile, now)


def _strip(profile: Profile) -> None:
    profile.display_name = profile.given_name = profile.family_name = ""
    profile.identities = []
    profile.addresses = []
    profile.preferences = Preferences()
