"""Commands (imperative: what someone asks for) and queries of the command language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from incidents.model import OnCall, Role
from incidents.people import Person
from incidents.phase import Phase
from incidents.severity import Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenIncident:
    """Declare a new incident; a `private` one is seen only by the people in it."""

    severity: Severity
    title: str
    private: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Acknowledge:
    """Acknowledge the page: someone is on it; escalation stops."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PostStatusUpdate:
    """Post a status update; `external` ones are for customers."""

    text: str
    external: bool = False


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


Command = (
    OpenIncident
    | Acknowledge
    | PostStatusUpdate
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
)
Query = ShowReview | ShowTimeline | ListIncidents | ShowDashboardLink | Help
Request = Command | Query
