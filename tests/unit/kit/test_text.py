# ruff: noqa: RUF001 - Cyrillic and full-width letters are what is tested
"""Search text folding: what staff type meets what is stored, in Polish, Ukrainian and English."""

from __future__ import annotations

import pytest

from omni_kit import text


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("Żółty", "zolty"),
        ("ŁÓDŹ", "lodz"),
        ("Zażółć gęślą jaźń", "zazolc gesla jazn"),
        ("Straße", "strasse"),
        ("Crème Brûlée", "creme brulee"),
        ("Їжак", "іжак"),
        ("Йосип", "иосип"),
        ("П'ять", "пять"),
        ("пʼять", "пять"),
        ("O'Brien", "obrien"),
        ("ＡＢＣ", "abc"),
    ],
)
def test_fold(written, folded):
    assert text.fold(written) == folded


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Шевченко", "shevchenko"),
        ("Щастя", "shchastia"),
        ("Юлія", "yuliia"),
        ("Київ", "kyiv"),
        ("Згорани", "zghorany"),
        ("Євген", "yevhen"),
        ("Олексій", "oleksii"),
        ("Ґанок", "ganok"),
    ],
)
def test_transliterate_follows_the_official_ukrainian_rules(cyrillic, latin):
    assert text.transliterate(cyrillic) == latin


def test_words_fold_split_and_add_latin_spellings_of_cyrillic_words():
    assert text.words("Anna-Maria KOWALSKA, anna@example.com") == [
        "anna",
        "maria",
        "kowalska",
        "example",
        "com",
    ]
    assert text.words("Тарас Шевченко", latin=True) == ["тарас", "taras", "шевченко", "shevchenko"]
    assert text.words("!!! ... ---") == []
    assert len(text.words(" ".join(f"w{i}" for i in range(100)))) == text.MAX_WORDS


def test_prefixes_serve_type_ahead_and_stay_bounded():
    stored = text.prefixes(text.words("Żaneta Wiśniewska-Kołodziejczyk"))
    for typed in ("ża", "zan", "wisn", "kolodziejczy", "wiśniewska"):
        assert text.fold(typed)[: text.MAX_PREFIX] in stored
    assert "z" not in stored  # one letter finds too much to be worth an index key
    assert max(len(p) for p in stored) == text.MAX_PREFIX
    assert text.prefixes(["a"]) == ["a"]


def test_a_query_matches_when_every_word_starts_a_stored_word():
    stored = text.words("Anna Kowalska", latin=True)
    assert text.matches(text.query_words("kow an"), stored)
    assert not text.matches(text.query_words("kow be"), stored)
    assert text.query_words("an kowalska") == ["kowalska", "an"]
