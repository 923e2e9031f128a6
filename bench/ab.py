"""A/B: one scenario on a git revision's code and on this working tree, in the same run.

The revision's files are exported into a temporary folder with their own virtual environment
(harness/revision.py); one local stack runs that code, another this tree's, side by side. The
scenario then loads them in alternating slices (harness/ab.py) and reports both, with the
ratio working tree / revision of every figure, and the machine's load before and after.

Run: `make bench ab=main only=event_lag` or
`uv run python bench/ab.py --rev main [--rounds 4] [--slice 10] [--clients 20] event_lag`.
Scenarios: those defining `ab_side` (checkout, event_lag, checkout_counts, browse,
browse_uncached, console_pages). The load
generator and its seeding are this tree's (contracts the revision must still accept).
Ctrl-C or SIGTERM stops both stacks and removes the revision's folder."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import signal
import sys
from contextlib import AsyncExitStack, ExitStack
from typing import Any

from harness.ab import Prepare, compared
from harness.revision import resolve, revision_tree
from harness.stack import ROOT, machine, stack_of

SCENARIOS = (
    "checkout",
    "event_lag",
    "checkout_counts",
    "browse",
    "browse_uncached",
    "console_pages",
)
HERE = "working tree"


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    module = importlib.import_module(args.scenario)
    prepare: Prepare = module.ab_side
    before_label = f"{args.rev} ({resolve(args.rev)[:10]})"
    load_before = machine()["load_average"]
    with ExitStack() as stacks:
        tree = stacks.enter_context(revision_tree(args.rev))
        env, traced = module.AB_ENV, module.AB_TRACED
        print(f"== starting the stacks of {before_label} and the {HERE}", flush=True)
        revision_stack = stacks.enter_context(stack_of(tree, env, traced=traced))
        here_stack = stacks.enter_context(stack_of(ROOT, env, traced=traced))
        async with AsyncExitStack() as exit_stack:
            sides = {
                before_label: await prepare(revision_stack, args, exit_stack),
                HERE: await prepare(here_stack, args, exit_stack),
            }
            return await compared(
                sides,
                args,
                name=args.scenario,
                scenario=f"A/B {args.scenario}: {before_label} against the {HERE}",
                label="revision",
                load_before=load_before,
            )


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--rev", default="main", help="the git revision to compare with")
    parser.add_argument("--rounds", type=int, default=4, help="slices per side")
    parser.add_argument("--slice", type=float, default=10.0, help="seconds per slice")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds, not counted")
    parser.add_argument("--clients", type=int, default=20)
    return parser.parse_args(argv)


def interrupted(*_: object) -> None:
    """Ctrl-C or SIGTERM: unwind (the stacks stop, the revision's folder goes), and let no
    second signal cut the clean-up short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    try:
        result = asyncio.run(measure(parse(sys.argv[1:])))
    except KeyboardInterrupt:
        sys.exit("interrupted: stacks stopped, the revision's folder removed")
    print(json.dumps(result, indent=2))
    print("RESULT " + json.dumps(result))
