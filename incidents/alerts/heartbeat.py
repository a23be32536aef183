"""Heartbeats (dead man's switches): a ping is expected every `expect_every`; missing for
`expect_every + grace`, the heartbeat is silent and fires like an alert of its own group; the
next ping resolves that alert ("it is back")."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from incidents.alerts.model import Alert, AlertStatus, Notification, SourceRules
from incidents.severity import Severity
from incidents.timefmt import clock_text, duration_text


@dataclass(frozen=True, slots=True, kw_only=True)
class HeartbeatRules:
    """One `[[heartbeat]]`: how often it pings, the grace, the severity when silent, and who
    is paged (None: the `page` rule)."""

    name: str
    expect_every: timedelta
    grace: timedelta
    severity: Severity = Severity.SEV1
    rotation: str | None = None

    def source_rules(self, open_incident: frozenset[Severity]) -> SourceRules:
        """How its silence is handled: as an alert source of one group, at its severity."""
        return SourceRules(
            name=self.name,
            severities={self.severity.token: self.severity},
            open_incident=open_incident,
            rotation=self.rotation,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class HeartbeatState:
    """The last ping (None: none since it was first watched), since when it is watched, and
    since when it is silent (None: it is not)."""

    name: str
    watched_since: datetime
    last_ping_at: datetime | None = None
    silent_since: datetime | None = None

    @property
    def heard_at(self) -> datetime:
        """When it was last heard of: its last ping, else when watching began."""
        return self.last_ping_at or self.watched_since


def due_at(state: HeartbeatState, rules: HeartbeatRules) -> datetime:
    """When the heartbeat is silent unless it pings: last heard + expect_every + grace."""
    return state.heard_at + rules.expect_every + rules.grace


def is_silent(state: HeartbeatState, rules: HeartbeatRules, now: datetime) -> bool:
    """Missing for `expect_every + grace` and not already declared silent."""
    return state.silent_since is None and now >= due_at(state, rules)


def pinged(state: HeartbeatState, now: datetime) -> HeartbeatState:
    """The state after a ping at `now` (it is not silent any more)."""
    return replace(state, last_ping_at=now, silent_since=None)


def silenced(state: HeartbeatState, now: datetime) -> HeartbeatState:
    """The state once its silence was declared at `now`."""
    return replace(state, silent_since=now)


def group_key(name: str) -> str:
    """The alert group a heartbeat's silence is: one per heartbeat."""
    return f"heartbeat:{name}"


def _alert(
    rules: HeartbeatRules, state: HeartbeatState, status: AlertStatus, summary: str, now: datetime
) -> Alert:
    return Alert(
        fingerprint=group_key(rules.name),
        status=status,
        labels=(("alertname", rules.name), ("severity", rules.severity.token)),
        annotations=(("summary", summary),),
        starts_at=state.heard_at,
        ends_at=None if status is AlertStatus.FIRING else now,
    )


def silent_notification(
    rules: HeartbeatRules, state: HeartbeatState, now: datetime
) -> Notification:
    """The heartbeat's silence as a firing alert: `prometheus-watchdog silent since 03:12`."""
    since = clock_text(state.heard_at, now)
    never = "" if state.last_ping_at is not None else " (no ping since sevbot began watching)"
    summary = f"{rules.name} silent since {since}{never}"
    return Notification(
        source=rules.name,
        group_key=group_key(rules.name),
        alerts=(_alert(rules, state, AlertStatus.FIRING, summary, now),),
        group_labels=(("heartbeat", rules.name),),
        common_annotations=(("summary", summary),),
    )


def back_notification(rules: HeartbeatRules, state: HeartbeatState, now: datetime) -> Notification:
    """The next ping after a silence: the alert resolves, saying it is back and for how long
    it was silent."""
    silent = duration_text(now - state.heard_at)
    summary = (
        f"{rules.name} is back: pinged at {clock_text(now, now)} UTC after {silent} of silence"
    )
    return Notification(
        source=rules.name,
        group_key=group_key(rules.name),
        alerts=(_alert(rules, state, AlertStatus.RESOLVED, summary, now),),
        group_labels=(("heartbeat", rules.name),),
    )
