"""The hooks at the edge: tokens, malformed and oversized bodies, and received means durable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.alerts.intake import PLATFORM, notification_of
from bot.bootstrap import build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.inbox import Inbox
from tests.fakes import RecordingChat
from tests.service.alert_helpers import (
    EVENTS,
    HEARTBEAT,
    PROMETHEUS,
    alert_entries,
    am_alert,
    am_body,
    event,
    served,
)

HOOK = "/hooks/alertmanager"


async def pending(app: Any) -> list[str]:
    """Keys of received alerts not applied yet."""
    return [entry.key for entry in await app.store.pending_commands(PLATFORM, 100)]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (HOOK, {}),
        (HOOK, {"Authorization": "Bearer wrong"}),
        (HOOK, EVENTS),  # an Events source's token is not an Alertmanager source's
        ("/hooks/events", PROMETHEUS),
        ("/hooks/heartbeat/prometheus-watchdog", PROMETHEUS),
        ("/hooks/heartbeat/nosuch", HEARTBEAT),
    ],
)
async def test_a_wrong_token_is_401_and_does_nothing(
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    headers: dict[str, str],
) -> None:
    """No token, a wrong one, or another hook's → 401; nothing recorded, opened or pinged."""
    body = event("trigger") if path.endswith("events") else am_body(am_alert("db-1"))
    async with served(tmp_path, clock, monkeypatch) as s:
        status, _ = await s.post(path, body, headers)
        assert status == 401
        assert await pending(s.app) == []
        assert await s.incidents() == []
        async with s.app.store.transaction() as uow:
            state = await uow.heartbeat("prometheus-watchdog")
        assert state is not None
        assert state.last_ping_at is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "the body is not UTF-8 JSON"),
        ([], "the body must be a JSON object"),
        ({"alerts": []}, "groupKey is missing"),
        ({"groupKey": "g", "alerts": {}}, "alerts must be a JSON array"),
        ({"groupKey": "g", "alerts": [{"status": "burning"}]}, "alerts[0].status must be"),
        (
            {"groupKey": "g", "alerts": [{"status": "firing", "labels": {"a": 1}}]},
            "alerts[0].labels.a must be a string",
        ),
        (
            {"groupKey": "g", "alerts": [{"status": "firing", "startsAt": "yesterday"}]},
            "alerts[0].startsAt is not an RFC 3339 time",
        ),
    ],
)
async def test_a_malformed_body_is_400_with_the_reason(
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    body: Any,
    reason: str,
) -> None:
    """A body that is not Alertmanager's webhook → 400 saying what is wrong; nothing kept."""
    data = body if isinstance(body, str) else json.dumps(body)
    async with served(tmp_path, clock, monkeypatch) as s:
        response = await s.client.post(HOOK, data=data, headers=PROMETHEUS)
        assert response.status == 400
        assert reason in (await response.json())["error"]
        assert await pending(s.app) == []


async def test_bodies_up_to_1_mib_are_taken_and_larger_ones_are_413(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group of 400 alerts (≈ 300 KiB, beyond the server's 64 KiB for other routes) is taken;
    a body over 1 MiB is 413 and nothing is kept."""
    big = am_body(*(am_alert(f"db-{n}") for n in range(400)))
    huge = am_body(*(am_alert(f"db-{n}", padding="x" * 1024) for n in range(1100)))
    assert 64 * 1024 < len(json.dumps(big)) < 1024 * 1024 < len(json.dumps(huge))
    async with served(tmp_path, clock, monkeypatch) as s:
        assert (await s.post(HOOK, big, PROMETHEUS))[0] == 200
        response = await s.client.post(HOOK, data=json.dumps(huge), headers=PROMETHEUS)
        assert response.status == 413
        await s.settle()
        (incident,) = await s.incidents()
        assert "400 firing" in s.of_kind("alerts")[0].plain_text()
        assert incident.number == 1


async def test_without_sources_the_hooks_are_404(tmp_path: Path, clock: FakeClock) -> None:
    """No [[alert_source]] and no [[heartbeat]]: the hooks are not there (404)."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/none.db")
    app = await build_app(settings, clock=clock, chats=[RecordingChat()])
    client: TestClient[Any, Any] = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        for path in (HOOK, "/hooks/events", "/hooks/heartbeat/x"):
            assert (await client.post(path, json={}, headers=PROMETHEUS)).status == 404
    finally:
        await client.close()
        await app.close()


async def test_an_alert_received_before_a_crash_is_applied_once_by_the_next_start(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recorded but not applied (the process died after answering): the next start applies it.
    Applied but not marked done (it died just after): the next start finds its key remembered
    and applies nothing again."""
    first = am_body(am_alert("db-1"))
    second = am_body(am_alert("db-1"), am_alert("db-2"))
    async with served(tmp_path, clock, monkeypatch) as s:
        crashed = Inbox(store=s.app.store, clock=clock)  # the inbox of the process that died
        assert await crashed.record("alerts:prometheus:received", PLATFORM, recorded(first))
        assert await s.alerts.start() == 1
        await s.settle()
        assert [i.number for i in await s.incidents()] == [1]
        assert await pending(s.app) == []
        key = "alerts:prometheus:applied"
        assert await crashed.record(key, PLATFORM, recorded(second))
        assert await s.alerts.service.receive(notification_of(recorded(second)), key)
        assert await s.alerts.start() == 1
        await s.settle()
        assert await pending(s.app) == []
        assert len(alert_entries(await s.incident(1))) == 2  # opened, db-2 joined: once


def recorded(body: Any) -> str:
    """What the intake writes to the inbox for an Alertmanager body of `prometheus`."""
    fields = {"source": "prometheus", "kind": "alertmanager", "severity_label": "severity"}
    return json.dumps({**fields, "body": body})
