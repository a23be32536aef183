"""What customers may see: the overall state and each incident's public story.

Only external updates, resolution times and published post-incident summaries are public;
internal updates, people and channel names never are, and private incidents not at all.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from incidents.model import Incident, StatusUpdate
from incidents.severity import Severity


class OverallState(enum.StrEnum):
    """The one-line answer to "is it working?"."""

    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    MAJOR_OUTAGE = "major_outage"

    @property
    def description(self) -> str:
        """The banner text."""
        return {
            OverallState.OPERATIONAL: "All systems operational",
            OverallState.DEGRADED: "Degraded performance",
            OverallState.MAJOR_OUTAGE: "Major outage",
        }[self]

    @property
    def indicator(self) -> str:
        """The status-page `summary.json` indicator: none, minor, major or critical."""
        return {
            OverallState.OPERATIONAL: "none",
            OverallState.DEGRADED: "minor",
            OverallState.MAJOR_OUTAGE: "major",
        }[self]


def impact(severity: Severity) -> str:
    """The status-page impact of a severity: critical, major, minor."""
    return {0: "critical", 1: "major", 2: "minor", 3: "minor"}[severity.value]


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicIncident:
    """An incident as customers see it."""

    number: int
    title: str
    severity: Severity
    declared_at: datetime
    resolved_at: datetime | None
    updates: tuple[StatusUpdate, ...]  # external only, newest first
    summary: StatusUpdate | None  # the post-incident summary, when published

    @property
    def is_open(self) -> bool:
        """Not resolved yet."""
        return self.resolved_at is None

    @property
    def updated_at(self) -> datetime:
        """The newest public change."""
        moments = [self.declared_at, *(u.at for u in self.updates)]
        if self.resolved_at is not None:
            moments.append(self.resolved_at)
        return max(moments)

    @property
    def public_status(self) -> str:
        """investigating, identified, monitoring or resolved (the status-page vocabulary)."""
        if self.resolved_at is not None:
            return "resolved"
        return "identified" if self.updates else "investigating"


def public_view(incident: Incident) -> PublicIncident:
    """Strip an incident down to what may be published."""
    external = [u for u in incident.status_updates if u.external]
    resolved = incident.resolved_at
    before = [u for u in external if resolved is None or u.at <= resolved]
    after = [u for u in external if resolved is not None and u.at > resolved]
    return PublicIncident(
        number=incident.number,
        title=incident.title,
        severity=incident.severity,
        declared_at=incident.declared_at,
        resolved_at=resolved,
        updates=tuple(sorted(before, key=lambda u: u.at, reverse=True)),
        summary=after[-1] if after else None,
    )


def _ever_public(incident: Incident, public_severities: Collection[Severity]) -> bool:
    """True when the incident has been shown publicly: it held a public severity at some point.
    A private incident never is, whatever its severity and external updates."""
    if incident.private:
        return False
    return any(severity in public_severities for severity in incident.severities_held)


def overall_state(open_incidents: Iterable[PublicIncident]) -> OverallState:
    """Major outage with an open SEV-0/1, degraded with an open SEV-2/3, else operational."""
    worst = min((i.severity for i in open_incidents if i.is_open), default=None)
    if worst is None:
        return OverallState.OPERATIONAL
    return OverallState.MAJOR_OUTAGE if worst <= Severity.SEV1 else OverallState.DEGRADED


def status_page(
    incidents: Iterable[Incident],
    *,
    public_severities: Collection[Severity],
    now: datetime,
    history: timedelta = timedelta(days=90),
) -> tuple[OverallState, list[PublicIncident], list[PublicIncident]]:
    """(overall state, open public incidents, resolved ones of the past `history`), newest first.

    An incident is public once it has had a public severity: a later downgrade does not take it,
    or its published updates, off the page or out of its history.
    """
    shown = [public_view(i) for i in incidents if _ever_public(i, public_severities)]
    open_ = sorted((i for i in shown if i.is_open), key=lambda i: i.declared_at, reverse=True)
    past = sorted(
        (i for i in shown if not i.is_open and i.declared_at >= now - history),
        key=lambda i: i.declared_at,
        reverse=True,
    )
    return overall_state(open_), open_, past
