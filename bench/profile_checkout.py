"""Profile of the checkout path: while 50 customers check out, how much CPU each process of the
stack uses, and py-spy's top functions (own time) in each. Names the component that holds the
checkout target (>= 100 orders/s at p99 <= 300 ms) back."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from checkout import steady
from harness.profile import children, cpu_seconds, record
from harness.stack import local_stack, machine

UNLIMITED = {
    "OMNI_GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
    "OMNI_GATEWAY_PARTNER_RATE_LIMIT_PER_MINUTE": "100000000",
}
PROFILED = ("gateway", "order", "inventory", "catalog", "store")


async def main(args: argparse.Namespace) -> dict[str, object]:
    out_dir = Path(__file__).resolve().parent / "profiles"
    with local_stack(**UNLIMITED) as stack:
        pids = children(stack.pid)
        before = cpu_seconds(pids)
        load = asyncio.create_task(steady(stack, args.seconds, args.clients))
        await asyncio.sleep(args.warmup)  # past seeding and sign-ups (password hashing)
        profiles = await record(
            {name: pids[name] for name in PROFILED if name in pids},
            int(args.seconds / 2),  # within the steady load that follows the warm-up
            out_dir,
        )
        result_load = await load
        after = cpu_seconds(pids)
    used = {name: round(after[name] - before[name], 1) for name in pids}
    total = sum(used.values()) or 1.0
    return {
        "scenario": f"checkout profile: {args.clients} customers for {args.seconds}s",
        "checkout_load": result_load,
        "cpu_seconds_by_process": dict(sorted(used.items(), key=lambda item: -item[1])),
        "cpu_share_by_process": {
            name: round(seconds / total, 3)
            for name, seconds in sorted(used.items(), key=lambda item: -item[1])
        },
        "top_functions": profiles,
        "raw_profiles": str(out_dir),
        "machine": machine(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=20, help="seconds before sampling")
    result = asyncio.run(main(parser.parse_args()))
    print(json.dumps(result, indent=2))
    print("RESULT " + json.dumps(result))
