"""What customers may see: the page's status, its components, each incident's public story and
the planned work.

Only external updates, resolution times, published post-incident summaries, published titles
and component statuses are public; internal updates, internal titles, people and channel names
never are, and private incidents not at all. Everything here is worked out from the record and
`now`, so nothing public changes after the fact: each external update keeps the status the
incident had when it was posted (read back from the timeline), and its identity.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from incidents.components import (
    DEFAULT_PUBLIC_TITLE,
    ComponentImpact,
    ComponentStatus,
    PageStatus,
    StatusPagePolicy,
    page_status,
)
from incidents.maintenance import Maintenance, MaintenanceStatus
from incidents.model import EntryKind, Incident
from incidents.phase import Phase
from incidents.severity import Severity, parse_severity

HISTORY = timedelta(days=90)


class PublicStatus(enum.StrEnum):
    """An incident's status in the status-page vocabulary (Statuspage's incident statuses)."""

    INVESTIGATING = "investigating"  # detection, triage, investigation
    IDENTIFIED = "identified"  # mitigation
    MONITORING = "monitoring"  # mitigated (the resolution phase), not resolved yet
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        """What customers read: `Monitoring`."""
        return self.value.capitalize()


def public_status(phase: Phase, resolved: bool) -> PublicStatus:
    """The public status of an incident in `phase`, resolved or not."""
    if resolved or phase in (Phase.POST_INCIDENT, Phase.CLOSED):
        return PublicStatus.RESOLVED
    if phase is Phase.RESOLUTION:
        return PublicStatus.MONITORING
    if phase is Phase.MITIGATION:
        return PublicStatus.IDENTIFIED
    return PublicStatus.INVESTIGATING


def impact(severity: Severity) -> str:
    """The status-page impact of a severity: critical, major, minor."""
    return {0: "critical", 1: "major", 2: "minor", 3: "minor"}[severity.value]


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicUpdate:
    """An external update as published: its number (its identity within the incident), when,
    what, the incident's status then and what the incident said of its components then."""

    number: int
    at: datetime
    text: str
    status: PublicStatus
    components: tuple[ComponentImpact, ...] = ()
    seq: int = 0  # its place in the incident's timeline: what came first within one second


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentChange:
    """A component status an incident set: `seq` (its place in the timeline) is its identity."""

    seq: int
    at: datetime
    name: str
    status: ComponentStatus
    before: ComponentStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicIncident:
    """An incident as customers see it."""

    number: int
    title: str  # the published title, else the page's neutral one; never the internal title
    severity: Severity
    status: PublicStatus
    declared_at: datetime
    mitigated_at: datetime | None
    resolved_at: datetime | None
    updates: tuple[PublicUpdate, ...]  # external, up to the resolution, newest first
    summary: PublicUpdate | None  # the post-incident summary, when published
    components: tuple[ComponentImpact, ...] = ()  # what it says of components now
    component_changes: tuple[ComponentChange, ...] = ()
    status_changes: tuple[datetime, ...] = ()  # when its public status or impact changed
    resolutions: tuple[tuple[int, datetime], ...] = ()  # (timeline place, when) of each

    @property
    def is_open(self) -> bool:
        """Not resolved yet."""
        return self.resolved_at is None

    @property
    def updated_at(self) -> datetime:
        """The newest public change."""
        moments = [self.declared_at, *(u.at for u in self.updates)]
        moments += [change.at for change in self.component_changes]
        moments += [*self.status_changes]
        return max(moments)


@dataclass(frozen=True, slots=True)
class _Replayed:
    """What the timeline says of an incident's external updates and component changes."""

    statuses: list[tuple[int, PublicStatus, tuple[ComponentImpact, ...]]]  # per external update
    changes: list[ComponentChange]
    moments: list[datetime]  # when the public status or the impact changed
    resolutions: list[tuple[int, datetime]]  # (timeline place, when): reopened, it may be twice


