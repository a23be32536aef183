"""Commands (imperative: what someone asks for) and queries of the command language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from incidents.components import ComponentStatus
from incidents.model import OnCall, Role
from incidents.people import Person
from incidents.phase import Phase
from incidents.severity import Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenIncident:
    """Declare a new incident; a `private` one is seen only by the people in it. `components`:
    the status-page components it affects (they show a status that fits the severity)."""

    severity: Severity
    title: str
    private: bool = False
    components: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Acknowledge:
    """Acknowledge the page: someone is on it; escalation stops."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PostStatusUpdate:
    """Post a status update; `external` ones are for customers, and may publish the `title`
    the status page shows for the incident (until then it shows a neutral one)."""

    text: str
    external: bool = False
    title: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetComponentStatus:
    """Say on the status page that a component is operational, degraded or in an outage."""

    component: str
    status: ComponentStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleMaintenance:
    """Announce planned work on the status page, from `starts_at` to `ends_at` (UTC)."""

    starts_at: datetime
    ends_at: datetime
    title: str
    components: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeSeverity:
    """Raise or lower the severity; the timers re-target."""

    severity: Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePhase:
    """Move the incident to another phase."""

    phase: Phase


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignRole:
    """Give `user` a role (incident commander, communications lead, responder)."""

    role: Role
    user: Person


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkMitigated:
    """The impact is over: enter the resolution phase, optionally saying what mitigated it.

    Time to mitigate stops here; the incident stays open, with its reminders, until resolved.
    """

    summary: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolve:
    """Mark the incident resolved, optionally with a summary of the fix."""

    summary: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Close:
    """Close the incident; `force` skips the pending review (incident commander only)."""

    force: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AddNote:
    """Add a note to the timeline."""

    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AddActionItem:
    """Record a follow-up action item, with an optional owner."""

    text: str
    owner: Person | None = None
    issue: bool = False  # `--issue`: also open an issue for it in the issue tracker (GitHub)


@dataclass(frozen=True, slots=True, kw_only=True)
class CompleteActionItem:
    """Mark action item `number` done."""

    number: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkReviewDone:
    """Record that the post-incident review is written, with a link to it."""

    link: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordPinnedMessage:
    """Capture a chat message someone pinned (or marked 📌) into the timeline."""

    author: Person
    text: str
    link: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordParticipant:
    """Someone spoke in the incident channel: they count as a participant in the review."""

    user: Person


@dataclass(frozen=True, slots=True, kw_only=True)
class FireTimer:
    """A durable timer came due; the scheduler asks the incident to act on it.

    `oncall` is who holds the on-call roles as it fires, looked up by the application for an
    escalation step: the step pages them, not whoever held the role at declaration.
    """

    key: str
    due_at: datetime
    oncall: OnCall | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ShowReview:
    """Draft the post-incident review."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ShowTimeline:
    """Show the incident's timeline."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ListIncidents:
    """List the open incidents."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ShowDashboardLink:
    """A one-time sign-in link to the internal dashboard, for the asker only."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Help:
    """Explain the command language."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordAlerts:
    """Alerts of a group the incident follows fired, resolved or joined it: one timeline entry
    (`entry`) and one message in the incident channel (`text`, pinned when `pin`), with a
    Resolve button when `offer_resolve` (every alert resolved, and nobody resolved it yet)."""

    entry: str
    text: str
    pin: bool = False
    offer_resolve: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AcknowledgeAlert:
    """Acknowledge alert group `alert`'s card (a page below the incident threshold)."""

    alert: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclareAlertIncident:
    """Declare an incident from alert group `alert`'s card; the alerts go with it."""

    alert: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayMessage:
    """Someone wrote in a mirrored incident's channel: show it in its channels elsewhere.
    `name` is what their platform calls them (the configured or kept name wins); `links` are
    their attachments. Changes nothing in the incident."""

    author: Person
    text: str
    name: str | None = None
    links: tuple[str, ...] = ()


Command = (
    OpenIncident
    | Acknowledge
    | PostStatusUpdate
    | SetComponentStatus
    | ChangeSeverity
    | ChangePhase
    | AssignRole
    | MarkMitigated
    | Resolve
    | Close
    | AddNote
    | AddActionItem
    | CompleteActionItem
    | MarkReviewDone
    | RecordPinnedMessage
    | RecordParticipant
    | FireTimer
    | RecordAlerts
    | ScheduleMaintenance
)
Query = ShowReview | ShowTimeline | ListIncidents | ShowDashboardLink | Help
AlertRequest = AcknowledgeAlert | DeclareAlertIncident
"""What people do with an alert card; the alert service handles these (`bot/alerts`)."""
MirrorRequest = RelayMessage
"""What the incident channels of a mirrored incident relay (`bot/mirror.py`)."""
Request = Command | Query | AlertRequest | MirrorRequest
