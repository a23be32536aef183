"""The words of alerts: incident titles, the alert summary, what fired or resolved, and when.

Everything here is text a monitoring tool wrote (labels, annotations, links): renderers escape
it as they escape anything people typed, so an alert cannot ping or forge a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from incidents.alerts.model import Alert, AlertGroup, Pairs, SourceRules, lookup
from incidents.timefmt import clock_text, duration_text

MAX_TITLE = 200  # as for any incident (incidents.handlers.MAX_TITLE)
SHOWN_ALERTS = 10  # alerts listed in full in one message; the rest are counted
SHOWN_LABELS = 8
MESSAGE_EXCERPT = 500  # characters of Grafana's rendered message


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def labels_text(labels: Pairs, *, skip: Sequence[str] = ("alertname",)) -> str:
    """`instance=db-3, job=api` (at most a few, `alertname` left out)."""
    shown = [f"{name}={value}" for name, value in labels if name not in skip]
    extra = len(shown) - SHOWN_LABELS
    text = ", ".join(shown[:SHOWN_LABELS])
    return f"{text}, +{extra} more" if extra > 0 else text


def alert_ref(alert: Alert) -> str:
    """`HighLatency {instance=db-3}`: the alert's name with its distinguishing labels."""
    labels = labels_text(alert.labels, skip=("alertname", "severity"))
    return _clip(f"{alert.name} {{{labels}}}" if labels else alert.name, 160)


def _grafana_title(title: str) -> str:
    """Grafana's title without its `[FIRING:2] ` status prefix."""
    text = title.strip()
    if text.startswith("[") and "]" in text:
        text = text.split("]", 1)[1].strip()
    return text


def incident_title(group: AlertGroup) -> str:
    """The `summary` annotation (common to the group, else the first firing alert's), else
    Grafana's title, else `alertname` with the group labels: `HighLatency (job=api)`."""
    firing = group.firing or group.alerts
    summary = lookup(group.common_annotations, "summary") or next(
        (a.annotation("summary") for a in firing if a.annotation("summary")), None
    )
    if summary and summary.strip():
        return _clip(summary, MAX_TITLE)
    if group.title.strip() and _grafana_title(group.title):
        return _clip(_grafana_title(group.title), MAX_TITLE)
    name = lookup(group.group_labels, "alertname") or (firing[0].name if firing else group.key)
    labels = labels_text(group.group_labels)
    return _clip(f"{name} ({labels})" if labels else name, MAX_TITLE)


def _when(moment: datetime | None, now: datetime) -> str:
    return clock_text(moment, now) + " UTC" if moment is not None else "?"


def alert_block(alert: Alert, rules: SourceRules, now: datetime) -> str:
    """One alert in full: name, severity, since when, labels, description, links, values."""
    severity = rules.severity_of(alert)
    raw = alert.label(rules.severity_label)
    said = f" ({raw})" if raw and raw.lower() != severity.token else ""
    if alert.firing:
        when = f"firing since {_when(alert.starts_at, now)}"
    else:
        when = f"fired {_when(alert.starts_at, now)}–{_when(alert.ends_at, now)}"
    lines = [f"• {alert.name} · {severity.label}{said} · {when}"]
    labels = labels_text(alert.labels)
    if labels:
        lines.append(f"  {labels}")
    for key in ("summary", "description", "message", "links"):
        value = alert.annotation(key)
        if value and value.strip() and value.strip() != alert.name:
            lines.append(f"  {_clip(value, 300)}")
    links = [
        ("Runbook", alert.annotation("runbook_url") or ""),
        ("Source", alert.generator_url),
        ("Dashboard", alert.dashboard_url),
        ("Panel", alert.panel_url),
        ("Silence", alert.silence_url),
    ]
    shown = [f"{label}: {url}" for label, url in links if url and url.strip()]
    if shown:
        lines.append("  " + " · ".join(shown))
    if alert.values:
        lines.append("  Values: " + ", ".join(f"{k}={v}" for k, v in alert.values))
    return "\n".join(lines)


def _blocks(alerts: Sequence[Alert], rules: SourceRules, now: datetime) -> list[str]:
    blocks = [alert_block(alert, rules, now) for alert in alerts[:SHOWN_ALERTS]]
    if len(alerts) > SHOWN_ALERTS:
        blocks.append(f"…and {len(alerts) - SHOWN_ALERTS} more.")
    return blocks


def group_name(group: AlertGroup) -> str:
    """`prometheus group {alertname=HighLatency, job=api}` (the key when it has no labels)."""
    labels = labels_text(group.group_labels, skip=())
    return f"{group.source} group {{{labels}}}" if labels else f"{group.source} {group.key}"


