"""Routes of the public status page and the internal dashboard."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import jinja2
from aiohttp import web

from bot.bootstrap import App
from bot.oncall.service import OnCallService
from bot.review.markdown import render_review
from bot.views import person_name
from bot.web.auth import SESSION_COOKIE, SESSION_TTL, FailureLimiter, Signer
from bot.web.render import environment, helpers, iso, markdown
from bot.web.security import security_headers
from incidents.model import Incident
from incidents.review import review_facts
from incidents.statuspage import PublicIncident, impact, status_page
from incidents.timers import TimerKind, pending_timers

HISTORY = timedelta(days=90)


@dataclass
class Web:
    """What the page handlers share."""

    app: App
    templates: jinja2.Environment
    signer: Signer | None
    limiter: FailureLimiter

    def render(self, name: str, now: datetime, **context: Any) -> str:
        """Render a template with the shared helpers and page settings."""
        page = self.app.settings.status_page
        values = helpers(page.timezone, now) | {
            "page_title": page.title,
            "logo_text": page.logo_text,
        }
        return self.templates.get_template(name).render(values | context)

    def base_url(self, request: web.Request) -> str:
        """SEVBOT_PUBLIC_URL, else what the request came in on."""
        configured = self.app.settings.public_url
        return (configured or f"{request.scheme}://{request.host}").rstrip("/")


WEB_KEY = web.AppKey("sevbot_web", Web)


def _web(request: web.Request) -> Web:
    return request.app[WEB_KEY]


async def _public(
    web_: Web, now: datetime
) -> tuple[Any, list[PublicIncident], list[PublicIncident]]:
    async with web_.app.store.transaction() as uow:
        incidents = await uow.incidents_since(now - HISTORY)
        incidents += [i for i in await uow.open_incidents() if i not in incidents]
    severities = web_.app.settings.status_page.severities()
    return status_page(incidents, public_severities=severities, now=now)


async def status_html(request: web.Request) -> web.Response:
    """GET /status: overall state, open incidents' external updates, 90 days of history."""
    web_ = _web(request)
    now = web_.app.clock.now()
    state, open_, past = await _public(web_, now)
    body = web_.render("status.html", now, state=state, open_incidents=open_, past_incidents=past)
    return web.Response(
        text=body, content_type="text/html", headers={"Cache-Control": "max-age=15"}
    )


async def status_feed(request: web.Request) -> web.Response:
    """GET /status/feed.atom: one entry per external update, newest first."""
    web_ = _web(request)
    now = web_.app.clock.now()
    _, open_, past = await _public(web_, now)
    entries = [
        (incident, update)
        for incident in [*open_, *past]
        for update in [*incident.updates, *([incident.summary] if incident.summary else [])]
    ]
    entries.sort(key=lambda pair: pair[1].at, reverse=True)
    updated = entries[0][1].at if entries else now
    body = web_.render(
        "feed.atom", now, entries=entries, updated=updated, base_url=web_.base_url(request)
    )
    return web.Response(text=body, content_type="application/atom+xml")