def _replay(incident: Incident) -> _Replayed:
    """Walk the timeline once: the status and components at each external update (so an update
    keeps the status it was posted with), each component change, and when the public status
    or the impact changed."""
    phase, resolved = Phase.DETECTION, False
    severity = incident.severities_held[0]
    components: dict[str, ComponentStatus] = {}
    replayed = _Replayed([], [], [], [])
    shown = (public_status(phase, resolved), impact(severity))
    for seq, entry in enumerate(incident.timeline):
        kind = entry.kind
        if kind is EntryKind.SEVERITY_CHANGED:
            severity = parse_severity(entry.get("after") or severity.label)
        elif kind in (EntryKind.PHASE_CHANGED, EntryKind.REOPENED):
            phase = Phase(entry.get("after") or phase.value)
            resolved = resolved and kind is not EntryKind.REOPENED
        elif kind is EntryKind.RESOLVED:
            phase, resolved = Phase.RESOLUTION, True
            replayed.resolutions.append((seq, entry.at))
        elif kind is EntryKind.EXTERNAL_UPDATE:
            snapshot = tuple(ComponentImpact(n, s) for n, s in components.items())
            replayed.statuses.append((seq, public_status(phase, resolved), snapshot))
        elif kind is EntryKind.COMPONENT_CHANGED:
            name = entry.get("component") or ""
            status = ComponentStatus(entry.get("status") or ComponentStatus.OPERATIONAL.value)
            before = components.get(name, ComponentStatus.OPERATIONAL)
            components[name] = status
            replayed.changes.append(
                ComponentChange(seq=seq, at=entry.at, name=name, status=status, before=before)
            )
        now_shown = (public_status(phase, resolved), impact(severity))
        if now_shown != shown:
            shown = now_shown
            replayed.moments.append(entry.at)
    return replayed


def public_title(incident: Incident, default: str) -> str:
    """The title the last external update published (`--title`), else `default`."""
    titles = [u.title for u in incident.status_updates if u.external and u.title]
    return titles[-1] if titles else default


def public_view(incident: Incident, default_title: str = DEFAULT_PUBLIC_TITLE) -> PublicIncident:
    """Strip an incident down to what may be published."""
    replayed = _replay(incident)
    now_status = public_status(incident.phase, incident.resolved_at is not None)
    external = [u for u in incident.status_updates if u.external]
    updates = []
    for index, update in enumerate(external):
        seq, status, components = (
            replayed.statuses[index] if index < len(replayed.statuses) else (0, now_status, ())
        )
        updates.append(
            PublicUpdate(
                number=update.number or index + 1,  # stored unnumbered: its place
                at=update.at,
                text=update.text,
                status=status,
                components=components,
                seq=seq,
            )
        )
    resolved = incident.resolved_at
    before = [u for u in updates if resolved is None or u.at <= resolved]
    after = [u for u in updates if resolved is not None and u.at > resolved]
    return PublicIncident(
        number=incident.number,
        title=public_title(incident, default_title),
        severity=incident.severity,
        status=now_status,
        declared_at=incident.declared_at,
        mitigated_at=incident.mitigated_at,
        resolved_at=resolved,
        updates=tuple(sorted(before, key=lambda u: (u.at, u.seq), reverse=True)),
        summary=after[-1] if after else None,
        components=incident.components,
        component_changes=tuple(replayed.changes),
        status_changes=tuple(replayed.moments),
        resolutions=tuple(replayed.resolutions),
    )


