"""Signing in to the dashboard: the token form, one-time links, the session cookie, logout."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from yarl import URL

from bot.web.auth import (
    SESSION_COOKIE,
    SESSION_TTL,
    client_address,
    new_session_id,
    session_key,
)
from bot.web.shared import Web, web_of

DASHBOARD_OFF = "The dashboard is off: set SEVBOT_WEB_TOKEN to turn it on."


async def _signed_in(request: web.Request, web_: Web) -> bool:
    key = session_key(request.cookies.get(SESSION_COOKIE))
    if web_.signer is None or key is None:
        return False
    async with web_.app.store.transaction() as uow:
        return await uow.session_valid(key, web_.app.clock.now())


async def need_login(request: web.Request, web_: Web) -> None:
    """Raise a redirect to the sign-in form (or 404 when the dashboard is off)."""
    if web_.signer is None:
        raise web.HTTPNotFound(text=DASHBOARD_OFF)
    if not await _signed_in(request, web_):
        raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='')}")


async def _signed_in_response(target: str, web_: Web) -> web.HTTPSeeOther:
    """A redirect to `target` that sets the cookie of a new session stored server-side."""
    session = new_session_id()
    key = session_key(session)
    assert key is not None
    now = web_.app.clock.now()
    async with web_.app.store.transaction() as uow:
        await uow.create_session(key, expires_at=now + SESSION_TTL, now=now)
    response = web.HTTPSeeOther(target)
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="Strict",
        secure=(web_.app.settings.public_url or "").startswith("https://"),
        path="/",
    )
    return response


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site, as the URL library will write it in
    `Location`; anything else (another host, a scheme, backslashes, control characters, which
    browsers and URL libraries drop or rewrite) is `/`."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or not value.isprintable():
        return "/"
    url = URL(value)
    written = str(url)
    if url.absolute or not written.startswith("/") or written.startswith("//"):
        return "/"
    return written


async def login_form(request: web.Request) -> web.Response:
    """GET /login: the sign-in form."""
    web_ = web_of(request)
    if web_.signer is None:
        raise web.HTTPNotFound(text=DASHBOARD_OFF)
    body = web_.render(
        "login.html", web_.app.clock.now(), error=None, next=safe_next(request.query.get("next"))
    )
    return web.Response(text=body, content_type="text/html")


async def login(request: web.Request) -> web.StreamResponse:
    """POST /login: check the token (rate limited per client), set the session cookie."""
    web_ = web_of(request)
    if web_.signer is None:
        raise web.HTTPNotFound(text=DASHBOARD_OFF)
    client = client_address(
        request.remote,
        request.headers.getall("X-Forwarded-For", []),
        web_.app.settings.trusted_proxies,
    )
    wait = web_.limiter.retry_after(client)
    form = await request.post()
    target = safe_next(str(form.get("next", "/")))
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
    raise await _signed_in_response(target, web_)


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
    raise await _signed_in_response("/", web_)


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /logout: end the session in the store (the cookie is worthless from now on)."""
    web_ = web_of(request)
    key = session_key(request.cookies.get(SESSION_COOKIE))
    if key is not None:
        async with web_.app.store.transaction() as uow:
            await uow.revoke_session(key)
    response = web.HTTPSeeOther("/status")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response
