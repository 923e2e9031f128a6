"""The string axis: strings become exact integers in byte order (printable ASCII as digits), and a window's edge becomes a
string again without breaking that order (what keeps every row in exactly one window)."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from omni_kit import keyset

AXIS = keyset.string_axis("sku")


def test_strings_order_as_their_numbers_order():
    skus = ["", "A", "A-1", "A-10", "A-2", "SKU-00001", "SKU-00002", "SKU-0001", "b", "~"]
    numbers = [AXIS.number(sku) for sku in skus]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == len(numbers)


def test_skus_differing_in_a_late_character_stay_apart():
    # 97**20 apart: a float next to numbers near 97**32 would not tell them apart.
    low, high = AXIS.number("SKU-00000001"), AXIS.number("SKU-00000002")
    assert high - low == keyset.STRING_BASE ** (keyset.STRING_DIGITS - 12)
    assert float(low) == float(high)  # why the axis keeps integers


def test_an_edge_is_a_string_at_or_below_its_number():
    for sku in ["", "A", "SKU-00017", "loc_mitte", "zz~"]:
        assert AXIS.value(AXIS.number(sku)) == sku
    assert AXIS.value(0) == ""
    assert AXIS.value(keyset.STRING_SPACE * 2) == "\x7f" * keyset.STRING_DIGITS


@given(st.lists(st.integers(0, keyset.STRING_SPACE - 1), min_size=2, max_size=20))
def test_edges_keep_the_order_of_their_numbers(numbers):
    numbers.sort()
    edges = [AXIS.value(number) for number in numbers]
    assert all(edge.isascii() for edge in edges)
    assert [edge.encode() for edge in edges] == sorted(edge.encode() for edge in edges)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40))
def test_a_printable_string_lies_at_or_above_the_edge_of_its_number(text):
    # An edge is where a window begins: the rows whose number falls in a window sort inside it
    # (a key past "~" or below the space may not: the walk never steps back past its start).
    assert AXIS.value(AXIS.number(text)).encode() <= text.encode()


def test_non_ascii_characters_are_the_top_digit():
    first, second = AXIS.number("ŻÓŁTY-1"), AXIS.number("ŻÓŁTY-2")
    assert AXIS.number("~") < AXIS.number("Ą") == AXIS.number("Ż") < first < second
    assert AXIS.value(first) == "\x7f" * 6 + "TY-1"
    assert AXIS.value(first).encode() < "ŻÓŁTY-1".encode()


def test_the_first_window_is_a_few_steps_of_the_start_s_last_character():
    assert AXIS.first is not None
    assert AXIS.first("SKU-00000") == float(16 * keyset.STRING_BASE ** (keyset.STRING_DIGITS - 9))
    assert AXIS.first("") == float(keyset.STRING_SPACE)
    rng = random.Random(3)
    long = "".join(rng.choice("ABC") for _ in range(50))
    assert AXIS.first(long) == 16.0
