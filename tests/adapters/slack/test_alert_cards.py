"""Alert cards on Slack: the card in the on-call channel, its buttons, and what they do, through
slack-bolt with signed requests against the stand-in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.slack.recorded import ALERT, Recorded, request_of
from adapters.slack.render import render_blocks
from incidents import commands as c
from incidents.messages import Audience, Button, Message, MessageKind
from tests.adapters.slack import requests as r
from tests.adapters.slack.conftest import LI, SAM, Slack, running_slack, slack_settings
from tests.adapters.slack.standin import SlackStandIn

TOKEN = "slack-alerts-token"
WARNING = {
    "version": "4",
    "groupKey": '{}:{alertname="DiskFilling"}',
    "status": "firing",
    "groupLabels": {"alertname": "DiskFilling"},
    "commonLabels": {"alertname": "DiskFilling", "severity": "warning"},
    "commonAnnotations": {"summary": "Disk filling on db-3 <!channel>"},
    "externalURL": "http://alertmanager:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "DiskFilling", "instance": "db-3", "severity": "warning"},
            "annotations": {"summary": "Disk filling on db-3 <!channel>"},
            "startsAt": "2026-11-23T13:55:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": "f1",
        }
    ],
}


def test_a_cards_buttons_carry_the_alert_group_and_parse_back() -> None:
    """Acknowledge and Declare incident: stable action ids with the group id as the value; a
    click is recorded and read back as the alert request (no incident number)."""
    card = Message(
        kind=MessageKind.ALERT_CARD,
        audience=Audience.ONCALL,
        text=("card",),
        buttons=(Button.ACKNOWLEDGE_ALERT, Button.DECLARE_INCIDENT),
        alert=7,
    )
    _, blocks = render_blocks(card)
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert actions["block_id"] == "sevbot_alert_7"
    assert [(e["action_id"], e["value"], e["style"]) for e in actions["elements"]] == [
        ("sevbot_acknowledge_alert", "7", "primary"),
        ("sevbot_declare_incident", "7", "danger"),
    ]
    for button, request in (
        (Button.ACKNOWLEDGE_ALERT, c.AcknowledgeAlert(alert=7)),
        (Button.DECLARE_INCIDENT, c.DeclareAlertIncident(alert=7)),
    ):
        recorded = Recorded(
            key="k",
            kind=ALERT,
            user_id=SAM,
            channel_id="C",
            response_url=None,
            text=button.value,
            alert=7,
        )
        again = Recorded.load("k", recorded.dump())
        assert again == recorded
        assert request_of(recorded) == (request, None)


@pytest.fixture
async def slack_alerts(
    tmp_path: Path, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """The app with Slack and an Alertmanager source."""
    monkeypatch.setenv("SEVBOT_TEST_SLACK_ALERTS", TOKEN)
    source = {"name": "prometheus", "token_env": "SEVBOT_TEST_SLACK_ALERTS"}
    settings = slack_settings(tmp_path, standin, alert_source=[source])
    async with running_slack(tmp_path, standin, settings) as running:
        yield running


async def alert_card(slack: Slack) -> dict[str, Any]:
    """Post the warning; the card the on-call channel got."""
    response = await slack.client.post(
        "/hooks/alertmanager", json=WARNING, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status == 200
    assert slack.app.alerts is not None
    await slack.app.alerts.settle()
    await slack.settle()
    [card] = slack.standin.channels["CONCALL"].posts()
    return card


async def test_the_card_pages_the_primary_and_acknowledge_says_who(slack_alerts: Slack) -> None:
    """The card mentions the primary, escapes what the alert says, and its Acknowledge click
    is answered and told in the on-call channel."""
    slack = slack_alerts
    card = await alert_card(slack)
    assert f"<@{SAM}>" in card["text"]
    assert "<!channel>" not in card["text"]
    payload = r.block_action(
        "sevbot_acknowledge_alert",
        "1",
        user=LI,
        channel="CONCALL",
        response_url=slack.standin.response_url(LI),
    )
    reply = await slack.send(r.interactivity(payload), r.FORM)
    assert reply.status == 200
    await slack.settle()
    assert "You acknowledged the alert Disk filling on db-3" in slack.responses_to(LI)[-1]
    assert f"<@{LI}> acknowledged the alert" in slack.standin.channels["CONCALL"].texts()[-1]


async def test_declare_incident_opens_an_incident_with_the_alert(slack_alerts: Slack) -> None:
    """Declare incident → incident #1 declared by the clicker, its channel lists the alert."""
    slack = slack_alerts
    await alert_card(slack)
    payload = r.block_action(
        "sevbot_declare_incident",
        "1",
        user=LI,
        channel="CONCALL",
        response_url=slack.standin.response_url(LI),
    )
    await slack.send(r.interactivity(payload), r.FORM)
    await slack.settle()
    incident = await slack.app.service.load(1)
    assert incident is not None
    assert incident.declared_by == f"slack:{LI}"
    assert any("DiskFilling" in text for text in slack.channel(1).texts())
    assert f"<@{LI}> declared incident #1" in slack.standin.channels["CONCALL"].texts()[-1]
