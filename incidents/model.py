"""The Incident aggregate and the records it keeps: timeline, status updates, roles, actions."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from incidents.components import ComponentImpact
from incidents.people import Person
from incidents.phase import Phase
from incidents.severity import Severity, parse_severity


class Role(enum.StrEnum):
    """The roles people take in an incident."""

    INCIDENT_COMMANDER = "incident_commander"
    COMMUNICATIONS_LEAD = "communications_lead"
    RESPONDER = "responder"

    @property
    def label(self) -> str:
        """How the role reads in a sentence."""
        return {
            Role.INCIDENT_COMMANDER: "incident commander",
            Role.COMMUNICATIONS_LEAD: "communications lead",
            Role.RESPONDER: "responder",
        }[self]


class EntryKind(enum.StrEnum):
    """What a timeline entry records."""

    DECLARED = "declared"
    PAGED = "paged"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    STATUS_UPDATE = "status_update"
    EXTERNAL_UPDATE = "external_update"
    SEVERITY_CHANGED = "severity_changed"
    PHASE_CHANGED = "phase_changed"
    ROLE_ASSIGNED = "role_assigned"
    NOTE = "note"
    ACTION_ADDED = "action_added"
    ACTION_DONE = "action_done"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    REMINDER = "reminder"
    WARNING = "warning"
    BREACH = "breach"
    REVIEW_DONE = "review_done"
    PINNED = "pinned"
    COMPONENT_CHANGED = "component_changed"  # a status-page component's status, as it says
    ALERT = "alert"  # alerts of a group the incident follows fired, resolved or joined


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry:
    """One stamped change: when, who (None for the bot itself), what kind, and what changed."""

    at: datetime
    actor: Person | None
    kind: EntryKind
    text: str
    data: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str | None:
        """The value recorded under `key` in `data`, if any."""
        return next((value for name, value in self.data if name == key), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusUpdate:
    """A status update; external ones are meant for customers and the status page.

    `number` is its identity: its place among the incident's updates of the same kind
    (internal or external), from 1, given when it is posted. `title` is the public title an
    external update published with it (`--title`), if any.
    """

    at: datetime
    author: Person
    text: str
    external: bool = False
    number: int = 0
    title: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionItem:
    """A follow-up with an optional owner; done when `done_at` is set."""

    number: int
    text: str
    owner: Person | None
    created_at: datetime
    created_by: Person
    done_at: datetime | None = None
    issue: bool = False  # an issue is wanted for it in the issue tracker (`--issue`)
    issue_url: str | None = None  # that issue, once opened


@dataclass(frozen=True, slots=True, kw_only=True)
class OnCall:
    """Who is on call for the incident: taken when it opens, and again as each escalation
    step fires (the step pages whoever holds the role then); the people escalation pages."""

    rotation: str
    primary: Person | None
    backup: Person | None
    everyone: tuple[Person, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Incident:
    """An incident and everything recorded about it. Immutable: handlers return a new one."""

    number: int
    title: str
    severity: Severity
    phase: Phase
    declared_at: datetime
    declared_by: Person
    origin: str = "console"
    # Every platform it lives on, `origin` first: several when mirrored (`[mirror]`); empty
    # for an incident stored before mirroring existed (it lives on `origin`).
    platforms: tuple[str, ...] = ()
    private: bool = False  # seen only by the people in it (`incidents.private`)
    incident_commander: Person | None = None
    communications_lead: Person | None = None
    responders: tuple[Person, ...] = ()
    oncall: OnCall | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: Person | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution_summary: str | None = None
    closed_at: datetime | None = None
    review_done_at: datetime | None = None
    review_link: str | None = None
    status_updates: tuple[StatusUpdate, ...] = ()
    components: tuple[ComponentImpact, ...] = ()  # what it says of status-page components
    action_items: tuple[ActionItem, ...] = ()
    last_status_reminder_at: datetime | None = None
    last_external_reminder_at: datetime | None = None
    fired_timers: frozenset[str] = field(default_factory=frozenset)
    speakers: tuple[Person, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()

    @property
    def home(self) -> tuple[str, ...]:
        """The platforms its channel and messages are on: where it was opened, or every
        mirrored platform."""
        return self.platforms or (self.origin,)

    @property
    def mirrored(self) -> bool:
        """True when it lives on more than one platform (one channel on each)."""
        return len(self.home) > 1

    @property
    def is_active(self) -> bool:
        """True until the incident is resolved (mitigated, in resolution, it is still active)."""
        return self.phase.is_active or (self.phase is Phase.RESOLUTION and self.resolved_at is None)

    @property
    def severities_held(self) -> tuple[Severity, ...]:
        """Every severity the incident has had, in order, from the declaration to now."""
        held = [self.severity]
        for entry in reversed(self.timeline):
            if entry.kind is EntryKind.SEVERITY_CHANGED:
                before = entry.get("before")
                if before is not None:
                    held.append(parse_severity(before))
        return tuple(reversed(held))

    @property
    def highest_severity(self) -> Severity:
        """The worst severity the incident ever reached; a later downgrade does not lower it."""
        return min(self.severities_held)

    @property
    def last_status_update_at(self) -> datetime | None:
        """When the last internal or external status update was posted."""
        return self.status_updates[-1].at if self.status_updates else None

    @property
    def last_external_update_at(self) -> datetime | None:
        """When the last external (customer-facing) update was posted."""
        external = [u.at for u in self.status_updates if u.external]
        return external[-1] if external else None

    @property
    def phase_entered_at(self) -> datetime:
        """When the incident entered its current phase."""
        for entry in reversed(self.timeline):
            if entry.kind in (EntryKind.PHASE_CHANGED, EntryKind.RESOLVED, EntryKind.REOPENED):
                return entry.at
        return self.declared_at

    @property
    def participants(self) -> tuple[Person, ...]:
        """Everyone who acted on the incident, in order of first appearance."""
        seen: dict[Person, None] = {}
        for entry in self.timeline:
            if entry.actor is not None:
                seen.setdefault(entry.actor, None)
        for person in (
            self.incident_commander,
            self.communications_lead,
            *self.responders,
            *self.speakers,
        ):
            if person is not None:
                seen.setdefault(person, None)
        return tuple(seen)

    @property
    def named_people(self) -> tuple[Person, ...]:
        """Everyone the record names (actors, role holders, on call, paged, owners, authors of
        pinned messages), each once: whose names a review or a timeline looks up."""
        seen: dict[Person, None] = dict.fromkeys(self.participants)
        oncall = self.oncall
        for person in (
            self.declared_by,
            self.acknowledged_by,
            *((oncall.primary, oncall.backup, *oncall.everyone) if oncall else ()),
            *(item.owner for item in self.action_items),
            *(update.author for update in self.status_updates),
        ):
            if person is not None:
                seen.setdefault(person, None)
        for entry in self.timeline:
            for key in ("user", "author", "owner"):
                value = entry.get(key)
                if value:
                    seen.setdefault(Person.stored(value), None)
        return tuple(seen)

    def role_holder(self, role: Role) -> Person | None:
        """Who holds a single-person role."""
        if role is Role.INCIDENT_COMMANDER:
            return self.incident_commander
        if role is Role.COMMUNICATIONS_LEAD:
            return self.communications_lead
        return None
