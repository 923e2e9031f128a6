"""Browse with the gateway's browse cache off: every request goes to the catalog and inventory
(browse.py's load; A/B: `make bench ab=main only=browse_uncached`)."""

from __future__ import annotations

import asyncio
import json

from browse import AB_ENV as CACHED_ENV
from browse import ab_side, main

UNCACHED = {"OMNI_GATEWAY_BROWSE_CACHE_SECONDS": "0"}
AB_ENV = CACHED_ENV | UNCACHED
AB_TRACED = False

__all__ = ["AB_ENV", "AB_TRACED", "ab_side"]

if __name__ == "__main__":
    result = asyncio.run(main(**UNCACHED))
    print(json.dumps(result, indent=2))
    print("RESULT " + json.dumps(result))
