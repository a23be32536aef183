"""Alerts in, the pure part: severity mapping, grouping a notification, titles and summaries."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from incidents.alerts.grouping import Step, opened, receive
from incidents.alerts.model import Alert, AlertGroup, AlertStatus, Notification, SourceRules
from incidents.alerts.wording import incident_title, opening_summary
from incidents.severity import Severity

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
RULES = SourceRules(name="prometheus")


def alert(
    fingerprint: str = "a1",
    *,
    status: AlertStatus = AlertStatus.FIRING,
    severity: str = "critical",
    starts: datetime = T0,
    **annotations: str,
) -> Alert:
    """A HighLatency alert on an instance named after its fingerprint."""
    return Alert(
        fingerprint=fingerprint,
        status=status,
        labels=(("alertname", "HighLatency"), ("instance", fingerprint), ("severity", severity)),
        annotations=tuple(sorted(annotations.items())),
        starts_at=starts,
        ends_at=None if status is AlertStatus.FIRING else starts + timedelta(minutes=5),
    )


def note(*alerts: Alert, key: str = "g1") -> Notification:
    """A notification of group `key` carrying `alerts`."""
    return Notification(
        source="prometheus",
        group_key=key,
        alerts=alerts,
        group_labels=(("alertname", "HighLatency"),),
    )


def test_severity_maps_by_label_and_reads_sev_words() -> None:
    """critical → SEV-1 by default; `sev0`, `P2` are read as they are; unknown or none → SEV-3."""
    rules = SourceRules(name="x", severities={"Page": Severity.SEV0})
    assert RULES.severity_of(alert()) is Severity.SEV1
    assert rules.severity_of(alert(severity="page")) is Severity.SEV0
    assert RULES.severity_of(alert(severity="P2")) is Severity.SEV2
    assert RULES.severity_of(alert(severity="sev0")) is Severity.SEV0
    assert RULES.severity_of(alert(severity="whatever")) is Severity.SEV3
    assert RULES.severity_of(replace(alert(), labels=())) is Severity.SEV3


def test_a_new_group_above_the_threshold_opens_below_it_posts_a_card() -> None:
    """A critical alert of a new group → OPEN; a warning → CARD."""
    assert receive(None, note(alert()), RULES, T0, incident_active=False).step is Step.OPEN
    warning = receive(None, note(alert(severity="warning")), RULES, T0, incident_active=False)
    assert warning.step is Step.CARD
    assert warning.severity is Severity.SEV3


def test_a_retried_or_repeated_notification_changes_nothing() -> None:
    """The same notification again (a retry, or a repeat of an unchanged group) → NOTHING."""
    first = receive(None, note(alert()), RULES, T0, incident_active=False)
    group = opened(first.group, 1)
    again = receive(group, note(alert()), RULES, T0, incident_active=True)
    assert again.step is Step.NOTHING
    assert (again.fired, again.resolved) == ((), ())


def test_an_alert_joining_and_alerts_resolving_update_the_incident() -> None:
    """A second alert → UPDATE with it fired; both resolved → UPDATE, all resolved."""
    group = opened(receive(None, note(alert()), RULES, T0, incident_active=False).group, 1)
    joined = receive(group, note(alert(), alert("a2")), RULES, T0, incident_active=True)
    assert joined.step is Step.UPDATE
    assert [a.fingerprint for a in joined.fired] == ["a2"]
    gone = receive(
        joined.group,
        note(alert(status=AlertStatus.RESOLVED), alert("a2", status=AlertStatus.RESOLVED)),
        RULES,
        T0,
        incident_active=True,
    )
    assert gone.step is Step.UPDATE
    assert [a.fingerprint for a in gone.resolved] == ["a1", "a2"]
    assert gone.all_resolved


def test_a_late_copy_of_a_resolved_alert_is_stale_but_a_new_start_fires_again() -> None:
    """After a1 resolved, a firing a1 with its old start is ignored; with a later start it is a
    new instance, which opens a new incident once the first is resolved."""
    group = opened(receive(None, note(alert()), RULES, T0, incident_active=False).group, 1)
    resolved = receive(
        group, note(alert(status=AlertStatus.RESOLVED)), RULES, T0, incident_active=True
    ).group
    stale = receive(resolved, note(alert()), RULES, T0, incident_active=False)
    assert stale.step is Step.NOTHING
    later = T0 + timedelta(hours=1)
    again = receive(resolved, note(alert(starts=later)), RULES, later, incident_active=False)
    assert again.step is Step.OPEN
    assert opened(again.group, 2).earlier == (1,)


def test_an_events_resolve_carries_only_the_key() -> None:
    """A resolution without labels keeps the labels the alert fired with."""
    group = opened(receive(None, note(alert()), RULES, T0, incident_active=False).group, 1)
    bare = Alert(fingerprint="a1", status=AlertStatus.RESOLVED)
    gone = receive(group, note(bare), RULES, T0, incident_active=True)
    assert gone.resolved[0].label("instance") == "a1"
    assert gone.resolved[0].ends_at == T0


def test_a_card_crossing_the_threshold_opens_an_incident() -> None:
    """A warning card, then a critical alert in the same group → OPEN."""
    card = receive(None, note(alert(severity="warning")), RULES, T0, incident_active=False)
    group = replace(card.group, card_at=T0)
    more = receive(
        group, note(alert(severity="warning"), alert("a2")), RULES, T0, incident_active=False
    )
    assert more.step is Step.OPEN
    still = receive(
        group,
        note(alert(severity="warning"), alert("a3", severity="warning")),
        RULES,
        T0,
        incident_active=False,
    )
    assert still.step is Step.CARD_UPDATE


def test_an_acknowledgement_of_an_unknown_group_does_nothing() -> None:
    """An Events API acknowledge → ACKNOWLEDGE for a known group, NOTHING for an unknown one."""
    ack = Notification(source="e", group_key="k", acknowledge=True)
    assert receive(None, ack, RULES, T0, incident_active=False).step is Step.NOTHING
    known = AlertGroup(source="e", key="k", incident=1)
    assert receive(known, ack, RULES, T0, incident_active=True).step is Step.ACKNOWLEDGE


def test_titles_come_from_summary_then_grafana_then_alertname_and_group_labels() -> None:
    """The summary annotation wins; then Grafana's title without `[FIRING:1]`; then
    `alertname (labels)`."""
    with_summary = AlertGroup(source="p", key="g", alerts=(alert(summary="Checkout slow"),))
    assert incident_title(with_summary) == "Checkout slow"
    grafana = AlertGroup(source="p", key="g", alerts=(alert(),), title="[FIRING:1] Memory high")
    assert incident_title(grafana) == "Memory high"
    plain = AlertGroup(
        source="p", key="g", alerts=(alert(),), group_labels=(("alertname", "X"), ("job", "api"))
    )
    assert incident_title(plain) == "X (job=api)"


def test_the_summary_lists_labels_annotations_and_links() -> None:
    """The opening summary names each firing alert with its labels, description, runbook,
    source, dashboard and panel links and values, and the group's earlier incidents."""
    firing = replace(
        alert(description="p99 above 2 s", runbook_url="https://runbooks/latency"),
        generator_url="http://prom:9090/graph",
        dashboard_url="https://grafana/d/1",
        panel_url="https://grafana/d/1?viewPanel=2",
        values=(("B", "44.2"),),
    )
    group = AlertGroup(source="prometheus", key="g", alerts=(firing,), earlier=(3,))
    entry, text = opening_summary(group, RULES, T0)
    for expected in (
        "HighLatency · SEV-1 (critical) · firing since 14:00 UTC",
        "instance=a1",
        "p99 above 2 s",
        "Runbook: https://runbooks/latency",
        "Source: http://prom:9090/graph",
        "Dashboard: https://grafana/d/1",
        "Panel: https://grafana/d/1?viewPanel=2",
        "Values: B=44.2",
        "fired before: #3",
    ):
        assert expected in text
    assert "1 firing" in entry
