"""The days an export covers: midnight to midnight in its time zone (a DST day is 23 or 25
hours), and what it refuses, naming the input."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from omni_gateway.sales_exports import BadExport, export_range, parse_day


def test_days_start_at_midnight_in_the_export_time_zone() -> None:
    span = export_range(date(2026, 3, 29), date(2026, 3, 29), "Europe/Warsaw")
    # The day clocks go forward: 23 hours, from 23:00Z the evening before.
    assert span.start_time == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert span.end_time == datetime(2026, 3, 29, 22, tzinfo=UTC)
    utc = export_range(date(2026, 1, 1), date(2026, 12, 31), "UTC")
    assert (utc.start_time, utc.end_time) == (
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert export_range(date(2028, 1, 1), date(2028, 12, 31), "UTC").end == date(2028, 12, 31)


@pytest.mark.parametrize(
    ("start", "end", "zone", "field"),
    [
        (date(2026, 5, 2), date(2026, 5, 1), "UTC", "to"),
        (date(2026, 1, 1), date(2027, 1, 2), "UTC", "to"),
        (date(2026, 1, 1), date(2026, 1, 2), "Europe/Atlantis", "time_zone"),
        (date(2026, 1, 1), date(2026, 1, 2), "../etc/passwd", "time_zone"),
        (date(2026, 1, 1), date(2026, 1, 2), "Europe", "time_zone"),  # a folder of zones
    ],
)
def test_a_range_that_cannot_be_is_refused_naming_the_input(
    start: date, end: date, zone: str, field: str
) -> None:
    with pytest.raises(BadExport) as refused:
        export_range(start, end, zone)
    assert refused.value.field == field


def test_a_day_is_yyyy_mm_dd() -> None:
    assert parse_day("2026-02-28", "from") == date(2026, 2, 28)
    with pytest.raises(BadExport) as refused:
        parse_day("2026-02-30", "to")
    assert (refused.value.field, refused.value.message) == (
        "to",
        "'2026-02-30' is not a date; use YYYY-MM-DD",
    )
