"""Routes of the web side: the status page, sign-in and the dashboard, static files, and the
middlewares of every route (security headers, reading bodies)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.web.auth import FailureLimiter
from bot.web.connections import read_body
from bot.web.context import WebContext
from bot.web.dashboard import dashboard, incident_page
from bot.web.render import environment
from bot.web.security import security_headers
from bot.web.shared import WEB_KEY, Web
from bot.web.signin import login, login_form, login_link, logout
from bot.web.status import status_feed, status_html, status_summary

_FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<circle cx="8" cy="8" r="7" fill="#c62828"/></svg>'
)


async def favicon(request: web.Request) -> web.Response:
    """A small red dot, so browsers stop asking."""
    return web.Response(text=_FAVICON, content_type="image/svg+xml")


def setup_web(web_app: web.Application, context: WebContext) -> None:
    """Add the status page, the dashboard, static files, security headers (outermost) and the
    body reader, which apply to every route of `web_app`."""
    web_app[WEB_KEY] = Web(
        app=context,
        make_templates=environment,
        signer=context.signer,
        limiter=FailureLimiter(),
    )
    web_app.middlewares.append(security_headers(public_url=context.settings.public_url))
    web_app.middlewares.append(
        read_body(timeout=context.settings.http_body_timeout.total_seconds())
    )
    router = web_app.router
    router.add_get("/status", status_html)
    router.add_get("/status/", status_html)
    router.add_get("/status/feed.atom", status_feed)
    router.add_get("/status/summary.json", status_summary)
    router.add_get("/login", login_form)
    router.add_post("/login", login)
    router.add_get("/login/link", login_link)
    router.add_post("/logout", logout)
    router.add_get("/", dashboard)
    router.add_get("/incidents/{number}", incident_page)
    router.add_get("/favicon.ico", favicon)
    # Package data beside this file, by path (importlib.resources would import zipfile and its
    # readers, about 1.5 MiB, for a folder that is never in a zip).
    router.add_static("/static/", path=Path(__file__).parent / "static", show_index=False)
