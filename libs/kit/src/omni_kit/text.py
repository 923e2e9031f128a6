# ruff: noqa: RUF001 - Cyrillic and Latin look-alikes are the point of this module
"""Search text: folding, words and type-ahead prefixes, one implementation for every service.

`fold` makes what people type and what is stored meet: lower case, no diacritics ("Żółć" ->
"zolc", "Łódź" -> "lodz", "Ärger" -> "arger"), Cyrillic kept Cyrillic but folded the same way
("Їжак" -> "іжак", "Йосип" -> "иосип"; the apostrophe inside Ukrainian words dropped, so
"п'ять" and "пʼять" are both "пять"). `words` splits folded text into words; with `latin=True`
a Cyrillic word also gives its Latin spelling (Ukraine's official transliteration, 2010), so
"Шевченко" is found by "shevchenko" too. `prefixes` gives every prefix of each word from
MIN_PREFIX characters up to MAX_PREFIX, the values an indexed array holds so that "kowa" finds
"Kowalska" with an equality match on one index key.

Stored: `prefixes(words(text, latin=True))`. Asked: `query_words(text)`, each looked up as
`word[:MAX_PREFIX]`; a word longer than MAX_PREFIX is then confirmed on the rows read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MIN_PREFIX = 2
MAX_PREFIX = 12
MAX_WORD = 40
MAX_WORDS = 32

# Letters NFKD does not take apart; everything else loses its marks by decomposition.
_LETTERS = str.maketrans(
    {
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "ø": "o",
        "ħ": "h",
        "ı": "i",
        "ŀ": "l",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "ё": "е",
    }
)
_APOSTROPHES = "'\u2019\u02bc\u02b9\u0060\u00b4"
_INNER_APOSTROPHE = re.compile(rf"(?<=\w)[{_APOSTROPHES}](?=\w)")
_WORD = re.compile(r"[^\W_]+")

# Ukrainian national transliteration (Cabinet of Ministers resolution 55, 2010); the second
# value is the spelling at the start of a word. Russian letters a Ukrainian text may carry are
# added the same way.
_LATIN: dict[str, tuple[str, str]] = {
    "а": ("a", "a"),
    "б": ("b", "b"),
    "в": ("v", "v"),
    "г": ("h", "h"),
    "ґ": ("g", "g"),
    "д": ("d", "d"),
    "е": ("e", "e"),
    "є": ("ie", "ye"),
    "ж": ("zh", "zh"),
    "з": ("z", "z"),
    "и": ("y", "y"),
    "і": ("i", "i"),
    "ї": ("i", "yi"),
    "й": ("i", "y"),
    "к": ("k", "k"),
    "л": ("l", "l"),
    "м": ("m", "m"),
    "н": ("n", "n"),
    "о": ("o", "o"),
    "п": ("p", "p"),
    "р": ("r", "r"),
    "с": ("s", "s"),
    "т": ("t", "t"),
    "у": ("u", "u"),
    "ф": ("f", "f"),
    "х": ("kh", "kh"),
    "ц": ("ts", "ts"),
    "ч": ("ch", "ch"),
    "ш": ("sh", "sh"),
    "щ": ("shch", "shch"),
    "ь": ("", ""),
    "ю": ("iu", "yu"),
    "я": ("ia", "ya"),
    "ы": ("y", "y"),
    "э": ("e", "e"),
    "ъ": ("", ""),
    "ё": ("io", "yo"),
}


def fold(text: str) -> str:
    """Lower case without diacritics (Cyrillic stays Cyrillic), apostrophes inside words gone."""
    text = _INNER_APOSTROPHE.sub("", text.casefold()).translate(_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", bare)


def transliterate(word: str) -> str:
    """A Cyrillic word in Latin letters ("Щастя" -> "shchastia"); other letters kept."""
    word = _INNER_APOSTROPHE.sub("", word.casefold())
    out = []
    for index, char in enumerate(word):
        spelling = _LATIN.get(char)
        if spelling is None:
            out.append(char)
        elif char == "г" and index > 0 and word[index - 1] == "з":
            out.append("gh")  # "зг" is "zgh", not "zh" (Згорани -> Zghorany)
        else:
            out.append(spelling[1] if index == 0 else spelling[0])
    return fold("".join(out))


def _is_cyrillic(word: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in word)


def words(text: str, *, latin: bool = False) -> list[str]:
    """The folded words of a text, each once, in order (at most MAX_WORDS, each cut to
    MAX_WORD characters); with `latin`, a Cyrillic word is followed by its transliteration."""
    found: dict[str, None] = {}
    raw = _INNER_APOSTROPHE.sub("", text.casefold())
    for match in _WORD.finditer(raw):
        word = fold(match.group())[:MAX_WORD]
        found.setdefault(word, None)
        if latin and _is_cyrillic(match.group()):
            found.setdefault(transliterate(match.group())[:MAX_WORD], None)
        if len(found) >= MAX_WORDS:
            break
    return [word for word in found if word]


def prefixes(found: Iterable[str]) -> list[str]:
    """Every prefix of each word from MIN_PREFIX to MAX_PREFIX characters (a shorter word
    itself), each once: what a type-ahead index holds."""
    out: dict[str, None] = {}
    for word in found:
        if len(word) < MIN_PREFIX:
            out.setdefault(word, None)
            continue
        for end in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1):
            out.setdefault(word[:end], None)
    return list(out)


def query_words(text: str) -> list[str]:
    """What a search asks for, longest first (the longest word is usually the rarest)."""
    return sorted(words(text), key=len, reverse=True)


def matches(query: list[str], stored_words: Iterable[str]) -> bool:
    """Whether every query word is a prefix of some stored word."""
    stored = list(stored_words)
    return all(any(word.startswith(asked) for word in stored) for asked in query)
