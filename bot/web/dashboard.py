"""The internal dashboard: open incidents with live deadlines, on-call, one incident in full.

People read by name where the store knows it (`@id` where not); the templates escape names
like any text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from aiohttp import web

from bot.names import names_in
from bot.oncall.service import OnCallService
from bot.review.markdown import render_review
from bot.views import entry_parts, person_name
from bot.web.context import WebContext
from bot.web.render import markdown
from bot.web.shared import web_of
from bot.web.signin import need_login
from incidents.messages import render_plain
from incidents.model import Incident, TimelineEntry
from incidents.names import Names
from incidents.oncall.rotation import Shift
from incidents.people import Person
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


Board = list[tuple[str, Shift | None, Shift | None]]


async def _oncall_shifts(app: WebContext) -> Board:
    """Each rotation with its shift now and its next one."""
    service = app.oncall
    if not isinstance(service, OnCallService):
        return []
    return [(name, *await service.now_and_next(name)) for name in service.rotations]


def _on_board(board: Board) -> list[Person]:
    """The people an on-call board shows."""
    return [
        person
        for _, current, upcoming in board
        for shift in (current, upcoming)
        if shift is not None
        for person in (shift.primary, shift.backup)
        if person is not None
    ]


def _oncall_board(board: Board, names: Names) -> list[dict[str, str]]:
    """Each rotation: who is primary and backup now, and who is next (with when)."""
    rows = []
    for name, current, upcoming in board:
        nxt = "—"
        if upcoming is not None:
            nxt = f"{person_name(upcoming.primary, names)} from {iso_short(upcoming.start)}"
        rows.append(
            {
                "rotation": name,
                "primary": person_name(current.primary, names) if current else "nobody yet",
                "backup": person_name(current.backup, names) if current and current.backup else "—",
                "next": nxt,
            }
        )
    return rows


def _people(names: Names) -> dict[str, Callable[..., str]]:
    """The templates' `person` and `entry_text`, reading people by `names`."""

    def person(user: Person | None) -> str:
        return person_name(user, names)

    def entry_text(entry: TimelineEntry) -> str:
        return render_plain(entry_parts(entry), names)

    return {"person": person, "entry_text": entry_text}


async def _names(app: WebContext, people: Iterable[Person]) -> Names:
    """The names the store keeps for `people`."""
    async with app.store.transaction() as uow:
        return await names_in(uow, people)


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
    board = await _oncall_shifts(web_.app)
    commanders = [i.incident_commander for i in incidents if i.incident_commander]
    names = await _names(web_.app, [*commanders, *_on_board(board)])
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
    oncall = _oncall_board(board, names)
    body = web_.render(
        "dashboard.html", now, incidents=rows, oncall=oncall, audit=audit, **_people(names)
    )
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
    names = await _names(web_.app, incident.named_people)
    facts = review_facts(incident, web_.app.policy, now)
    review = markdown(
        render_review(facts, template_path=web_.app.service.review_template, names=names)
    )
    body = web_.render(
        "incident.html",
        now,
        incident=incident,
        deadlines=deadlines,
        review_html=review,
        **_people(names),
    )
    return web.Response(text=body, content_type="text/html", headers={"Cache-Control": "no-store"})
