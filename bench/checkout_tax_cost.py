"""What tax and a voucher cost a checkout: two stacks of this tree side by side, one untaxed
without a voucher, the other with its channels taxed (PL, 23 %, prices with tax) and a 10 %
voucher on every checkout, as bench/checkout.py runs it; the same customers' checkouts loaded in
alternating slices (harness/ab.py), with the ratio taxed / untaxed of every figure.

Run: `uv run python bench/checkout_tax_cost.py [--rounds 3] [--slice 10] [--clients 20]`.
Prints both sides and, last, `RESULT <json>`. It never asserts a speed."""

from __future__ import annotations

import argparse
import asyncio
import json
from contextlib import AsyncExitStack, ExitStack
from typing import Any

from checkout import AB_ENV, CheckoutLoad
from harness.ab import Side, compared
from harness.stack import ROOT, machine, stack_of

UNTAXED, TAXED = "untaxed, no voucher", "taxed, voucher"


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    load_before = machine()["load_average"]
    with ExitStack() as stacks:
        untaxed_stack = stacks.enter_context(stack_of(ROOT, AB_ENV))
        taxed_stack = stacks.enter_context(stack_of(ROOT, AB_ENV))
        async with AsyncExitStack() as exit_stack:
            sides: dict[str, Side] = {
                UNTAXED: await CheckoutLoad.prepared(
                    untaxed_stack, args.clients, exit_stack, taxed=False
                ),
                TAXED: await CheckoutLoad.prepared(taxed_stack, args.clients, exit_stack),
            }
            return await compared(
                sides,
                args,
                name="checkout",
                scenario="checkout untaxed against taxed with a voucher",
                label="side",
                load_before=load_before,
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="slices per side")
    parser.add_argument("--slice", type=float, default=10.0, help="seconds per slice")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds, not counted")
    parser.add_argument("--clients", type=int, default=20)
    outcome = asyncio.run(measure(parser.parse_args()))
    print(json.dumps(outcome, indent=2))
    print("RESULT " + json.dumps(outcome))
