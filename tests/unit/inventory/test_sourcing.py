"""Source selection: fewest shipments first, then the nearest, with reasons."""

from __future__ import annotations

from omni_inventory.domain.sourcing import Source, select


def test_one_location_with_everything_wins_over_nearer_partial_ones():
    near = Source("near", "NEAR", 2.0, {"A": 1, "B": 1})
    far = Source("far", "FAR", 40.0, {"A": 2, "B": 1})
    plan = select([("A", 2), ("B", 1)], [near, far], allow_split=True)
    assert [(s.location_id, taken) for s, taken in plan.shipments] == [("far", {"A": 2, "B": 1})]
    assert "FAR" in plan.explanations[0] and "all 3 units" in plan.explanations[0]


def test_among_complete_locations_the_nearest_wins():
    plan = select(
        [("A", 1)],
        [Source("far", "FAR", 40.0, {"A": 5}), Source("near", "NEAR", 3.0, {"A": 5})],
        allow_split=False,
    )
    assert plan.shipments[0][0].location_id == "near"


def test_split_when_no_location_has_it_all_and_report_the_shortfall():
    sources = [Source("a", "A", 1.0, {"X": 2}), Source("b", "B", 5.0, {"X": 1, "Y": 1})]
    plan = select([("X", 4), ("Y", 1)], sources, allow_split=True)
    assert [(s.location_id, t) for s, t in plan.shipments] == [
        ("a", {"X": 2}),
        ("b", {"X": 1, "Y": 1}),
    ]
    assert plan.shortfalls == {"X": 1}
    assert any("cannot be sourced" in text for text in plan.explanations)


def test_without_split_a_line_comes_whole_from_one_place_or_not_at_all():
    sources = [Source("a", "A", 1.0, {"X": 2}), Source("b", "B", 5.0, {"X": 2})]
    plan = select([("X", 3)], sources, allow_split=False)
    assert plan.shipments == []
    assert plan.shortfalls == {"X": 3}
