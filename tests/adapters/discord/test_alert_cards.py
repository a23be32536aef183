"""Alert cards on Discord: the card's buttons (stable custom ids, registered before the gateway
connects) acknowledge the alert and declare an incident, against the stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.discord.parse import CustomId, component_request, parse_custom_id
from bot.bootstrap import App
from bot.clock import FakeClock
from incidents import commands as c
from tests.adapters.discord.conftest import (
    deliver,
    discord_app,
    discord_settings,
    oncall_of,
    start_adapter,
)
from tests.adapters.discord.standin import StandIn

TOKEN = "discord-alerts-token"
WARNING = {
    "version": "4",
    "groupKey": '{}:{alertname="DiskFilling"}',
    "groupLabels": {"alertname": "DiskFilling"},
    "commonAnnotations": {"summary": "Disk filling on db-3 @everyone"},
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "DiskFilling", "severity": "warning"},
            "startsAt": "2026-11-23T13:55:00Z",
            "fingerprint": "f1",
        }
    ],
}


def test_alert_custom_ids_parse_to_alert_requests() -> None:
    """`sevbot:alertack:7` and `sevbot:declare:7` are the alert group's, not incident 7's."""
    ack = parse_custom_id("sevbot:alertack:7")
    assert ack == CustomId(action="alertack", incident=7)
    assert component_request(ack, {}) == c.AcknowledgeAlert(alert=7)
    declare = parse_custom_id("sevbot:declare:7")
    assert declare is not None
    assert component_request(declare, {}) == c.DeclareAlertIncident(alert=7)


@pytest.fixture
async def alerting(
    tmp_path: Path, clock: FakeClock, discord: StandIn, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[App]:
    """The app with Discord and an Alertmanager source, paging the stand-in's people."""
    monkeypatch.setenv("SEVBOT_TEST_DISCORD_ALERTS", TOKEN)
    source = {"name": "prometheus", "token_env": "SEVBOT_TEST_DISCORD_ALERTS"}
    built = await discord_app(
        discord_settings(tmp_path, discord, alert_source=[source]),
        clock,
        oncall=oncall_of(discord),
        oncall_channels={("maintainers", "discord"): discord.oncall["id"]},
    )
    try:
        yield built
    finally:
        await built.close()


async def test_card_buttons_acknowledge_and_declare(alerting: App, discord: StandIn) -> None:
    """The card in the on-call channel pings the primary only (not @everyone from the alert);
    Acknowledge is answered and told there; Declare incident opens #1 declared by the clicker."""
    running = await start_adapter(alerting)
    try:
        assert alerting.alerts is not None
        assert await alerting.alerts.intake.record(
            "prometheus", "alertmanager", WARNING, severity_label="severity"
        )
        await alerting.alerts.settle()
        await deliver(alerting)
        [card] = [s for s in discord.posts(discord.oncall) if s.custom_ids()]
        assert card.custom_ids() == ["sevbot:alertack:1", "sevbot:declare:1"]
        assert card.pinged["users"] == [str(discord.uid("sam"))]
        assert card.pinged["everyone"] is False
        answer = await discord.click(card, "sevbot:alertack:1", as_user="li")
        assert "acknowledged the alert" in str(answer.data.get("content"))
        await deliver(alerting)
        await discord.click(card, "sevbot:declare:1", as_user="li")
        await deliver(alerting)
        incident = await alerting.service.load(1)
        assert incident is not None
        assert incident.declared_by == f"discord:{discord.uid('li')}"
    finally:
        await running.stop()
