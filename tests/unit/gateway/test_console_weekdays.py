"""The opening-hours box of the console's location page writes and reads weekdays in the page's
language (console/admin_location.py): Polish names on a Polish page, the API's English words
accepted too, anything else passed on for the API to refuse."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from omni_gateway.console import i18n
from omni_gateway.console.admin_location import HoursNotRead, hours_of, hours_text
from omni_gateway.console.labels import LABELS
from omni_gateway.views.location import Weekday


def words(locale: str) -> dict[str, str]:
    t = i18n.translations(locale)
    return {day: t.gettext(word) for day, word in LABELS["weekday"].items()}


def test_every_weekday_has_a_polish_name_of_its_own():
    polish = words("pl")
    assert set(polish) == {day.value for day in Weekday}
    assert polish["monday"] == "poniedziałek" and polish["sunday"] == "niedziela"
    assert len(set(polish.values())) == 7


def test_the_box_shows_polish_weekdays_on_a_polish_page_and_english_on_an_english_one():
    hours = [
        SimpleNamespace(weekday=Weekday.MONDAY, opens="09:00", closes="20:00"),
        SimpleNamespace(weekday=Weekday.SATURDAY, opens="10:00", closes="14:00"),
    ]
    assert hours_text(hours, words("pl")) == "poniedziałek 09:00-20:00\nsobota 10:00-14:00"
    assert hours_text(hours, words("en")) == "monday 09:00-20:00\nsaturday 10:00-14:00"


def test_the_box_reads_polish_weekdays_and_the_apis_words():
    typed = (
        "Poniedziałek 09:00-20:00\nŚRODA 10:00 \u2013 18:00\nsunday 11:00-15:00\nfreitag 9:00-17:00"
    )
    assert hours_of(typed, words("pl")) == [
        {"weekday": "monday", "opens": "09:00", "closes": "20:00"},
        {"weekday": "wednesday", "opens": "10:00", "closes": "18:00"},
        {"weekday": "sunday", "opens": "11:00", "closes": "15:00"},
        {"weekday": "freitag", "opens": "9:00", "closes": "17:00"},  # the API refuses it
    ]
    assert hours_of("sobota 10:00-14:00", words("en")) == [
        {"weekday": "sobota", "opens": "10:00", "closes": "14:00"}  # Polish only on Polish pages
    ]
    with pytest.raises(HoursNotRead):
        hours_of("sobota od dziesiątej", words("pl"))
