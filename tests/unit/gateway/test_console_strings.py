"""The console's strings: every message its templates and code mark is in the Polish catalog,
translated (the catalog is rebuilt with `pybabel extract`, docs/console.md); pages pick the
language chosen or the browser's; the search box tells a phone from an e-mail, a name, a card
and an order number."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from omni_gateway.console import i18n
from omni_gateway.console.search import ORDER_NUMBER, lookups
from omni_gateway.views.profile import IdentityKind

CONSOLE = Path(i18n.__file__).parent
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "translate": (2,)}


def marked_messages() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        str(CONSOLE), METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_marked_message_has_a_polish_translation():
    with (CONSOLE / "locale" / "pl" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="pl")
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in catalog
        if m.id and all(m.string) and not m.fuzzy
    }
    marked = marked_messages()
    assert len(marked) > 100
    assert sorted(marked - translated) == []


def test_polish_plurals_and_the_language_a_page_is_shown_in():
    polish = i18n.translations("pl")
    assert [polish.ngettext("%(num)s point", "%(num)s points", n) for n in (1, 3, 5)] == [
        "%(num)s punkt",
        "%(num)s punkty",
        "%(num)s punktów",
    ]
    assert i18n.best_locale(None, "pl-PL,pl;q=0.9,en;q=0.8") == "pl"
    assert i18n.best_locale(None, "de-DE,en;q=0.5") == "en"
    assert i18n.best_locale("en", "pl-PL") == "en"  # chosen in the console beats the browser
    assert i18n.best_locale("xx", "") == "en"


def test_the_search_box_reads_what_the_customer_said():
    assert lookups("ola@example.com") == [(IdentityKind.EMAIL, "ola@example.com")]
    assert lookups("+48 601 555 123") == [
        (IdentityKind.PHONE, "+48 601 555 123"),
        (IdentityKind.LOYALTY_CARD, "+48 601 555 123"),
    ]
    assert lookups("CARD-0042") == [(IdentityKind.LOYALTY_CARD, "CARD-0042")]
    assert lookups("Ola Nowak") == [(None, "Ola Nowak")]
    assert ORDER_NUMBER.match("261207-ABC123")
    assert not ORDER_NUMBER.match("2612-ABC123")
