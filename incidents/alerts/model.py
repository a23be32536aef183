"""Alerts, the notifications that carry them, the groups they form, and each source's rules.

An alert is one instance of a firing condition: Alertmanager's `fingerprint` (or an Events API
`dedup_key`) with the time it started. A group is what one incident follows: an Alertmanager
group (`groupKey`) or one `dedup_key`; it remembers the latest word on each of its alerts.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from incidents.errors import UnknownSeverity
from incidents.people import ALERTS, Person
from incidents.severity import Severity, parse_severity

Pairs = tuple[tuple[str, str], ...]
"""Labels or annotations: (name, value) pairs, sorted by name."""


def pairs(mapping: Mapping[str, object] | None) -> Pairs:
    """A mapping as sorted (name, value) text pairs (values that are not text become text)."""
    return tuple(sorted((str(key), str(value)) for key, value in (mapping or {}).items()))


def lookup(items: Pairs, name: str) -> str | None:
    """The value of `name` in `items`, if any."""
    return next((value for key, value in items if key == name), None)


class AlertStatus(enum.StrEnum):
    """An alert fires until it resolves."""

    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """One alert as its source last described it; the Grafana fields are empty elsewhere."""

    fingerprint: str
    status: AlertStatus
    labels: Pairs = ()
    annotations: Pairs = ()
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    generator_url: str = ""
    dashboard_url: str = ""  # Grafana
    panel_url: str = ""  # Grafana
    silence_url: str = ""  # Grafana
    values: Pairs = ()  # Grafana: the query values that fired it

    def label(self, name: str) -> str | None:
        """The label's value, if it has one."""
        return lookup(self.labels, name)

    def annotation(self, name: str) -> str | None:
        """The annotation's value, if it has one."""
        return lookup(self.annotations, name)

    @property
    def name(self) -> str:
        """What the alert is called: its `alertname` label, else its summary, else its id."""
        return self.label("alertname") or self.annotation("summary") or self.fingerprint

    @property
    def firing(self) -> bool:
        """True until it resolved."""
        return self.status is AlertStatus.FIRING


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    """One delivery from a source: a group's alerts as they stand now (Alertmanager and
    Grafana send all of the group's alerts each time; an Events API event carries one).
    `acknowledge`: an Events API `acknowledge` (no alerts)."""

    source: str
    group_key: str
    alerts: tuple[Alert, ...] = ()
    group_labels: Pairs = ()
    common_labels: Pairs = ()
    common_annotations: Pairs = ()
    external_url: str = ""
    title: str = ""  # Grafana's rendered title, e.g. `[FIRING:1] High memory usage`
    message: str = ""  # Grafana's rendered message
    acknowledge: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertGroup:
    """What sevbot keeps of one group: its alerts, and what follows it (an incident, or a card
    in the on-call channel while it is below the incident threshold). `id` is 0 until stored."""

    source: str
    key: str
    id: int = 0
    alerts: tuple[Alert, ...] = ()
    group_labels: Pairs = ()
    common_labels: Pairs = ()
    common_annotations: Pairs = ()
    external_url: str = ""
    title: str = ""
    message: str = ""
    first_seen: datetime | None = None
    incident: int | None = None  # the incident following the group (or that last did)
    earlier: tuple[int, ...] = ()  # incidents it fired in before, oldest first
    card_at: datetime | None = None  # when its card was posted (no incident then)
    acknowledged_by: Person | None = None  # who acknowledged the card
    silence_id: str | None = None  # Alertmanager's silence while its incident is acknowledged
    silenced_for: int | None = None  # the incident that silence belongs to
    silenced_until: datetime | None = None  # when that silence ends by itself

    @property
    def firing(self) -> tuple[Alert, ...]:
        """The alerts firing now."""
        return tuple(alert for alert in self.alerts if alert.firing)

    @property
    def source_person(self) -> Person:
        """The source as an actor: `alerts:prometheus`, a tool."""
        return source_actor(self.source)

    def matchers(self) -> Pairs:
        """The labels a silence of this group matches: its group labels, else its common ones."""
        return self.group_labels or self.common_labels


def source_actor(name: str) -> Person:
    """The actor an alert source acts as: `alerts:<name>`."""
    return Person.of(ALERTS, name)


DEFAULT_SEVERITIES: Mapping[str, Severity] = {
    "critical": Severity.SEV1,
    "error": Severity.SEV2,
    "warning": Severity.SEV3,
    "info": Severity.SEV3,
}
DEFAULT_OPEN = frozenset({Severity.SEV0, Severity.SEV1, Severity.SEV2})
UNMAPPED = Severity.SEV3  # an alert whose severity label says nothing known


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRules:
    """How one source's alerts become incidents: the severity label and its mapping (values
    are matched without case; `sev1`, `P1` and `1` are read as they are), the severities that
    open an incident (others post a card and page), who is paged (None: the `page` rule),
    `auto_resolve`, the storm guard (None: off) and whether acknowledging silences the group."""

    name: str
    severity_label: str = "severity"
    severities: Mapping[str, Severity] = field(default_factory=lambda: dict(DEFAULT_SEVERITIES))
    open_incident: frozenset[Severity] = DEFAULT_OPEN
    rotation: str | None = None
    auto_resolve: bool = False
    max_incidents_per_minute: int | None = None
    silences: bool = False  # `alertmanager_url` is set: acknowledging silences the group

    def severity_of(self, alert: Alert) -> Severity:
        """The alert's severity by its label: mapped, else read as a severity, else SEV-3."""
        value = (alert.label(self.severity_label) or "").strip()
        if not value:
            return UNMAPPED
        mapped = {key.lower(): level for key, level in self.severities.items()}.get(value.lower())
        if mapped is not None:
            return mapped
        try:
            return parse_severity(value)
        except UnknownSeverity:
            return UNMAPPED

    def worst(self, alerts: Iterable[Alert]) -> Severity | None:
        """The worst severity among `alerts`; None when there are none."""
        levels = [self.severity_of(alert) for alert in alerts]
        return min(levels) if levels else None

    def opens_incident(self, severity: Severity) -> bool:
        """Whether alerts of `severity` open an incident (else: a card and a page)."""
        return severity in self.open_incident
