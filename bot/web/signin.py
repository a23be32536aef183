"""Signing in to the dashboard: the token form, one-time links, the session cookie, logout."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from bot.web.auth import SESSION_COOKIE, SESSION_TTL
from bot.web.shared import Web, web_of


def _signed_in(request: web.Request, web_: Web) -> bool:
    if web_.signer is None:
        return False
    return web_.signer.session_valid(request.cookies.get(SESSION_COOKIE), web_.app.clock.now())


def need_login(request: web.Request, web_: Web) -> None:
    if web_.signer is None:
        raise web.HTTPNotFound(text="The dashboard is off: set SEVBOT_WEB_TOKEN to turn it on.")
    if not _signed_in(request, web_):
        raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='')}")


def _set_session(response: web.StreamResponse, web_: Web) -> None:
    assert web_.signer is not None
    response.set_cookie(
        SESSION_COOKIE,
        web_.signer.session(web_.app.clock.now()),
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="Strict",
        secure=(web_.app.settings.public_url or "").startswith("https://"),
        path="/",
    )


def _safe_next(value: str | None) -> str:
    return value if value and value.startswith("/") and not value.startswith("//") else "/"


async def login_form(request: web.Request) -> web.Response:
    """GET /login: the sign-in form."""
    web_ = web_of(request)
    if web_.signer is None:
        raise web.HTTPNotFound(text="The dashboard is off: set SEVBOT_WEB_TOKEN to turn it on.")
    body = web_.render(
        "login.html", web_.app.clock.now(), error=None, next=_safe_next(request.query.get("next"))
    )
    return web.Response(text=body, content_type="text/html")


async def login(request: web.Request) -> web.StreamResponse:
    """POST /login: check the token (rate limited), set the session cookie."""
    web_ = web_of(request)
    if web_.signer is None:
        raise web.HTTPNotFound(text="The dashboard is off: set SEVBOT_WEB_TOKEN to turn it on.")
    client = request.remote or "?"
    wait = web_.limiter.retry_after(client)
    form = await request.post()
    target = _safe_next(str(form.get("next", "/")))
    if wait:
        body = web_.render(
            "login.html",
            web_.app.clock.now(),
            error=f"Too many wrong tokens. Try again in {wait} s.",
            next=target,
        )
        return web.Response(
            text=body, content_type="text/html", status=429, headers={"Retry-After": str(wait)}
        )
    if not web_.signer.token_matches(str(form.get("token", ""))):
        web_.limiter.failed(client)
        body = web_.render(
            "login.html", web_.app.clock.now(), error="That token is not right.", next=target
        )
        return web.Response(text=body, content_type="text/html", status=401)
    response = web.HTTPSeeOther(target)
    _set_session(response, web_)
    raise response


async def login_link(request: web.Request) -> web.StreamResponse:
    """GET /login/link?t=…: a one-time sign-in link from `/incident dashboard`."""
    web_ = web_of(request)
    if web_.signer is None:
        raise web.HTTPNotFound(text="The dashboard is off.")
    now = web_.app.clock.now()
    nonce = web_.signer.link_nonce(request.query.get("t", ""), now)
    fresh = False
    if nonce is not None:
        async with web_.app.store.transaction() as uow:
            fresh = await uow.remember_request(f"weblink:{nonce}", now)
    if not fresh:
        body = web_.render(
            "login.html",
            now,
            error="That sign-in link has expired or was used already. Ask for a new one with /incident dashboard, or use the token.",
            next="/",
        )
        return web.Response(text=body, content_type="text/html", status=403)
    response = web.HTTPSeeOther("/")
    _set_session(response, web_)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /logout: forget the session."""
    response = web.HTTPSeeOther("/status")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response
