"""The console's static files (stylesheet, the vendored htmx) under a URL that names their
content: /console/static/<hash>/<file>. A new release with changed files has a new hash, so
browsers may keep each URL for a year without asking again."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

from omni_gateway.security.path_ids import STATIC_FILES

STATIC = Path(__file__).parent / "static"
PREFIX = "/console/static"
YEAR = 365 * 86_400


@cache
def version() -> str:
    """A digest of every static file's name and content."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.iterdir()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def asset_url(name: str) -> str:
    return f"{PREFIX}/{version()}/{name}"


def static_router() -> Router:
    return create_static_files_router(
        path=f"{PREFIX}/{version()}",
        directories=[STATIC],
        name="console-static",
        cache_control=CacheControlHeader(max_age=YEAR, public=True, immutable=True),
        include_in_schema=False,
        opt={STATIC_FILES: True},
    )
