"""`GET /oncall/<rotation>.ics`: a rotation as an iCalendar feed (RFC 5545) to subscribe to.

One event per shift (or part of a shift an override changed): the primary in the summary, the
backup in the description, start and end in UTC, consecutive events ending where the next
begins. From the rotation's start, at most 12 weeks back, to 26 weeks ahead. People read by
the name their chat platform gave them, where the store has one.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from bot.names import names_in
from bot.oncall.service import OnCallService
from incidents.names import NO_NAMES, Names, clean_name, plain_name
from incidents.oncall.rotation import Rotation, Shift, handoff_at
from incidents.oncall.schedule import Edit, Override, schedule
from incidents.people import Person

if TYPE_CHECKING:
    from bot.web.context import WebContext

BACK = timedelta(weeks=12)
AHEAD = timedelta(weeks=26)
CRLF = "\r\n"


def escape_text(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newline escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into 75-octet pieces (RFC 5545 §3.1), never splitting a character."""
    pieces: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += char
        size += width
    pieces.append(current)
    return (CRLF + " ").join(pieces)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def display(user: Person | None, names: Names = NO_NAMES) -> str:
    """How a member reads in a calendar: their name, else the address or the chat id, without
    the prefix."""
    if user is None:
        return "nobody"
    return plain_name(user, names) if clean_name(names.get(user)) else user.id


def feed_window(rotation: Rotation, now: datetime) -> tuple[datetime, datetime]:
    """From the rotation's start (at most 12 weeks back) to 26 weeks ahead."""
    return max(handoff_at(rotation, 0), now - BACK), now + AHEAD


def event_lines(rotation: Rotation, shift: Shift, stamp: str, names: Names = NO_NAMES) -> list[str]:
    """The VEVENT of one shift."""
    summary = f"On call: {display(shift.primary, names)} (primary, {rotation.name})"
    description = f"Backup: {display(shift.backup, names)}\nRotation: {rotation.name}"
    if shift.edited:
        description += "\nChanged from the rotation order by an override or swap."
    return [
        "BEGIN:VEVENT",
        f"UID:{rotation.name}-{_utc(shift.start)}@sevbot",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{_utc(shift.start)}",
        f"DTEND:{_utc(shift.end)}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def calendar(
    rotation: Rotation, edits: Sequence[Edit], now: datetime, names: Names = NO_NAMES
) -> str:
    """The whole VCALENDAR text, CRLF line endings, long lines folded."""
    start, end = feed_window(rotation, now)
    stamp = _utc(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//sevbot//on-call rotations//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(f'On call: {rotation.name}')}",
    ]
    for shift in schedule(rotation, edits, start, end):
        lines += event_lines(rotation, shift, stamp, names)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def feed_handler(app: WebContext) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler for `/oncall/{rotation}.ics`, bound to the app."""

    async def oncall_feed(request: web.Request) -> web.Response:
        oncall = app.oncall
        name = request.match_info["rotation"]
        if not isinstance(oncall, OnCallService) or name not in oncall.rotations:
            # The names of the other rotations are not for whoever guesses a URL.
            return web.Response(status=404, text="No such on-call feed.\n")
        token = oncall.feed_tokens.get(name)
        if token is not None:
            given = request.query.get("token") or request.headers.get(
                "Authorization", ""
            ).removeprefix("Bearer ")
            sent = given.strip().encode("utf-8", "surrogateescape")  # any bytes: a mismatch
            if not hmac.compare_digest(sent, token.encode()):
                return web.Response(
                    status=401, text=f"Add ?token=<the feed token of {name}> to the URL.\n"
                )
        rotation = oncall.rotations[name]
        now = app.clock.now()
        edits = await oncall.edits_since(name, feed_window(rotation, now)[0])
        covering = [edit.person for edit in edits if isinstance(edit, Override)]
        async with app.store.transaction() as uow:
            names = await names_in(uow, [*rotation.members, *rotation.backups, *covering])
        return web.Response(
            body=calendar(rotation, edits, now, names).encode("utf-8"),
            content_type="text/calendar",
            charset="utf-8",
            headers={"Content-Disposition": f'inline; filename="{name}.ics"'},
        )

    return oncall_feed
