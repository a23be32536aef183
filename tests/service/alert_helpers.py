"""Builders for the alert tests: an app with alert sources and a heartbeat behind a real aiohttp
test server, and Alertmanager, Grafana and Events API bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.alerts import Alerts
from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from incidents.messages import Message
from incidents.model import EntryKind, Incident
from tests.fakes import RecordingChat
from tests.service.conftest import maintainers

TOKENS = {
    "SEVBOT_TEST_PROMETHEUS": "prom-token",
    "SEVBOT_TEST_EVENTS": "events-token",
    "SEVBOT_TEST_HEARTBEAT": "beat-token",
}
PROMETHEUS = {"Authorization": "Bearer prom-token"}
EVENTS = {"Authorization": "Bearer events-token"}
HEARTBEAT = {"Authorization": "Bearer beat-token"}
STARTS = "2026-11-23T13:55:00Z"  # when the alerts of these tests started firing


def sources(**prometheus: Any) -> dict[str, Any]:
    """Settings fields: `prometheus` (Alertmanager, options as given), `uptime` (Events API),
    and the heartbeat `prometheus-watchdog` (5 min + 2 min grace, SEV-1)."""
    return {
        "alert_source": [
            {"name": "prometheus", "token_env": "SEVBOT_TEST_PROMETHEUS", **prometheus},
            {"name": "uptime", "kind": "events", "token_env": "SEVBOT_TEST_EVENTS"},
        ],
        "heartbeat": [
            {
                "name": "prometheus-watchdog",
                "token_env": "SEVBOT_TEST_HEARTBEAT",
                "expect_every": "5m",
                "grace": "2m",
                "severity": "sev1",
            }
        ],
    }


@dataclass
class Served:
    """The app, its HTTP test client and the chat it delivers to."""

    app: App
    client: TestClient[Any, Any]
    chat: RecordingChat

    @property
    def alerts(self) -> Alerts:
        """The app's alerts (configured in every test here)."""
        assert self.app.alerts is not None
        return self.app.alerts

    async def post(self, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
        """POST JSON, apply what was received, deliver the outbox; (status, JSON answer)."""
        response = await self.client.post(path, json=body, headers=headers)
        answer = await response.json()
        await self.settle()
        return response.status, answer

    async def settle(self) -> None:
        """Apply what was received and deliver the outbox."""
        await self.alerts.settle()
        await self.app.dispatcher.deliver_due()

    async def incident(self, number: int) -> Incident:
        """Incident `number`, which must exist."""
        found = await self.app.service.load(number)
        assert found is not None
        return found

    async def incidents(self) -> list[Incident]:
        """Every incident not closed."""
        async with self.app.store.transaction() as uow:
            return await uow.open_incidents()

    def kinds(self) -> list[str]:
        """The kinds delivered so far."""
        return [str(kind) for kind in self.chat.kinds()]

    def of_kind(self, kind: str) -> list[Message]:
        """The messages of `kind` delivered so far."""
        return [m for m in self.chat.messages if m.kind == kind]


def alert_entries(incident: Incident) -> list[str]:
    """The texts of the incident's alert timeline entries."""
    return [e.text for e in incident.timeline if e.kind is EntryKind.ALERT]


@asynccontextmanager
async def served(
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    *,
    chat: RecordingChat | None = None,
    **fields: Any,
) -> AsyncIterator[Served]:
    """The real application on SQLite with `fields` as settings (default: `sources()`)."""
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    chat = chat or RecordingChat()
    settings = Settings(database_url=f"sqlite:///{tmp_path}/alerts.db", **(fields or sources()))
    app = await build_app(settings, clock=clock, chats=[chat], oncall=maintainers)
    client: TestClient[Any, Any] = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        yield Served(app=app, client=client, chat=chat)
    finally:
        await client.close()
        await app.close()


def am_alert(
    instance: str,
    *,
    status: str = "firing",
    severity: str = "critical",
    ends: str = "0001-01-01T00:00:00Z",
    **extra: Any,
) -> dict[str, Any]:
    """One alert of Alertmanager's webhook body (HighLatency on `instance`)."""
    return {
        "status": status,
        "labels": {"alertname": "HighLatency", "instance": instance, "severity": severity},
        "annotations": {
            "summary": "API latency is high",
            "description": f"p99 above 2 s on {instance}",
            "runbook_url": "https://runbooks.example.com/latency",
        },
        "startsAt": STARTS,
        "endsAt": ends,
        "generatorURL": "http://prometheus:9090/graph?g0.expr=latency",
        "fingerprint": f"fp-{instance}",
        **extra,
    }


def am_body(*alerts: dict[str, Any], group: str = "api", **extra: Any) -> dict[str, Any]:
    """Alertmanager's webhook body (version 4) for group `group` with `alerts`."""
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="HighLatency", service="{group}"}}',
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "sevbot",
        "groupLabels": {"alertname": "HighLatency", "service": group},
        "commonLabels": {"alertname": "HighLatency"},
        "commonAnnotations": {"summary": "API latency is high"},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
        **extra,
    }


def event(action: str, key: str | None = "disk-db3", **payload: Any) -> dict[str, Any]:
    """An Events API v2 body."""
    body: dict[str, Any] = {
        "routing_key": "ignored-when-a-bearer-token-is-sent",
        "event_action": action,
    }
    if key is not None:
        body["dedup_key"] = key
    if action == "trigger":
        body["payload"] = {
            "summary": "Disk 95% full on db-3",
            "source": "db-3",
            "severity": "critical",
            "custom_details": {"free": "5%"},
            **payload,
        }
        body["links"] = [{"href": "https://grafana.example.com/d/disk", "text": "Disk dashboard"}]
    return body
