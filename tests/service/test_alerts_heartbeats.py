"""Heartbeats with the fake clock: silent after expect_every + grace, back at the next ping."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import FakeClock
from incidents.severity import Severity
from tests.service.alert_helpers import HEARTBEAT, Served, alert_entries, served, sources

PING = "/hooks/heartbeat/prometheus-watchdog"


async def tick(s: Served, clock: FakeClock, **delta: float) -> None:
    """Advance the clock, fire what is due and deliver."""
    clock.advance(**delta)
    await s.app.scheduler.fire_due()
    await s.app.dispatcher.deliver_due()


async def test_pings_keep_it_quiet_and_silence_opens_an_incident_then_it_is_back(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pings every 5 min keep it quiet; missing for 5 + 2 min opens a SEV-1 "silent since
    14:10" declared by the heartbeat and paged; the next ping says it is back, once."""
    async with served(tmp_path, clock, monkeypatch) as s:
        for _ in range(3):
            status, answer = await s.post(PING, None, HEARTBEAT)
            assert status == 200
            await tick(s, clock, minutes=5)
        assert await s.incidents() == []
        assert answer["silent_after"] == "2026-11-23T14:17:00+00:00"
        await tick(s, clock, minutes=1, seconds=59)
        assert await s.incidents() == []
        await tick(s, clock, seconds=1)
        (incident,) = await s.incidents()
        assert incident.title == "prometheus-watchdog silent since 14:10"
        assert (incident.severity, incident.declared_by) == (
            Severity.SEV1,
            "alerts:prometheus-watchdog",
        )
        assert [m.recipient for m in s.of_kind("page")] == ["console:sam"]
        await tick(s, clock, minutes=10)
        assert len(await s.incidents()) == 1  # silent once, not again every round
        await s.post(PING, None, HEARTBEAT)
        back = s.of_kind("alerts")[-1].plain_text()
        assert "prometheus-watchdog is back: pinged at 14:27 UTC after 17 min of silence" in back
        await s.post(PING, None, HEARTBEAT)
        assert len(alert_entries(await s.incident(1))) == 2


async def test_a_heartbeat_never_pinged_is_silent_from_the_start(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Watched from start-up: no ping within 7 min → silent since 14:00, never pinged."""
    async with served(tmp_path, clock, monkeypatch) as s:
        await tick(s, clock, minutes=7)
        (incident,) = await s.incidents()
        assert incident.title.startswith("prometheus-watchdog silent since 14:00 (no ping")


async def test_a_low_severity_heartbeat_pages_with_a_card(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SEV-3 heartbeat below the incident threshold posts a card and pages, no incident."""
    fields = sources()
    fields["heartbeat"][0]["severity"] = "sev3"
    async with served(tmp_path, clock, monkeypatch, **fields) as s:
        await tick(s, clock, minutes=7)
        assert await s.incidents() == []
        (card,) = s.of_kind("alert_card")
        assert "prometheus-watchdog silent since 14:00" in (card.title or "")
        await s.post(PING, None, HEARTBEAT)
        assert "is back" in s.of_kind("alert_update")[-1].plain_text()