def _names(alerts: Sequence[Alert]) -> str:
    refs = [alert_ref(alert) for alert in alerts[:SHOWN_ALERTS]]
    extra = len(alerts) - SHOWN_ALERTS
    return ", ".join(refs) + (f" and {extra} more" if extra > 0 else "")


def opening_summary(
    group: AlertGroup, rules: SourceRules, now: datetime, *, storm: bool = False
) -> tuple[str, str]:
    """(timeline entry, pinned message) listing the firing alerts with their labels,
    annotations and links, Grafana's message, and the group's earlier incidents."""
    firing = group.firing
    entry = f"Alerts from {group_name(group)}: {len(firing)} firing: {_names(firing)}"
    head = f"🚨 Alerts from {group_name(group)}: {len(firing)} firing"
    if storm:
        head = f"🌩 {group_name(group)} joined this alert storm: {len(firing)} firing"
        entry = f"Alert storm: {entry}"
    parts = [head, *_blocks(firing, rules, now)]
    if group.message.strip():
        parts.append("Grafana: " + _clip(group.message, MESSAGE_EXCERPT))
    if group.external_url:
        parts.append(f"From {group.external_url}")
    if group.earlier:
        earlier = ", ".join(f"#{n}" for n in group.earlier)
        parts.append(f"This group fired before: {earlier}.")
        entry += f" (fired before: {earlier})"
    return _clip(entry, 1000), "\n".join(parts)


def changes(
    group: AlertGroup,
    fired: Sequence[Alert],
    resolved: Sequence[Alert],
    rules: SourceRules,
    now: datetime,
) -> tuple[str, str]:
    """(timeline entry, message) for alerts that joined the group or resolved."""
    said: list[str] = []
    parts: list[str] = []
    if fired:
        said.append(f"{len(fired)} more firing: {_names(fired)}")
        parts += [f"🔔 {len(fired)} more alert(s) firing in {group_name(group)}:"]
        parts += _blocks(fired, rules, now)
    if resolved:
        said.append(f"{len(resolved)} resolved: {_names(resolved)}")
        lines = [_resolved_line(a, now) for a in resolved[:SHOWN_ALERTS]]
        parts += [f"✅ {len(resolved)} alert(s) resolved in {group_name(group)}:", *lines]
    left = len(group.firing)
    said.append(f"{left} still firing")
    return _clip("; ".join(said), 1000), "\n".join(parts) + f"\n{left} still firing."


def _resolved_line(alert: Alert, now: datetime) -> str:
    """`• HighLatency {instance=db-3}: 14:00 UTC–14:12 UTC — its summary`."""
    line = f"• {alert_ref(alert)}: {_when(alert.starts_at, now)}–{_when(alert.ends_at, now)}"
    summary = alert.annotation("summary")
    if summary and summary.strip() and summary.strip() != alert.name:
        line += f" — {_clip(summary, 200)}"
    return line


def all_resolved(
    alerts: Sequence[Alert], now: datetime, *, resolving: bool, resolved_already: bool
) -> tuple[str, str]:
    """(timeline entry, message) when every alert the incident follows has resolved, with the
    times; what happens next: it resolves itself, or the Resolve button is offered."""
    first = min((a.starts_at for a in alerts if a.starts_at), default=None)
    last = max((a.ends_at for a in alerts if a.ends_at), default=now)
    span = f"firing {_when(first, now)}–{_when(last, now)}"
    if first is not None:
        span += f" ({duration_text(last - first)})"
    entry = f"Every alert resolved ({len(alerts)}; {span})"
    lines = [_resolved_line(a, now) for a in alerts[:SHOWN_ALERTS]]
    if resolving:
        after = "auto_resolve is on and nobody acknowledged it, so the incident resolves itself."
    elif resolved_already:
        after = "The incident was already resolved."
    else:
        after = "Resolve the incident when you are done: the button, or `/incident resolve`."
    text = "\n".join([f"✅ Every alert has resolved ({span}):", *lines, after])
    return entry, text


def storm_opening(source: str, limit: int) -> str:
    """The storm incident's title."""
    return f"Alert storm: {source} sent more than {limit} new alert groups in a minute"


def storm_note(source: str, limit: int) -> tuple[str, str]:
    """(timeline entry, message) saying the channel is a storm and what that means."""
    text = (
        f"🌩 Alert storm: {source} opened {limit} incidents within a minute, so further groups "
        "join this incident instead of opening their own; each is listed here as it comes."
    )
    return f"Alert storm from {source} (more than {limit} incidents a minute)", text
