"""`POST /hooks/events`: the PagerDuty Events API v2 shape: trigger, acknowledge, resolve."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import FakeClock
from incidents.messages import Button
from incidents.severity import Severity
from tests.service.alert_helpers import EVENTS, alert_entries, event, served

HOOK = "/hooks/events"


async def test_trigger_twice_with_one_dedup_key_is_one_incident(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two triggers with one dedup_key: both answered 202 as the Events API answers, one
    incident (critical → SEV-1, titled by the summary, its details and links listed)."""
    async with served(tmp_path, clock, monkeypatch) as s:
        for _ in range(2):
            status, answer = await s.post(HOOK, event("trigger"), EVENTS)
            assert status == 202
            assert answer == {
                "status": "success",
                "message": "Event processed",
                "dedup_key": "disk-db3",
            }
        (incident,) = await s.incidents()
        assert (incident.severity, incident.title) == (Severity.SEV1, "Disk 95% full on db-3")
        assert incident.declared_by == "alerts:uptime"
        text = s.of_kind("alerts")[0].plain_text()
        assert "free: 5%" in text
        assert "Disk dashboard: https://grafana.example.com/d/disk" in text
        assert len(alert_entries(incident)) == 1


async def test_acknowledge_then_resolve(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`acknowledge` acknowledges the incident (escalation stops) as the source; `resolve`
    resolves its alert: the channel hears it, with a Resolve button (no auto_resolve)."""
    async with served(tmp_path, clock, monkeypatch) as s:
        await s.post(HOOK, event("trigger"), EVENTS)
        clock.advance(minutes=3)
        assert (await s.post(HOOK, event("acknowledge"), EVENTS))[0] == 202
        incident = await s.incident(1)
        assert incident.acknowledged_by == "alerts:uptime"
        assert incident.acknowledged_at == clock.now()
        clock.advance(minutes=3)
        assert (await s.post(HOOK, event("resolve"), EVENTS))[0] == 202
        last = s.of_kind("alerts")[-1]
        assert "Every alert has resolved (firing 14:00 UTC–14:06 UTC (6 min))" in last.plain_text()
        assert last.buttons == (Button.RESOLVE,)


async def test_a_trigger_without_a_dedup_key_gets_a_stable_one(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No dedup_key: one is made from the event and returned; the same event again (a retry)
    gets the same key and is the same incident."""
    async with served(tmp_path, clock, monkeypatch) as s:
        first = (await s.post(HOOK, event("trigger", key=None), EVENTS))[1]["dedup_key"]
        again = (await s.post(HOOK, event("trigger", key=None), EVENTS))[1]["dedup_key"]
        assert first == again
        assert len(first) == 32
        assert len(await s.incidents()) == 1


async def test_the_token_may_come_as_routing_key(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sender that cannot set headers puts the token in `routing_key`."""
    body = {**event("trigger"), "routing_key": "events-token"}
    async with served(tmp_path, clock, monkeypatch) as s:
        assert (await s.post(HOOK, body, {}))[0] == 202
        assert len(await s.incidents()) == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"event_action": "explode"}, "event_action must be one of trigger, acknowledge, resolve"),
        ({"event_action": "resolve"}, "dedup_key is required to resolve"),
        ({"event_action": "trigger", "payload": {"source": "x", "severity": "info"}}, "summary"),
        (
            {
                "event_action": "trigger",
                "payload": {"summary": "x", "source": "y", "severity": "bad"},
            },
            "payload.severity must be one of critical, error, warning, info",
        ),
        ({"event_action": "trigger", "dedup_key": "k" * 256}, "longer than 255"),
    ],
)
async def test_an_invalid_event_is_400_in_the_events_api_shape(
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    body: dict[str, object],
    error: str,
) -> None:
    """`400 {"status": "invalid event", "message": "Event object is invalid", "errors": […]}`."""
    async with served(tmp_path, clock, monkeypatch) as s:
        status, answer = await s.post(HOOK, body, EVENTS)
        assert status == 400
        assert answer["status"] == "invalid event"
        assert answer["message"] == "Event object is invalid"
        assert error in answer["errors"][0]
        assert await s.incidents() == []
