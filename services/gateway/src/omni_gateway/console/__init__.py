"""The staff console at /console: server-rendered pages (Jinja2) with htmx for partial updates,
signed in with a cookie that carries the staff API's own session (session.py). See
docs/console.md."""

from __future__ import annotations

from litestar import Router
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar_htmx import HTMXRequest

from omni_gateway.console import errors, session
from omni_gateway.console.admin_catalog import ConsoleCatalog
from omni_gateway.console.admin_location import ConsoleLocation
from omni_gateway.console.admin_partners import ConsolePartners
from omni_gateway.console.admin_people import ConsolePeople
from omni_gateway.console.admin_sites import ConsoleSites
from omni_gateway.console.assets import static_router
from omni_gateway.console.customers import ConsoleCustomers
from omni_gateway.console.merges import ConsoleMerges
from omni_gateway.console.password import ConsolePassword
from omni_gateway.console.pickups import ConsolePickups
from omni_gateway.console.preferences import ConsoleConsents
from omni_gateway.console.render import template_config
from omni_gateway.console.returns import ConsoleReturns
from omni_gateway.console.sign_in import ConsoleSignIn
from omni_gateway.console.stock import ConsoleStock
from omni_gateway.console.timing import ServerTiming
from omni_gateway.settings import GatewaySettings

__all__ = ["routes", "template_config"]


def routes(settings: GatewaySettings) -> list[Router]:
    """The console's pages (timing, session, CSRF check, staff authentication, in that order)
    and its static files (none of those: the same for everyone, cached for a year)."""
    pages = Router(
        "/",
        route_handlers=[
            ConsoleSignIn,
            ConsolePassword,
            ConsoleCustomers,
            ConsolePickups,
            ConsoleStock,
            ConsoleReturns,
            ConsoleMerges,
            ConsoleConsents,
            ConsoleCatalog,
            ConsoleSites,
            ConsoleLocation,
            ConsolePeople,
            ConsolePartners,
        ],
        middleware=[
            ServerTiming(),
            session.CookieSession(settings),
            DefineMiddleware(CSRFMiddleware, config=session.csrf_config(settings)),
            session.StaffSession(settings),
        ],
        request_class=HTMXRequest,
        exception_handlers=errors.HANDLERS,
        include_in_schema=False,
    )
    return [pages, static_router()]
