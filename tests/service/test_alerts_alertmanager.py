"""`POST /hooks/alertmanager`: one incident per group, alerts joining and resolving, auto-resolve,
a group firing again, Grafana's fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import FakeClock
from incidents.messages import Audience, Button
from incidents.phase import Phase
from incidents.severity import Severity
from tests.service.alert_helpers import (
    PROMETHEUS,
    alert_entries,
    am_alert,
    am_body,
    served,
    sources,
)

HOOK = "/hooks/alertmanager"


async def test_a_group_opens_one_incident_at_the_mapped_severity_and_pages(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A critical alert opens a SEV-1 declared by `alerts:prometheus`, titled by its summary,
    paging the primary, with the alerts listed (labels, description, runbook, source link)."""
    async with served(tmp_path, clock, monkeypatch) as s:
        status, answer = await s.post(HOOK, am_body(am_alert("db-1")), PROMETHEUS)
        assert (status, answer["ok"]) == (200, True)
        (incident,) = await s.incidents()
        assert (incident.severity, incident.title) == (Severity.SEV1, "API latency is high")
        assert incident.declared_by == "alerts:prometheus"
        assert [m.recipient for m in s.of_kind("page")] == ["console:sam"]
        (summary,) = s.of_kind("alerts")
        text = summary.plain_text()
        assert summary.pin
        assert summary.audience is Audience.INCIDENT
        for expected in (
            "instance=db-1",
            "p99 above 2 s on db-1",
            "Runbook: https://runbooks.example.com/latency",
            "Source: http://prometheus:9090/graph?g0.expr=latency",
        ):
            assert expected in text