async def status_summary(request: web.Request) -> web.Response:
    """GET /status/summary.json in the shape of the common status-page summary."""
    web_ = _web(request)
    now = web_.app.clock.now()
    state, open_, _ = await _public(web_, now)
    page = web_.app.settings.status_page
    base = web_.base_url(request)
    summary = {
        "page": {
            "id": "sevbot",
            "name": page.title,
            "url": f"{base}/status",
            "time_zone": page.timezone,
            "updated_at": iso(max([now, *(i.updated_at for i in open_)])),
        },
        "status": {"indicator": state.indicator, "description": state.description},
        "components": [],
        "incidents": [_incident_json(i, base) for i in open_],
        "scheduled_maintenances": [],
    }
    return web.json_response(summary, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def _incident_json(incident: PublicIncident, base: str) -> dict[str, Any]:
    ident = f"inc-{incident.number}"
    return {
        "id": ident,
        "name": incident.title,
        "status": incident.public_status,
        "impact": impact(incident.severity),
        "created_at": iso(incident.declared_at),
        "updated_at": iso(incident.updated_at),
        "started_at": iso(incident.declared_at),
        "monitoring_at": None,
        "resolved_at": iso(incident.resolved_at) if incident.resolved_at else None,
        "shortlink": f"{base}/status#incident-{incident.number}",
        "page_id": "sevbot",
        "incident_updates": [
            {
                "id": f"{ident}-{index}",
                "incident_id": ident,
                "status": incident.public_status if index == 0 else "identified",
                "body": update.text,
                "created_at": iso(update.at),
                "updated_at": iso(update.at),
                "display_at": iso(update.at),
            }
            for index, update in enumerate(incident.updates)
        ],
    }


def _signed_in(request: web.Request, web_: Web) -> bool:
    if web_.signer is None:
        return False
    return web_.signer.session_valid(request.cookies.get(SESSION_COOKIE), web_.app.clock.now())


def _need_login(request: web.Request, web_: Web) -> None:
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
    web_ = _web(request)
    if web_.signer is None:
        raise web.HTTPNotFound(text="The dashboard is off: set SEVBOT_WEB_TOKEN to turn it on.")
    body = web_.render(
        "login.html", web_.app.clock.now(), error=None, next=_safe_next(request.query.get("next"))
    )
    return web.Response(text=body, content_type="text/html")


async def login(request: web.Request) -> web.StreamResponse:
    """POST /login: check the token (rate limited), set the session cookie."""
    web_ = _web(request)
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
    web_ = _web(request)
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


def _deadlines(incident: Incident, app: App) -> dict[str, datetime | None]:
    found: dict[str, datetime | None] = {"status": None, "response": None, "phase": None}
    for spec in pending_timers(incident, app.policy):
        if spec.kind is TimerKind.STATUS_REMINDER:
            found["status"] = spec.due_at
        elif spec.kind is TimerKind.RESPONSE_BREACH:
            found["response"] = spec.due_at
        elif spec.kind is TimerKind.PHASE_BREACH:
            found["phase"] = spec.due_at
    return found


async def _oncall_board(app: App) -> list[dict[str, str]]:
    """Each rotation: who is primary and backup now, and who is next (with when)."""
    service = app.oncall
    if not isinstance(service, OnCallService):
        return []
    rows = []
    for name in service.rotations:
        current, upcoming = await service.now_and_next(name)
        nxt = "—"
        if upcoming is not None:
            nxt = f"{person_name(upcoming.primary)} from {iso_short(upcoming.start)}"
        rows.append(
            {
                "rotation": name,
                "primary": person_name(current.primary) if current else "nobody yet",
                "backup": person_name(current.backup) if current and current.backup else "—",
                "next": nxt,
            }
        )
    return rows


def iso_short(moment: datetime) -> str:
    """`Mon 30 Nov 09:00 UTC`."""
    return moment.strftime("%a %d %b %H:%M UTC")


async def dashboard(request: web.Request) -> web.Response:
    """GET /: open incidents with live countdowns, and who is on call."""
    web_ = _web(request)
    _need_login(request, web_)
    now = web_.app.clock.now()
    async with web_.app.store.transaction() as uow:
        incidents = await uow.open_incidents()
    rows = []
    for incident in incidents:
        due = _deadlines(incident, web_.app)
        rows.append(
            {
                "incident": incident,
                "status_due": due["status"],
                "response_due": due["response"],
                "phase_due": due["phase"],
            }
        )
    oncall = await _oncall_board(web_.app)
    body = web_.render("dashboard.html", now, incidents=rows, oncall=oncall)
    return web.Response(text=body, content_type="text/html", headers={"Cache-Control": "no-store"})


async def incident_page(request: web.Request) -> web.Response:
    """GET /incidents/<n>: the full timeline, the review draft and the action items."""
    web_ = _web(request)
    _need_login(request, web_)
    now = web_.app.clock.now()
    try:
        number = int(request.match_info["number"])
    except ValueError:
        raise web.HTTPNotFound(text="No such incident.") from None
    incident = await web_.app.service.load(number)
    if incident is None:
        raise web.HTTPNotFound(text=f"There is no incident #{number}.")
    due = _deadlines(incident, web_.app)
    deadlines = [
        (label, due[key])
        for key, label in (
            ("status", "Next status update"),
            ("response", "Response target"),
            ("phase", "Phase deadline"),
        )
        if due[key] is not None
    ]
    facts = review_facts(incident, web_.app.policy, now)
    review = markdown(render_review(facts, template_path=web_.app.service.review_template))
    body = web_.render(
        "incident.html", now, incident=incident, deadlines=deadlines, review_html=review
    )
    return web.Response(text=body, content_type="text/html", headers={"Cache-Control": "no-store"})


_FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<circle cx="8" cy="8" r="7" fill="#c62828"/></svg>'
)


async def favicon(request: web.Request) -> web.Response:
    """A small red dot, so browsers stop asking."""
    return web.Response(text=_FAVICON, content_type="image/svg+xml")


def dashboard_link(app: App, signer: Signer | None) -> str | None:
    """A one-time sign-in link for `/incident dashboard`, or None when the dashboard is off."""
    if signer is None:
        return None
    base = (app.settings.public_url or f"http://localhost:{app.settings.port}").rstrip("/")
    return f"{base}/login/link?t={signer.link_token(app.clock.now())}"


def setup_web(web_app: web.Application, app: App) -> None:
    """Add the status page, the dashboard, static files and security headers."""
    token = app.settings.web_token
    signer = Signer(token.get_secret_value()) if token is not None else None
    web_app[WEB_KEY] = Web(
        app=app, templates=environment(), signer=signer, limiter=FailureLimiter()
    )
    web_app.middlewares.append(security_headers)
    app.service.dashboard_link = lambda: dashboard_link(app, signer)
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
    from importlib import resources

    static = resources.files("bot.web").joinpath("static")
    router.add_static("/static/", path=str(static), show_index=False)
