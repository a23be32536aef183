"""`GET /oncall/<rotation>.ics`, parsed back: consecutive shifts, the window, folding, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import App
from bot.clock import FakeClock
from bot.oncall.ics import escape_text, fold
from tests.fakes import RecordingChat
from tests.service.oncall_helpers import MAINTAINERS, WEDNESDAY, oncall, oncall_app

Client = TestClient[Any, Any]
Served = Callable[..., AbstractAsyncContextManager[tuple[Client, App]]]


@pytest.fixture
def clock() -> FakeClock:
    """Wednesday 2 Dec 2026 14:00 UTC, three days after the rotation started."""
    return FakeClock(WEDNESDAY)


@pytest.fixture
def served(tmp_path: Path, clock: FakeClock) -> Served:
    """Serve an app with the given settings over a real aiohttp test server."""

    @asynccontextmanager
    async def serve(**fields: Any) -> AsyncIterator[tuple[Client, App]]:
        app = await oncall_app(tmp_path / "ics.db", clock, RecordingChat(), **fields)
        client: Client = TestClient(TestServer(app.web))
        await client.start_server()
        try:
            yield client, app
        finally:
            await client.close()
            await app.close()

    return serve


def unescape(value: str) -> str:
    """The inverse of RFC 5545 TEXT escaping."""
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars)
            out.append("\n" if nxt in "nN" else nxt)
        else:
            out.append(char)
    return "".join(out)


def parse_ics(body: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    """A tiny iCalendar reader: checks CRLF and line length, unfolds, returns the calendar's
    properties and each VEVENT's."""
    text = body.decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    physical = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    logical: list[str] = []
    for line in physical:
        if line.startswith((" ", "\t")):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    assert logical[0] == "BEGIN:VCALENDAR"
    assert logical[-1] == "END:VCALENDAR"
    calendar: dict[str, str] = {}
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in logical[1:-1]:
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            current[name] = unescape(value)
        else:
            calendar[name] = value
    return calendar, events


def instant(value: str) -> datetime:
    """A DATE-TIME in UTC form (`…Z`)."""
    assert value.endswith("Z")
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


async def feed(client: Client, path: str = "/oncall/maintainers.ics") -> list[dict[str, str]]:
    """GET the feed and parse it."""
    response = await client.get(path)
    assert response.status == 200, await response.text()
    assert response.content_type == "text/calendar"
    calendar, events = parse_ics(await response.read())
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    return events


async def test_one_event_per_shift_consecutive_from_the_start_to_26_weeks(
    served: Served, clock: FakeClock
) -> None:
    """From the first handoff to 26 weeks ahead, each shift ends where the next begins;
    the primary is in the summary and the backup in the description."""
    async with served() as (client, _):
        events = await feed(client)
    starts = [instant(e["DTSTART"]) for e in events]
    ends = [instant(e["DTEND"]) for e in events]
    assert starts[0] == datetime(2026, 11, 30, 9, tzinfo=UTC)
    assert ends[-1] >= clock.now() + timedelta(weeks=26)
    assert ends[:-1] == starts[1:]
    assert len({e["UID"] for e in events}) == len(events)
    assert all(e["DTSTAMP"] == "20261202T140000Z" for e in events)
    assert events[0]["SUMMARY"] == "On call: alice (primary, maintainers)"
    assert events[0]["DESCRIPTION"].startswith("Backup: bob\nRotation: maintainers")
    assert events[1]["SUMMARY"].startswith("On call: bob")


async def test_at_most_twelve_weeks_back(served: Served, clock: FakeClock) -> None:
    """A year after the start, the feed begins with the shift running 12 weeks ago."""
    clock.set(datetime(2027, 12, 1, 12, tzinfo=UTC))
    async with served() as (client, _):
        events = await feed(client)
    first = instant(events[0]["DTSTART"])
    back = clock.now() - timedelta(weeks=12)
    assert back - timedelta(weeks=1) < first <= back
    assert instant(events[0]["DTEND"]) > back


async def test_an_override_is_its_own_event(served: Served) -> None:
    """Dana's override splits alice's week into three consecutive events."""
    async with served() as (client, app):
        await oncall(app, "/oncall override @dana 2026-12-24 2026-12-27")
        events = await feed(client)
    summaries = [(e["DTSTART"], e["SUMMARY"].split(" (")[0]) for e in events[3:6]]
    assert summaries == [
        ("20261221T090000Z", "On call: alice"),
        ("20261224T000000Z", "On call: dana"),
        ("20261228T000000Z", "On call: alice"),
    ]
    assert "override or swap" in events[4]["DESCRIPTION"]


async def test_handoffs_at_nine_in_oslo_move_in_utc_across_dst(
    served: Served, clock: FakeClock
) -> None:
    """A rotation set to 09:00 Europe/Oslo starts at 08:00 UTC in winter and 07:00 in summer."""
    clock.set(datetime(2027, 3, 17, 12, tzinfo=UTC))
    oslo = {**MAINTAINERS, "handoff": "MON 09:00 Europe/Oslo", "start": date(2027, 3, 15)}
    async with served(rotation=[oslo]) as (client, _):
        events = await feed(client)
    assert [e["DTSTART"] for e in events[:3]] == [
        "20270315T080000Z",
        "20270322T080000Z",
        "20270329T070000Z",
    ]


async def test_a_feed_token_is_needed_when_configured(served: Served) -> None:
    """With feed_token set: 401 without it, 200 with ?token= or a bearer header."""
    guarded = {**MAINTAINERS, "feed_token": "s3cret"}
    async with served(rotation=[guarded]) as (client, _):
        assert (await client.get("/oncall/maintainers.ics")).status == 401
        assert (await client.get("/oncall/maintainers.ics?token=wrong")).status == 401
        assert len(await feed(client, "/oncall/maintainers.ics?token=s3cret")) > 20
        bearer = await client.get(
            "/oncall/maintainers.ics", headers={"Authorization": "Bearer s3cret"}
        )
        assert bearer.status == 200


async def test_an_unknown_rotation_is_404_naming_no_rotation(served: Served) -> None:
    """`/oncall/nope.ics` is a 404 that does not tell a guesser which rotations exist."""
    async with served() as (client, _):
        response = await client.get("/oncall/nope.ics")
        assert response.status == 404
        assert "maintainers" not in await response.text()


def test_long_lines_fold_at_75_octets_without_splitting_characters() -> None:
    """Folding keeps each physical line within 75 octets and unfolds to the original."""
    line = "SUMMARY:" + escape_text(
        "On call: ünïcødé-person-with-a-long-address@example.com, ✓ " * 3
    )
    folded = fold(line)
    pieces = folded.split("\r\n")
    assert len(pieces) > 1
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join([pieces[0], *(p[1:] for p in pieces[1:])]) == line


def test_text_is_escaped() -> None:
    """Commas, semicolons, backslashes and newlines are escaped as RFC 5545 says."""
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
