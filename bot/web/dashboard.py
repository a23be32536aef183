"""The internal dashboard: open incidents with live deadlines, on-call, one incident in full."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from bot.oncall.service import OnCallService
from bot.review.markdown import render_review
from bot.views import person_name
from bot.web.context import WebContext
from bot.web.render import markdown
from bot.web.shared import web_of
from bot.web.signin import need_login
from incidents.model import Incident
from incidents.review import review_facts
from incidents.timers import TimerKind, pending_timers

AUDIT_WINDOW = timedelta(days=30)  # the dashboard shows the latest audit entries of 30 days
AUDIT_SHOWN = 20


def _deadlines(incident: Incident, app: WebContext) -> dict[str, datetime | None]:
    found: dict[str, datetime | None] = {"status": None, "response": None, "phase": None}
    for spec in pending_timers(incident, app.policy):
        if spec.kind is TimerKind.STATUS_REMINDER:
            found["status"] = spec.due_at
        elif spec.kind is TimerKind.RESPONSE_BREACH:
            found["response"] = spec.due_at
        elif spec.kind is TimerKind.PHASE_BREACH:
            found["phase"] = spec.due_at
    return found


async def _oncall_board(app: WebContext) -> list[dict[str, str]]:
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
    web_ = web_of(request)
    await need_login(request, web_)
    now = web_.app.clock.now()
    async with web_.app.store.transaction() as uow:
        incidents = await uow.open_incidents()
        audit = await uow.audit_since(now - AUDIT_WINDOW, AUDIT_SHOWN)
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
    body = web_.render("dashboard.html", now, incidents=rows, oncall=oncall, audit=audit)
    return web.Response(text=body, content_type="text/html", headers={"Cache-Control": "no-store"})


async def incident_page(request: web.Request) -> web.Response:
    """GET /incidents/<n>: the full timeline, the review draft and the action items."""
    web_ = web_of(request)
    await need_login(request, web_)
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
