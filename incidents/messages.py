"""Platform-neutral messages the chat side must post: text with mentions, plus facts.

User text and the bot's own mentions are kept apart (`Mention` parts), so a renderer can
escape everything a person typed and ping only the people the bot meant to ping.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from incidents.names import NO_NAMES, Names, plain_name
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
    # On an alert card (below the incident threshold); the message's `alert` names the group.
    ACKNOWLEDGE_ALERT = "acknowledge_alert"
    DECLARE_INCIDENT = "declare_incident"


ALERT_BUTTONS = frozenset({Button.ACKNOWLEDGE_ALERT, Button.DECLARE_INCIDENT})
"""The buttons that act on an alert group (`Message.alert`), not on an incident."""
SUMMARY_BUTTONS = (Button.ACKNOWLEDGE, Button.POST_UPDATE, Button.CHANGE_SEVERITY, Button.RESOLVE)
"""An incident's pinned summary's buttons, in order."""


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
    MAINTENANCE = "maintenance"  # planned work was announced on the status page
    # An incident's life: its channel, the announce channel, pages
    SUMMARY = "summary"
    ANNOUNCEMENT = "announcement"
    PAGE = "page"
    ACKNOWLEDGED = "acknowledged"
    STATUS_UPDATE = "status_update"
    EXTERNAL_UPDATE = "external_update"
    COMPONENT_CHANGED = "component_changed"  # a status-page component's status, set
    SEVERITY_CHANGED = "severity_changed"
    SEVERITY_ANNOUNCEMENT = "severity_announcement"
    PHASE_CHANGED = "phase_changed"
    ROLE_ASSIGNED = "role_assigned"
    RESOLVED = "resolved"
    RESOLUTION_ANNOUNCEMENT = "resolution_announcement"
    CLOSED = "closed"
    RELAYED = "relayed"  # what someone wrote in a mirrored incident's channel, on the others
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
    # Alerts in: the alerts of an incident, alert cards and their follow-ups in on-call channels
    ALERTS = "alerts"
    ALERT_CARD = "alert_card"
    ALERT_UPDATE = "alert_update"
    ALERT_DIGEST = "alert_digest"  # findings waiting for the daily or weekly digest, listed once


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
    alert: int | None = None  # the alert group an alert card's buttons act on

    def plain_text(self, names: Names = NO_NAMES) -> str:
        """The text with mentions written as names (`@id` when unknown); for logs, tests, the
        console and the HTTP API."""
        return render_plain(self.text, names)


def render_plain(text: Text, names: Names = NO_NAMES) -> str:
    """Join parts, writing each mention as the person's name (`incidents.names.plain_name`),
    or `@id` when their name is not known."""
    out: list[str] = []
    for part in text:
        if isinstance(part, Mention):
            out.append(plain_name(part.user, names))
        elif isinstance(part, Everyone):
            out.append("@here")
        else:
            out.append(part)
    return "".join(out)


def mentioned(text: Text) -> tuple[Person, ...]:
    """The people a text mentions, each once, in order (whose names a renderer looks up)."""
    return tuple(dict.fromkeys(part.user for part in text if isinstance(part, Mention)))


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
