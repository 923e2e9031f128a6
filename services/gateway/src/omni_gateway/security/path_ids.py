"""Ids in the URL are checked before anything is called with them (OWASP API8, ASVS V5.1): an id
is 1-128 letters, digits and `._:@-`. A malformed one answers 400 naming the parameter; a
well-formed one nobody has answers 404 from the service that would own it. So a 5,000-character
or non-ASCII id never reaches a service, its error messages or its trailers."""

from __future__ import annotations

import re
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import ClientException
from litestar.handlers.base import BaseRouteHandler

MAX_LENGTH = 128
PATH_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:@-]{{0,{MAX_LENGTH - 1}}}")
RULE = f"1-{MAX_LENGTH} letters, digits, '.', '_', ':', '@' or '-'"
# Set in the opt of routes whose path names a static file, not an id (console/assets.py).
STATIC_FILES = "static_files"


async def valid_path_ids(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """An app-wide guard: every path parameter is a well-formed id."""
    if handler.opt.get(STATIC_FILES):
        return
    for name, value in connection.path_params.items():
        if isinstance(value, str) and not PATH_ID.fullmatch(value):
            raise ClientException(
                f"{name} is not a valid id",
                status_code=400,
                extra={"code": "INVALID_PATH_ID", "errors": [{"field": name, "message": RULE}]},
            )
