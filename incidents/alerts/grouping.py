"""One notification against what a group knew: which alerts fired or resolved, and what follows.

Idempotent by design: a notification that says nothing new (a retried delivery, a repeat of an
unchanged group) changes nothing. An alert instance is its fingerprint with its start time, so
a late copy of a firing alert that has since resolved is recognised as stale, while the same
fingerprint starting again is a new instance (the group fires again).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from incidents.alerts.model import Alert, AlertGroup, AlertStatus, Notification, SourceRules
from incidents.severity import Severity

RETAIN = timedelta(days=7)
"""How long a group remembers an alert after it resolved (to know a late copy is stale)."""


class Step(enum.StrEnum):
    """What a notification makes the application do."""

    NOTHING = "nothing"  # nothing new (a retry, a repeat, a resolution of an unknown alert)
    OPEN = "open"  # open an incident for the group (or attach it to the storm's)
    UPDATE = "update"  # tell the group's incident what fired or resolved
    CARD = "card"  # below the threshold: post a card in the on-call channel and page
    CARD_UPDATE = "card_update"  # tell the card's channel what fired or resolved
    ACKNOWLEDGE = "acknowledge"  # an Events API `acknowledge`


@dataclass(frozen=True, slots=True, kw_only=True)
class Reception:
    """The group after the notification, what changed, and the step that follows."""

    group: AlertGroup
    step: Step
    fired: tuple[Alert, ...] = ()
    resolved: tuple[Alert, ...] = ()
    severity: Severity | None = None  # the worst severity firing now

    @property
    def all_resolved(self) -> bool:
        """True when this notification resolved the group's last firing alert."""
        return bool(self.resolved) and not self.group.firing


def _stale(before: Alert, alert: Alert) -> bool:
    """A firing copy of an instance that has resolved since (same or an earlier start)."""
    return (
        before.starts_at is not None
        and alert.starts_at is not None
        and alert.starts_at <= before.starts_at
    )


def _resolved(before: Alert, alert: Alert, now: datetime) -> Alert:
    """`before` resolved: the resolution's own fields where it has them (an Events API
    resolve carries only the key)."""
    return replace(
        before,
        status=AlertStatus.RESOLVED,
        ends_at=alert.ends_at or now,
        labels=alert.labels or before.labels,
        annotations=alert.annotations or before.annotations,
    )


def merge(
    group: AlertGroup, notification: Notification, now: datetime
) -> tuple[AlertGroup, tuple[Alert, ...], tuple[Alert, ...]]:
    """The group with the notification's alerts folded in; (group, fired, resolved)."""
    known = {alert.fingerprint: alert for alert in group.alerts}
    fired: list[Alert] = []
    resolved: list[Alert] = []
    for alert in notification.alerts:
        before = known.get(alert.fingerprint)
        if alert.firing:
            if before is None or (not before.firing and not _stale(before, alert)):
                alert = alert if alert.starts_at else replace(alert, starts_at=now)
                fired.append(alert)
                known[alert.fingerprint] = alert
            elif before.firing:
                known[alert.fingerprint] = replace(alert, starts_at=before.starts_at)
        elif before is not None and before.firing:
            gone = _resolved(before, alert, now)
            resolved.append(gone)
            known[alert.fingerprint] = gone
    kept = [a for a in known.values() if a.firing or a.ends_at is None or now - a.ends_at < RETAIN]
    merged = replace(
        group,
        alerts=tuple(kept),
        group_labels=notification.group_labels or group.group_labels,
        common_labels=notification.common_labels or group.common_labels,
        common_annotations=notification.common_annotations or group.common_annotations,
        external_url=notification.external_url or group.external_url,
        title=notification.title or group.title,
        message=notification.message or group.message,
        first_seen=group.first_seen or now,
    )
    return merged, tuple(fired), tuple(resolved)


def receive(
    group: AlertGroup | None,
    notification: Notification,
    rules: SourceRules,
    now: datetime,
    *,
    incident_active: bool,
) -> Reception:
    """Fold `notification` into `group` (None: a group not seen before) and decide the step.
    `incident_active`: the group's incident is open and not resolved."""
    start = group or AlertGroup(source=notification.source, key=notification.group_key)
    if notification.acknowledge:
        step = Step.ACKNOWLEDGE if group is not None else Step.NOTHING
        return Reception(group=start, step=step)
    merged, fired, resolved = merge(start, notification, now)
    severity = rules.worst(merged.firing)
    if fired:
        if incident_active:
            step = Step.UPDATE
        elif severity is not None and rules.opens_incident(severity):
            step = Step.OPEN
        elif start.card_at is not None and start.firing and start.incident is None:
            step = Step.CARD_UPDATE  # the card still stands for alerts firing before
        else:
            step = Step.CARD
    elif resolved:
        if start.incident is not None and (incident_active or start.card_at is None):
            step = Step.UPDATE
        elif start.card_at is not None:
            step = Step.CARD_UPDATE
        else:
            step = Step.NOTHING
    else:
        step = Step.NOTHING
    return Reception(group=merged, step=step, fired=fired, resolved=resolved, severity=severity)


def opened(group: AlertGroup, number: int) -> AlertGroup:
    """The group now followed by incident `number` (an earlier one is remembered)."""
    earlier = group.earlier
    if group.incident is not None and group.incident != number:
        earlier = (*earlier, group.incident)
    return replace(group, incident=number, earlier=earlier, card_at=None, acknowledged_by=None)


def carded(group: AlertGroup, now: datetime) -> AlertGroup:
    """The group with a new card posted at `now` (not acknowledged yet)."""
    return replace(group, card_at=now, acknowledged_by=None)
