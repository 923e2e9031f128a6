"""Text folding shared by every search: one token whatever the case and diacritics."""

from omni_kit.text import fold, prefixes, tokens


def test_latin_letters_lose_case_and_diacritics_even_those_unicode_keeps_whole():
    assert fold("Żółty") == "zolty"
    assert fold("ŁÓDŹ Straße Crème Brûlée") == "lodz strasse creme brulee"
    assert fold("Zoë Ørsted") == "zoe orsted"


def test_cyrillic_stays_cyrillic_folded_where_people_type_one_letter_for_another():
    assert tokens("Їжак ґанок Йогурт Ёлка") == ["іжак", "ганок", "йогурт", "елка"]
    assert fold("ЖОВТИЙ") == "жовтий"


def test_tokens_split_on_anything_but_letters_and_digits_and_join_apostrophes():
    assert tokens("Rain Boot (kids), size-42!") == ["rain", "boot", "kids", "size", "42"]
    assert tokens("м'ята men\N{RIGHT SINGLE QUOTATION MARK}s") == ["мята", "mens"]
    assert tokens("?!.,;") == []


def test_prefixes_run_from_min_to_max_length_without_repeats():
    assert prefixes(["koszula", "ko"], min_len=2, max_len=4) == ["ko", "kos", "kosz"]
    assert prefixes(["a"], min_len=2) == []