async def test_a_second_alert_joins_and_a_retried_delivery_is_done_once(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same body twice (a retry) adds nothing; a second alert in the group adds one
    timeline entry to the same incident, never a new incident."""
    async with served(tmp_path, clock, monkeypatch) as s:
        await s.post(HOOK, am_body(am_alert("db-1")), PROMETHEUS)
        await s.post(HOOK, am_body(am_alert("db-1")), PROMETHEUS)
        await s.post(HOOK, am_body(am_alert("db-1"), am_alert("db-2")), PROMETHEUS)
        await s.post(HOOK, am_body(am_alert("db-1"), am_alert("db-2")), PROMETHEUS)
        assert [i.number for i in await s.incidents()] == [1]
        entries = alert_entries(await s.incident(1))
        assert len(entries) == 2
        assert "1 more firing: HighLatency {instance=db-2}" in entries[1]


async def test_resolution_reaches_the_channel_with_times_and_a_resolve_button(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When every alert resolved (without auto_resolve), the incident channel hears it with the
    times and gets a Resolve button; the incident stays open."""
    async with served(tmp_path, clock, monkeypatch) as s:
        await s.post(HOOK, am_body(am_alert("db-1"), am_alert("db-2")), PROMETHEUS)
        clock.advance(minutes=9)
        gone = [
            am_alert("db-1", status="resolved", ends="2026-11-23T14:04:00Z"),
            am_alert("db-2", status="resolved", ends="2026-11-23T14:08:00Z"),
        ]
        await s.post(HOOK, am_body(*gone), PROMETHEUS)
        last = s.of_kind("alerts")[-1]
        assert "Every alert has resolved (firing 13:55 UTC–14:08 UTC (13 min))" in last.plain_text()
        assert last.buttons == (Button.RESOLVE,)
        assert (await s.incident(1)).is_active


async def test_auto_resolve_resolves_unless_a_person_acknowledged(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With auto_resolve, group api's incident resolves itself when its alerts resolve; group
    web's does not, because sam acknowledged it."""
    async with served(tmp_path, clock, monkeypatch, **sources(auto_resolve=True)) as s:
        await s.post(HOOK, am_body(am_alert("db-1"), group="api"), PROMETHEUS)
        await s.post(HOOK, am_body(am_alert("web-1"), group="web"), PROMETHEUS)
        await s.app.service.handle_text("ack 2", actor="console:sam", platform="console")
        clock.advance(minutes=5)
        for group, instance in (("api", "db-1"), ("web", "web-1")):
            gone = am_alert(instance, status="resolved", ends="2026-11-23T14:04:00Z")
            await s.post(HOOK, am_body(gone, group=group), PROMETHEUS)
        api, web = await s.incident(1), await s.incident(2)
        assert api.resolved_at == clock.now()
        assert api.resolved_at
        assert api.phase is Phase.RESOLUTION
        assert web.resolved_at is None


async def test_a_group_firing_again_after_resolution_opens_a_new_linked_incident(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resolved #1 (by sam, who acknowledged it: a tool declared it, so only the acknowledger
    stands in as its declarer); the same group fires again (a new start) → #2, naming #1."""
    async with served(tmp_path, clock, monkeypatch) as s:
        await s.post(HOOK, am_body(am_alert("db-1")), PROMETHEUS)
        gone = am_alert("db-1", status="resolved", ends="2026-11-23T14:04:00Z")
        await s.post(HOOK, am_body(gone), PROMETHEUS)
        refused = await s.app.service.handle_text(
            "resolve 1 fixed", actor="console:sam", platform="console"
        )
        assert "whoever acknowledges it (`/incident ack 1`)" in refused.reply_text
        for command in ("ack 1", "resolve 1 fixed"):  # the acknowledger stands in as declarer
            done = await s.app.service.handle_text(command, actor="console:sam", platform="console")
            assert done.ok, done.reply_text
        clock.advance(hours=2)
        again = am_alert("db-1", startsAt="2026-11-23T15:50:00Z")
        await s.post(HOOK, am_body(again), PROMETHEUS)
        assert [i.number for i in await s.incidents()] == [1, 2]
        assert "fired before: #1" in alert_entries(await s.incident(2))[0]


async def test_grafanas_extra_fields_are_used(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Grafana's webhook: its title names the incident when no summary does; the message,
    dashboard, panel and silence links and the values are in the summary."""
    grafana_alert = am_alert(
        "zone-us-1",
        dashboardURL="https://grafana.example.com/d/mem",
        panelURL="https://grafana.example.com/d/mem?viewPanel=2",
        silenceURL="https://grafana.example.com/alerting/silence/new",
        values={"B": 44.23943737541908, "C": 1},
    )
    grafana_alert["annotations"] = {"description": "The system has high memory usage"}
    body = am_body(
        grafana_alert,
        version="1",
        orgId=1,
        state="alerting",
        title="[FIRING:1] High memory usage (blue)",
        message="**Firing**\nValue: B=44.2",
        commonAnnotations={},
    )
    async with served(tmp_path, clock, monkeypatch) as s:
        assert (await s.post(HOOK, body, PROMETHEUS))[0] == 200
        (incident,) = await s.incidents()
        assert incident.title == "High memory usage (blue)"
        text = s.of_kind("alerts")[0].plain_text()
        for expected in (
            "Dashboard: https://grafana.example.com/d/mem",
            "Panel: https://grafana.example.com/d/mem?viewPanel=2",
            "Silence: https://grafana.example.com/alerting/silence/new",
            "Values: B=44.23943737541908, C=1",
            "Grafana: **Firing** Value: B=44.2",
        ):
            assert expected in text


async def test_a_warning_posts_a_card_that_pages_and_declaring_attaches_the_alert(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Below the threshold: a card in the on-call channel mentioning the primary, with
    Acknowledge and Declare incident, and a page; Acknowledge says who; Declare incident opens
    an incident (declared by the person) that lists the alert; later news goes to it."""
    from incidents import commands as c

    async with served(tmp_path, clock, monkeypatch) as s:
        await s.post(HOOK, am_body(am_alert("db-1", severity="warning")), PROMETHEUS)
        assert await s.incidents() == []
        (card,) = s.of_kind("alert_card")
        assert card.audience is Audience.ONCALL
        assert card.rotation == "maintainers"
        assert card.buttons == (Button.ACKNOWLEDGE_ALERT, Button.DECLARE_INCIDENT)
        assert card.plain_text().startswith("📟 @sam, 1 alert(s) firing")
        assert [m.recipient for m in s.of_kind("page")] == ["console:sam"]
        assert card.alert is not None
        ack = await s.app.service.handle(
            c.AcknowledgeAlert(alert=card.alert), actor="console:li", platform="console"
        )
        assert ack.ok
        assert "acknowledged the alert" in ack.reply_text
        declared = await s.app.service.handle(
            c.DeclareAlertIncident(alert=card.alert), actor="console:li", platform="console"
        )
        await s.settle()
        assert declared.incident == 1
        incident = await s.incident(1)
        assert (incident.severity, incident.declared_by) == (Severity.SEV3, "console:li")
        assert "HighLatency {instance=db-1}" in alert_entries(incident)[0]
        updates = [m.plain_text() for m in s.of_kind("alert_update")]
        assert updates == [
            "👀 @li acknowledged the alert API latency is high.",
            "🚨 @li declared incident #1 from the alert API latency is high.",
        ]
        gone = am_alert("db-1", status="resolved", severity="warning", ends="2026-11-23T14:04:00Z")
        await s.post(HOOK, am_body(gone), PROMETHEUS)
        assert "Every alert has resolved" in s.of_kind("alerts")[-1].plain_text()
