"""Time zones by IANA name: a folder, a path or a wrongly cased name is no zone (and raises
nothing), a real name loads."""

from __future__ import annotations

import pytest

from omni_kit import timezones


def test_a_real_zone_loads():
    zone = timezones.zone("Europe/Warsaw")
    assert zone is not None and zone.key == "Europe/Warsaw"
    assert timezones.known("UTC")


@pytest.mark.parametrize(
    "name", ["", "Europe", "Europe/", "../etc/passwd", "europe/warsaw", "Mars/Olympus"]
)
def test_a_name_that_is_no_zone_is_none(name):
    assert timezones.zone(name) is None
    assert not timezones.known(name)