def is_public(incident: Incident, public_severities: Collection[Severity]) -> bool:
    """True when the incident has been shown publicly: it held a public severity at some point.
    A private incident never is, whatever its severity and external updates."""
    if incident.private:
        return False
    return any(severity in public_severities for severity in incident.severities_held)


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentState:
    """A component as the page shows it: status, place (from 1), since when it exists, and
    when its status last changed."""

    name: str
    position: int
    status: ComponentStatus
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusPage:
    """Everything the public page, its feed and `summary.json` show at one moment."""

    now: datetime
    status: PageStatus
    components: tuple[ComponentState, ...]
    open_incidents: list[PublicIncident]  # newest first
    past_incidents: list[PublicIncident]  # resolved within the history window, newest first
    maintenances: list[Maintenance]  # scheduled and in progress, soonest first
    past_maintenances: list[Maintenance] = field(default_factory=list)  # completed, newest first

    @property
    def updated_at(self) -> datetime:
        """The newest public change (`now` on a page where nothing ever happened)."""
        moments = [i.updated_at for i in (*self.open_incidents, *self.past_incidents)]
        moments += [c.updated_at for c in self.components]
        moments += [m.updated_at(self.now) for m in (*self.maintenances, *self.past_maintenances)]
        return max(moments, default=self.now)


def status_page(
    incidents: Iterable[Incident],
    *,
    config: StatusPagePolicy,
    now: datetime,
    maintenances: Iterable[Maintenance] = (),
    created: Mapping[str, datetime] | None = None,
    history: timedelta = HISTORY,
) -> StatusPage:
    """The public page at `now`: open public incidents, those resolved within `history`, the
    components (created at `created[name]`, else `now`) and planned work.

    An incident is public once it has had a public severity: a later downgrade does not take it,
    or its published updates, off the page or out of its history.
    """
    shown = [
        public_view(i, config.default_title)
        for i in incidents
        if is_public(i, config.public_severities)
    ]
    open_ = sorted((i for i in shown if i.is_open), key=lambda i: i.declared_at, reverse=True)
    past = sorted(
        (i for i in shown if not i.is_open and i.declared_at >= now - history),
        key=lambda i: i.declared_at,
        reverse=True,
    )
    planned = list(maintenances)
    current = sorted(
        (m for m in planned if m.status(now) is not MaintenanceStatus.COMPLETED),
        key=lambda m: (m.starts_at, m.id),
    )
    completed = sorted(
        (
            m
            for m in planned
            if m.status(now) is MaintenanceStatus.COMPLETED and m.ends_at >= now - history
        ),
        key=lambda m: (m.ends_at, m.id),
        reverse=True,
    )
    components = _components(config.components, created or {}, [*open_, *past], planned, now)
    status = page_status([c.status for c in components], [impact(i.severity) for i in open_])
    return StatusPage(
        now=now,
        status=status,
        components=components,
        open_incidents=open_,
        past_incidents=past,
        maintenances=current,
        past_maintenances=completed,
    )


def _components(
    names: Sequence[str],
    created: Mapping[str, datetime],
    incidents: Sequence[PublicIncident],
    maintenances: Sequence[Maintenance],
    now: datetime,
) -> tuple[ComponentState, ...]:
    """Each component's status: the worst that an open public incident says of it, under
    maintenance while planned work on it is in progress, else operational. A resolved incident
    no longer counts, so its components return to operational unless another says otherwise."""
    states = []
    for position, name in enumerate(names, start=1):
        said = [
            impact.status
            for incident in incidents
            if incident.is_open
            for impact in incident.components
            if impact.name == name
        ]
        working = [m for m in maintenances if name in m.components and m.starts_at <= now]
        if any(m.status(now) is MaintenanceStatus.IN_PROGRESS for m in working):
            said.append(ComponentStatus.UNDER_MAINTENANCE)
        status = max(said, key=lambda s: s.rank, default=ComponentStatus.OPERATIONAL)
        since = created.get(name, now)
        moments = [since]
        for incident in incidents:
            moments += [c.at for c in incident.component_changes if c.name == name]
            ended = incident.resolved_at
            if ended is not None and any(
                i.name == name and i.status is not ComponentStatus.OPERATIONAL
                for i in incident.components
            ):
                moments.append(ended)  # it stopped counting: back to operational
        for planned in working:
            moments += [m for m in (planned.starts_at, planned.ends_at) if m <= now]
        states.append(
            ComponentState(
                name=name,
                position=position,
                status=status,
                created_at=since,
                updated_at=max(moments),
            )
        )
    return tuple(states)
