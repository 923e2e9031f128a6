"""A/B in one run: one scenario on two stacks (a git revision's code and this tree's), in
alternating slices, so whatever else the machine does falls on both alike.

A scenario takes part by defining, in its module, `AB_ENV` (settings for both stacks),
`AB_TRACED` (whether the stacks write spans) and `ab_side(stack, args, exit_stack)`, which
prepares one stack (seed data, customers) and returns a `Side`."""

from __future__ import annotations

import argparse
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any, Protocol

from harness.stack import Stack, machine


class Side(Protocol):
    async def run_slice(self, seconds: float) -> None:
        """Load the stack for about `seconds` and keep what was measured."""

    def reset(self) -> None:
        """Forget what was measured (after the warm-up)."""

    def report(self) -> dict[str, Any]:
        """Everything measured so far; numbers are compared between the sides."""


Prepare = Callable[[Stack, argparse.Namespace, AsyncExitStack], Awaitable[Side]]


async def interleaved(
    sides: dict[str, Side], *, rounds: int, seconds: float, warmup: float
) -> dict[str, dict[str, Any]]:
    """A warm-up slice on each side (not kept), then `rounds` turns of one slice per side, the
    side that goes first alternating."""
    names = list(sides)
    for name in names:
        await sides[name].run_slice(warmup)
        sides[name].reset()
    for turn in range(rounds):
        for name in names if turn % 2 == 0 else names[::-1]:
            started = time.monotonic()
            await sides[name].run_slice(seconds)
            print(
                f"  round {turn + 1}/{rounds}, {name}: {time.monotonic() - started:.0f} s",
                flush=True,
            )
    return {name: side.report() for name, side in sides.items()}


async def compared(
    sides: dict[str, Side],
    args: argparse.Namespace,
    *,
    name: str,
    scenario: str,
    label: str,
    load_before: Any,
) -> dict[str, Any]:
    """The two sides (before, then after) loaded in turns as `interleaved` does, and the report:
    each side's figures under its `label`, and after / before for every number."""
    print(f"== {name}: {args.rounds} rounds of {args.slice} s a side", flush=True)
    reports = await interleaved(sides, rounds=args.rounds, seconds=args.slice, warmup=args.warmup)
    before, after = list(sides)
    return {
        "scenario": f"{scenario}, {args.rounds} alternating slices of {args.slice} s each",
        "before": {label: before, **reports[before]},
        "after": {label: after, **reports[after]},
        "ratio_after_to_before": ratios(reports[before], reports[after]),
        "load_average_before": load_before,
        "machine": machine(),
    }


def ratios(before: Any, after: Any) -> Any:
    """after / before for every number both reports hold at the same place (None where either
    is missing or zero); 0.5 on a latency is half the time, 2.0 on a throughput twice as much."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = {key: ratios(before[key], after[key]) for key in before if key in after}
        return {key: value for key, value in found.items() if value is not None and value != {}}
    numbers = (int, float)
    if (
        isinstance(before, numbers)
        and isinstance(after, numbers)
        and not isinstance(before, bool)
        and not isinstance(after, bool)
    ):
        return round(after / before, 3) if before else None
    return None
