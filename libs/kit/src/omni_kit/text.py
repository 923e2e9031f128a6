"""Text folding for search: the same word typed with or without diacritics, in any case, is one
token ("Żółty" and "zolty" are both "zolty"). Latin letters lose their accents (including
letters Unicode does not decompose, such as Polish ł); Cyrillic stays Cyrillic, folded where
people commonly type one letter for another (io to ie, yi to i, ghe with upturn to ghe); short
i keeps its breve.

Pure functions, no I/O: stored tokens and query tokens are made by the same code."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Letters NFKD leaves whole, and the Cyrillic letters folded into their common stand-in.
_SPECIAL = str.maketrans(
    {
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "ø": "o",
        "ħ": "h",
        "\N{LATIN SMALL LETTER DOTLESS I}": "i",
        "ŀ": "l",
        "ŧ": "t",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "\N{CYRILLIC SMALL LETTER IO}": "\N{CYRILLIC SMALL LETTER IE}",
        "\N{CYRILLIC SMALL LETTER YI}": "\N{CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I}",
        "\N{CYRILLIC SMALL LETTER GHE WITH UPTURN}": "\N{CYRILLIC SMALL LETTER GHE}",
    }
)
_COMBINING_BREVE = "\u0306"
# Apostrophes inside a word (Ukrainian "м'ята", English "men's") join its halves.
_APOSTROPHES = re.compile(
    "(?<=\\w)['`\N{RIGHT SINGLE QUOTATION MARK}\N{MODIFIER LETTER APOSTROPHE}](?=\\w)"
)
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower-case `text` without diacritics: "Żółty" -> "zolty", "Їжак" -> "іжак"."""
    lowered = text.casefold().translate(_SPECIAL)
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", lowered):
        if unicodedata.combining(char):
            # й is a letter of its own in Ukrainian and Russian, not an accented и.
            if char == _COMBINING_BREVE and kept and kept[-1] in "иИ":
                kept[-1] = "й"
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).translate(_SPECIAL)


def tokens(text: str) -> list[str]:
    """The folded words of `text`, in order (letters and digits; everything else separates)."""
    return _WORD.findall(_APOSTROPHES.sub("", fold(text)))


def prefixes(words: Iterable[str], min_len: int = 2, max_len: int = 10) -> list[str]:
    """Every prefix of each word from `min_len` to `max_len` characters (a word that fits is
    its own longest prefix), without repeats, in order of first appearance."""
    seen: dict[str, None] = {}
    for word in words:
        for size in range(min_len, min(len(word), max_len) + 1):
            seen.setdefault(word[:size])
    return list(seen)
