"""Search rules: which words of a product are searchable and how much each counts, how a query
matches and ranks, and how a misspelt word is corrected from the catalog's own vocabulary.

Pure: the store indexes what `product_words` returns and the API ranks with `score`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from omni_catalog.domain.products import Product
from omni_kit.text import fold, words

MAX_WORDS = 8
# Type-ahead: a name word is found by its first letters, two at least.
PREFIX_MIN = 2
# Field weights (name and brand, then SKUs and attribute values) and match quality.
NAME_EXACT = 3.0
NAME_PREFIX = 2.0
OTHER_EXACT = 1.0
OTHER_PREFIX = 0.5
WHOLE_SKU = 5.0
FIRST_WORD = 0.5
CORRECTED = 0.8


@dataclass(frozen=True)
class Words:
    """A product's searchable words: `name` (names in every language and the brand), `other`
    (SKUs, their parts, attribute values; not already in `name`) and `skus` (whole SKUs folded
    to letters and digits, for an exact SKU match). `spelling` are the words misspellings are
    corrected to: name and attribute words, never SKUs (the vocabulary grows with words, not
    with products)."""

    name: tuple[str, ...]
    other: tuple[str, ...]
    skus: tuple[str, ...]
    spelling: frozenset[str] = frozenset()

    @property
    def all(self) -> set[str]:
        return {*self.name, *self.other}


def product_words(product: Product) -> Words:
    name: dict[str, None] = {}
    for language in sorted(product.texts):
        name.update(dict.fromkeys(words(product.texts[language].name)))
    name.update(dict.fromkeys(words(product.brand)))
    other: dict[str, None] = {}
    skus: dict[str, None] = {}
    for variant in product.variants:
        parts = words(variant.sku)
        other.update(dict.fromkeys(parts))
        whole = "".join(parts)
        skus[whole] = None
        other[whole] = None
    values = [*product.attributes.values()]
    values += [value for variant in product.variants for value in variant.attributes.values()]
    described: dict[str, None] = {}
    for value in values:
        described.update(dict.fromkeys(words(value)))
    other.update(described)
    return Words(
        name=tuple(name),
        other=tuple(word for word in other if word not in name),
        skus=tuple(skus),
        spelling=frozenset(word for word in (*name, *described) if not word.isdigit()),
    )


@dataclass(frozen=True)
class Query:
    """A parsed text query: folded words (at most MAX_WORDS, no repeats); the last one may be
    unfinished (type-ahead), so it also matches as a prefix."""

    words: tuple[str, ...]
    corrected: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def with_words(self, words: Sequence[str], corrected: Iterable[str]) -> Query:
        return Query(tuple(words), self.corrected | frozenset(corrected))


def parse_query(text: str) -> Query:
    return Query(tuple(dict.fromkeys(words(text)))[:MAX_WORDS])


def matches(query: Query, words: Mapping[str, Sequence[str]], skip: str = "") -> bool:
    """Whether a product with `words` ({"n": name words, "o": other words}) has every query word
    (the last as a prefix too); `skip` is a word the caller already matched by index."""
    last = query.words[-1]
    names, others = words.get("n", ()), words.get("o", ())
    for word in query.words:
        if word == skip:
            continue
        if word in names or word in others:
            continue
        if word == last and any(w.startswith(word) for w in (*names, *others)):
            continue
        return False
    return True


def score(query: Query, words: Mapping[str, Sequence[str]]) -> float:
    """Relevance: each query word counts by the field it is found in and how (whole word or
    prefix); a whole-SKU match outranks any name; a corrected word counts a little less."""
    names, others, skus = words.get("n", ()), words.get("o", ()), words.get("s", ())
    last = query.words[-1]
    total = 0.0
    for word in query.words:
        if word in skus:
            value = WHOLE_SKU
        elif word in names:
            value = NAME_EXACT
        elif word == last and any(w.startswith(word) for w in names):
            value = NAME_PREFIX
        elif word in others:
            value = OTHER_EXACT
        elif word == last and any(w.startswith(word) for w in others):
            value = OTHER_PREFIX
        else:
            value = 0.0
        total += value * (CORRECTED if word in query.corrected else 1.0)
    if len(query.words) > 1 and "".join(query.words) in skus:
        total += WHOLE_SKU  # "RB-42" is the words "rb" and "42", and the SKU "rb42"
    if names and names[0].startswith(query.words[0]):
        total += FIRST_WORD
    return round(total, 3)


# --- misspellings ---------------------------------------------------------------------------


def deletions(word: str) -> list[str]:
    """The word with one letter left out, each way (its deletion neighbourhood): two words
    within one edit of each other, or a transposition, share one of these or the word itself."""
    return list(dict.fromkeys(word[:i] + word[i + 1 :] for i in range(len(word))))


def neighbourhood(word: str) -> list[str]:
    return [word, *deletions(word)]


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap neighbours)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def allowed_distance(word: str) -> int:
    if len(word) <= 2:
        return 0
    return 1 if len(word) <= 5 else 2


def best_correction(word: str, candidates: Mapping[str, int]) -> str | None:
    """The closest known word (then the most common, then the first alphabetically) within the
    distance a word of this length allows; None when nothing is close enough."""
    limit = allowed_distance(word)
    best: tuple[int, int, str] | None = None
    for candidate, count in candidates.items():
        if candidate == word or count <= 0:
            continue
        gap = distance(word, candidate)
        if gap > limit:
            continue
        key = (gap, -count, candidate)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def folded_value(value: str) -> str:
    """An attribute value as stored for filters and facets: folded, at most 100 characters."""
    return " ".join(fold(value).split())[:100]
