"""Platform-neutral messages the chat side must post: text with mentions, plus facts.

User text and the bot's own mentions are kept apart (`Mention` parts), so a renderer can
escape everything a person typed and ping only the people the bot meant to ping.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from incidents.people import Person


@dataclass(frozen=True, slots=True)
class Mention:
    """A person the bot means to ping, by chat identity (`slack:U123`, `discord:42`, ...)."""

    user: Person


@dataclass(frozen=True, slots=True)
class Everyone:
    """An intended `@here` in the channel, used only by the last escalation step."""


Part = str | Mention | Everyone
Text = tuple[Part, ...]


class Audience(enum.StrEnum):
    """Where a message goes."""

    INCIDENT = "incident"  # the incident's own channel
    ANNOUNCE = "announce"  # the team-wide incidents channel
    ONCALL = "oncall"  # the rotation's on-call channel
    DIRECT = "direct"  # a direct message to `recipient`
    REPLY = "reply"  # an ephemeral reply to whoever issued the command


class Tone(enum.StrEnum):
    """How urgent a message looks (colour and emoji in renderers)."""

    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    DANGER = "danger"


class Button(enum.StrEnum):
    """Buttons a summary can carry; adapters map them to platform components."""

    ACKNOWLEDGE = "acknowledge"
    POST_UPDATE = "post_update"
    CHANGE_SEVERITY = "change_severity"
    RESOLVE = "resolve"


class MessageKind(enum.StrEnum):
    """What a message is, for renderers, tests and metrics; the outbox stores the value."""

    # Replies to whoever asked
    REPLY = "reply"
    ERROR = "error"
    HELP = "help"
    LIST = "list"
    DASHBOARD = "dashboard"
    TIMELINE = "timeline"
    OPENING = "opening"
    # An incident's life: its channel, the announce channel, pages
    SUMMARY = "summary"
    ANNOUNCEMENT = "announcement"
    PAGE = "page"
    ACKNOWLEDGED = "acknowledged"
    STATUS_UPDATE = "status_update"
    EXTERNAL_UPDATE = "external_update"
    SEVERITY_CHANGED = "severity_changed"
    SEVERITY_ANNOUNCEMENT = "severity_announcement"
    PHASE_CHANGED = "phase_changed"
    ROLE_ASSIGNED = "role_assigned"
    RESOLVED = "resolved"
    RESOLUTION_ANNOUNCEMENT = "resolution_announcement"
    CLOSED = "closed"
    # Records: notes, action items, the review
    NOTE = "note"
    ACTION_ADDED = "action_added"
    ACTION_DONE = "action_done"
    REVIEW = "review"
    REVIEW_DONE = "review_done"
    # Timers firing: reminders, warnings, breaches, escalation
    STATUS_REMINDER = "status_reminder"
    EXTERNAL_UPDATE_DUE = "external_update_due"
    RESPONSE_WARNING = "response_warning"
    RESPONSE_BREACH = "response_breach"
    PHASE_WARNING = "phase_warning"
    PHASE_BREACH = "phase_breach"
    ESCALATION = "escalation"
    REVIEW_REMINDER = "review_reminder"
    REVIEW_OVERDUE = "review_overdue"
    # Action items across incidents: the weekly nag
    ACTION_ITEMS_NAG = "action_items_nag"
    # On-call: replies, edits, changes, handoffs
    ONCALL = "oncall"
    ONCALL_EDIT = "oncall_edit"
    ONCALL_CHANGED = "oncall_changed"
    HANDOFF = "handoff"
    HANDOFF_DM = "handoff_dm"
    HANDOFF_REMINDER = "handoff_reminder"


#: Periodic nudges of an incident: a newer one says, in the current wording, all that an older
#: one not sent yet would have said. The outbox drops the older one when the newer one is
#: enqueued, so reminders that piled up behind a stalled message go out once, not as a burst.
SUPERSEDING_KINDS = frozenset({MessageKind.STATUS_REMINDER, MessageKind.EXTERNAL_UPDATE_DUE})


@dataclass(frozen=True, slots=True)
class Fact:
    """A labelled fact shown beside the text, e.g. ("Severity", "SEV-1")."""

    label: str
    value: Text


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """Something the chat side must post. `kind` names it for renderers, tests and metrics."""

    kind: MessageKind
    audience: Audience
    text: Text
    incident: int | None = None
    recipient: Person | None = None
    rotation: str | None = None
    title: str | None = None
    facts: tuple[Fact, ...] = ()
    buttons: tuple[Button, ...] = ()
    tone: Tone = Tone.INFO
    pin: bool = False
    attachment_name: str | None = None
    attachment: str | None = None

    def plain_text(self, display: dict[Person, str] | None = None) -> str:
        """The text with mentions written as `@name`; for logs, tests and the console."""
        return render_plain(self.text, display)


def render_plain(text: Text, display: dict[Person, str] | None = None) -> str:
    """Join parts, writing mentions as `@name` (a display name, else the person's id)."""
    out: list[str] = []
    for part in text:
        if isinstance(part, Mention):
            name = (display or {}).get(part.user)
            out.append(f"@{name}" if name else Person(part.user).handle)
        elif isinstance(part, Everyone):
            out.append("@here")
        else:
            out.append(part)
    return "".join(out)


def at_name(user: Person | None) -> str:
    """`slack:U123` → `@U123`, for plain text such as timeline entries; None → `nobody`."""
    return Person(user).handle if user else "nobody"


def mention_list(users: tuple[Person, ...] | list[Person], empty: str = "nobody") -> Text:
    """`@a, @b` as parts, or `empty` when there is nobody."""
    if not users:
        return (empty,)
    parts: list[Part] = []
    for index, user in enumerate(users):
        if index:
            parts.append(", ")
        parts.append(Mention(user))
    return tuple(parts)


def person(user: Person | None, empty: str = "unassigned") -> Text:
    """A single mention, or `empty`."""
    return (Mention(user),) if user else (empty,)
