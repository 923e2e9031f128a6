"""Search rules without a store: words of a product, matching, ranking and corrections."""

from omni_catalog.domain.products import LocalizedText, Product, Variant
from omni_catalog.domain.search import (
    best_correction,
    distance,
    matches,
    neighbourhood,
    parse_query,
    product_words,
    score,
)


def boot() -> Product:
    return Product(
        texts={
            "en": LocalizedText(name="Yellow rain boot"),
            "pl": LocalizedText(name="Żółty kalosz"),
        },
        brand="Nordic",
        attributes={"material": "rubber"},
        variants=(Variant(sku="RB-42", attributes={"size": "42"}),),
    )


def test_a_products_words_by_field_and_the_words_spelling_may_correct_to():
    words = product_words(boot())
    assert set(words.name) == {"yellow", "rain", "boot", "zolty", "kalosz", "nordic"}
    assert set(words.other) == {"rb", "42", "rb42", "rubber"}
    assert words.skus == ("rb42",)
    assert "rb42" not in words.spelling and "42" not in words.spelling
    assert "rubber" in words.spelling


def test_every_word_must_match_the_last_also_as_a_prefix_and_fields_rank_by_weight():
    words = product_words(boot())
    stored = {"n": list(words.name), "o": list(words.other), "s": list(words.skus)}
    assert matches(parse_query("ŻÓŁTY kal"), stored)
    assert not matches(parse_query("kal zolty"), stored)
    assert score(parse_query("rb-42"), stored) > score(parse_query("boot"), stored)
    assert score(parse_query("boot"), stored) > score(parse_query("rubber"), stored)
    assert score(parse_query("bo"), stored) < score(parse_query("boot"), stored)


def test_corrections_take_the_closest_then_the_most_common_known_word():
    assert distance("koszlua", "koszula") == 1
    assert distance("kotek", "kot") == 2
    assert set(neighbourhood("kot")) == {"kot", "ot", "kt", "ko"}
    known = {"koszula": 40, "koszyk": 90, "kosz": 5}
    assert best_correction("koszlua", known) == "koszula"
    assert best_correction("kosyk", known) == "koszyk"
    # Short words allow fewer edits: nothing within reach stays uncorrected.
    assert best_correction("kasa", {"kosz": 5}) is None
    assert best_correction("ab", {"ac": 9}) is None
