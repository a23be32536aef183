"""Who may do what: the permission rules, pure functions of the request, the incident and who asks.

Default rules (no configuration):

* **Anyone** may open an incident, acknowledge, post an internal status update, add notes and
  action items, draft the review and read everything.
* **The incident's leads** (its incident commander, whoever declared it, and admins) may change
  severity or phase, mark it mitigated, assign roles, resolve, reopen, close and record
  `review done`. External updates: the communications lead or a lead. While no incident
  commander is assigned anyone may take the role for themselves; after that only a lead gives
  it to someone else. Anyone may join as a responder themselves.
* **`close --force`**: the incident commander or an admin, and not by a commander who gave
  themselves the role less than a minute ago without being a lead (a stranger cannot take the
  role and skip the review in one go).
* **Action items** are marked done by their owner, a lead or an admin.
* **Private incidents** are seen and changed only by the people in them (see
  `incidents.private`) and admins; anyone else is refused whatever the verb.
* **Tools** (`api:<name>`, HTTP API clients) may use only the verbs their `may` list names
  (default: open, status, note; `external` for `status --external`); a verb on the list counts
  as a lead's right, never as the commander's (`close --force`). An alert source
  (`alerts:<name>`) may open, acknowledge, note and resolve (`ALERT_SOURCE_VERBS`).
* **An incident a tool declared** (an alert, the API) has no person as its declarer: whoever
  acknowledged it stands in for the declarer among its leads.

`[access] admins` lists people and groups (`slack-group:S…`, `discord-role:…`); chat adapters
say which groups the person belongs to when they act (`Principal.groups`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from incidents import commands as c
from incidents.messages import Mention, Part, Text, render_plain
from incidents.model import EntryKind, Incident, Role
from incidents.people import ALERTS, GROUP_PLATFORMS, SEVBOT, Person
from incidents.private import visible_to

SELF_APPOINTED_WAIT = timedelta(minutes=1)


class Verb(enum.StrEnum):
    """The command words, as `[[api_client]] may` names them."""

    OPEN = "open"
    ACK = "ack"
    STATUS = "status"
    EXTERNAL = "external"  # `status --external`: a tool needs this verb, not only `status`
    SEV = "sev"
    PHASE = "phase"
    IC = "ic"
    ROLE = "role"
    NOTE = "note"
    ACTION = "action"
    MITIGATED = "mitigated"
    RESOLVE = "resolve"
    CLOSE = "close"
    REVIEW = "review"
    TIMELINE = "timeline"
    LIST = "list"
    HELP = "help"
    DASHBOARD = "dashboard"
    COMPONENT = "component"  # a status-page component's status
    MAINTENANCE = "maintenance"  # planned work on the status page


DEFAULT_API_VERBS = frozenset({Verb.OPEN, Verb.STATUS, Verb.NOTE})
ALERT_SOURCE_VERBS = frozenset({Verb.OPEN, Verb.ACK, Verb.NOTE, Verb.RESOLVE})
"""What an alert source (`alerts:prometheus`) does: open, acknowledge (an Events `acknowledge`),
record its alerts, and resolve (`auto_resolve`)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who asks: the person (or tool), and the groups the chat platform says they are in."""

    person: Person
    groups: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "person", Person(self.person))  # `slack:U1` text is read once


@dataclass(frozen=True, slots=True, kw_only=True)
class Access:
    """The configured rights: admins (people or groups), who may declare (None: everyone),
    and each API client's verbs by tool name (`api` is SEVBOT_API_TOKEN's identity)."""

    admins: frozenset[str] = frozenset()
    declare: frozenset[str] | None = None
    api_clients: Mapping[str, frozenset[Verb]] = field(default_factory=dict)

    def is_admin(self, who: Principal) -> bool:
        """Named as an admin, or in an admin group."""
        return who.person in self.admins or bool(who.groups & self.admins)

    def tool_verbs(self, person: Person) -> frozenset[Verb] | None:
        """The verbs a tool may use; None for people (and the bot itself, which may all)."""
        if not person.is_tool or person == SEVBOT:
            return None
        if person.platform == ALERTS:
            return ALERT_SOURCE_VERBS
        return self.api_clients.get(person.id, DEFAULT_API_VERBS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ruling:
    """Whether `who` may do `what`: `privileged` rulings are audited; `said` says why (the
    right it used, or the refusal people read, naming who may, with mentions)."""

    allowed: bool
    verb: Verb
    what: str
    privileged: bool
    said: Text

    @property
    def reason(self) -> str:
        """`said` as plain text (the audit log's reason)."""
        return render_plain(self.said)


Piece = str | Person | Text | None
"""Text, a person (mentioned), parts already built (`leads(…)`), or nothing."""


def say(*pieces: Piece) -> Text:
    """Message parts from text and people (a person becomes a mention; None is skipped)."""
    parts: list[Part] = []
    for piece in pieces:
        if isinstance(piece, Person):
            parts.append(Mention(piece))
        elif isinstance(piece, tuple):
            parts += piece
        elif piece:
            parts.append(piece)
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class _Judge:
    """Rulings on one request: `judge(False, "Only ", leads(incident), " can …")`."""

    verb: Verb
    what: str

    def __call__(self, allowed: bool, *said: Piece, privileged: bool = True) -> Ruling:
        return Ruling(
            allowed=allowed, verb=self.verb, what=self.what, privileged=privileged, said=say(*said)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One line of the audit log: when, who, what (`action` is the verb, or `config`), about
    which incident or rotation, allowed or refused, and why."""

    at: datetime
    actor: str
    action: str
    what: str
    allowed: bool
    reason: str
    incident: int | None = None
    rotation: str | None = None
    on_behalf_of: str | None = None
    id: int = 0


def verb_of(request: c.Request) -> Verb:
    """The command word of a request (`external` for an external status update)."""
    if isinstance(request, c.PostStatusUpdate) and request.external:
        return Verb.EXTERNAL
    return _VERBS[type(request)]


_VERBS: dict[type, Verb] = {
    c.OpenIncident: Verb.OPEN,
    c.Acknowledge: Verb.ACK,
    c.PostStatusUpdate: Verb.STATUS,
    c.ChangeSeverity: Verb.SEV,
    c.ChangePhase: Verb.PHASE,
    c.AssignRole: Verb.ROLE,
    c.MarkMitigated: Verb.MITIGATED,
    c.Resolve: Verb.RESOLVE,
    c.Close: Verb.CLOSE,
    c.AddNote: Verb.NOTE,
    c.AddActionItem: Verb.ACTION,
    c.CompleteActionItem: Verb.ACTION,
    c.MarkReviewDone: Verb.REVIEW,
    c.ShowReview: Verb.REVIEW,
    c.ShowTimeline: Verb.TIMELINE,
    c.ListIncidents: Verb.LIST,
    c.ShowDashboardLink: Verb.DASHBOARD,
    c.Help: Verb.HELP,
    c.RecordPinnedMessage: Verb.NOTE,
    c.RecordParticipant: Verb.NOTE,
    c.FireTimer: Verb.NOTE,
    c.SetComponentStatus: Verb.COMPONENT,
    c.ScheduleMaintenance: Verb.MAINTENANCE,
    c.RecordAlerts: Verb.NOTE,
    c.AcknowledgeAlert: Verb.ACK,
    c.DeclareAlertIncident: Verb.OPEN,
    c.RelayMessage: Verb.NOTE,
}


def leads(incident: Incident) -> Text:
    """`the incident commander @sam, the declarer @li or an admin` (with mentions)."""
    named: list[Text] = []
    if incident.incident_commander is not None:
        named.append(say("the incident commander ", Person(incident.incident_commander)))
    declarer = Person(incident.declared_by)
    if not declarer.is_tool:
        named.append(say("the declarer ", declarer))
    else:  # a tool declared it: whoever acknowledges it stands in
        stand_in = acknowledger_as_declarer(incident)
        if stand_in is not None:
            named.append(say("whoever acknowledged it (", stand_in, ")"))
        elif incident.acknowledged_by is None:
            named.append(say(f"whoever acknowledges it (`/incident ack {incident.number}`)"))
    parts: list[Part] = []
    for index, each in enumerate(named):
        parts += [", "] if index else []
        parts += each
    return (*parts, " or an admin") if parts else ("an admin",)


def rule(
    request: c.Request,
    incident: Incident | None,
    who: Principal,
    access: Access,
    now: datetime,
) -> Ruling:
    """May `who` make `request` (about `incident`, None for a new one) now?"""
    verb = verb_of(request)
    judge = _Judge(verb, _what(request, incident))
    person = who.person
    if person == SEVBOT:
        return judge(True, "the bot", privileged=False)
    admin = access.is_admin(who)
    if incident is not None and incident.private and not admin and not visible_to(incident, person):
        return judge(
            False,
            f"#{incident.number} is private: only the people in it or an admin can see or "
            "change it. Its incident commander can add you as a responder.",
        )
    tool = access.tool_verbs(person)
    if tool is not None and verb not in tool and not _reads(request):
        may = ", ".join(sorted(tool)) or "nothing"
        return judge(
            False,
            f"The API client `{person.id}` may not {judge.what}; it may use: {may}. "
            "An operator can add the verb to its `may` list in `[[api_client]]`.",
        )
    if isinstance(request, c.OpenIncident):
        return _declare(who, access, admin, judge)
    if isinstance(request, c.ScheduleMaintenance):  # a public announcement: always audited
        ruling = _declare(who, access, admin, judge)
        return Ruling(
            allowed=ruling.allowed,
            verb=ruling.verb,
            what=ruling.what,
            privileged=True,
            said=ruling.said,
        )
    if incident is None or _anyone(request, person):
        return judge(True, "anyone", privileged=False)
    return _on_incident(request, incident, who, admin, tool is not None, judge, now)


def _reads(request: c.Request) -> bool:
    return isinstance(request, (c.ShowTimeline, c.ListIncidents, c.Help, c.ShowReview))


def _anyone(request: c.Request, person: Person) -> bool:
    """Requests anyone may make on an incident."""
    if isinstance(request, c.PostStatusUpdate):
        return not request.external
    if isinstance(request, c.AssignRole):
        return request.role is Role.RESPONDER and request.user == person
    return isinstance(
        request,
        (
            c.Acknowledge,
            c.AddNote,
            c.AddActionItem,
            c.ShowReview,
            c.ShowTimeline,
            c.RecordPinnedMessage,
            c.RecordParticipant,
            c.RelayMessage,
            c.RecordAlerts,
            c.AcknowledgeAlert,
            c.Help,
            c.ListIncidents,
            c.ShowDashboardLink,
        ),
    )


def _declare(who: Principal, access: Access, admin: bool, judge: _Judge) -> Ruling:
    if access.declare is None or admin:
        return judge(True, "anyone", privileged=False)
    if who.person.platform == ALERTS:  # configured by an operator: alerts always get through
        return judge(True, "alert source")
    if who.person in access.declare or who.groups & access.declare:
        return judge(True, "may declare")
    named = ", ".join(sorted(access.declare)) or "nobody"
    return judge(
        False,
        f"Only the people and groups in `[access] declare` ({named}) or an admin can "
        f"{judge.what} here. Ask one of them, or an admin.",
    )


def _on_incident(
    request: c.Request,
    incident: Incident,
    who: Principal,
    admin: bool,
    tool: bool,
    judge: _Judge,
    now: datetime,
) -> Ruling:
    person = who.person
    ic = incident.incident_commander
    lead = admin or tool or person in (ic, incident.declared_by)
    lead = lead or (person == acknowledger_as_declarer(incident))
    why = _right(person, incident, admin, tool)
    ref = f"#{incident.number}"

    if isinstance(request, c.Close) and request.force:
        if admin:
            return judge(True, "admin")
        if person != ic:
            holder = Person(ic) if ic is not None else None
            return judge(
                False,
                "Only the incident commander ",
                holder,
                f" or an admin can force-close {ref}.",
            )
        if _self_appointed_just_now(incident, person, now):
            return judge(
                False,
                f"You became incident commander of {ref} less than a minute ago; a forced "
                "close needs a commander named by ",
                leads(incident),
                ", or a minute's wait.",
            )
        return judge(True, "incident commander")
    if isinstance(request, c.AssignRole) and request.role is Role.INCIDENT_COMMANDER:
        if ic is None and request.user == person:
            return judge(True, "took the open role")
        if lead:
            return judge(True, why)
        if ic is not None:
            return judge(
                False,
                f"{ref} has an incident commander; only ",
                leads(incident),
                " can give the role to someone else.",
            )
        return judge(
            False,
            "With no incident commander yet you can take the role yourself (name yourself: "
            f"`/incident ic {incident.number} @you`); naming someone else is for ",
            leads(incident),
            ".",
        )
    if isinstance(request, c.PostStatusUpdate):  # external
        comms = incident.communications_lead
        if lead or person == comms:
            return judge(True, why if lead else "communications lead")
        return judge(
            False,
            "Only the communications lead" + (" " if comms else ""),
            Person(comms) if comms else None,
            ", ",
            leads(incident),
            f" can post external updates for {ref}. Post it as an internal update, or ask one "
            "of them.",
        )
    if isinstance(request, c.SetComponentStatus):  # what customers read, as external updates
        comms = incident.communications_lead
        if lead or person == comms:
            return judge(True, why if lead else "communications lead")
        return judge(
            False,
            "Only the communications lead" + (" " if comms else ""),
            Person(comms) if comms else None,
            ", ",
            leads(incident),
            f" can change what the status page says of a component for {ref}. Ask one of them.",
        )
    if isinstance(request, c.CompleteActionItem):
        item = next((i for i in incident.action_items if i.number == request.number), None)
        owner = item.owner if item is not None else None
        if lead or (owner is not None and person == owner):
            return judge(True, why if lead else "owner")
        return judge(
            False,
            f"Action item {request.number} of {ref} can be marked done by ",
            say("its owner ", Person(owner), ", ") if owner is not None else None,
            leads(incident),
            ".",
        )
    if lead:
        return judge(True, why)
    return judge(False, "Only ", leads(incident), f" can {judge.what}.")


def acknowledger_as_declarer(incident: Incident) -> Person | None:
    """Who stands in for the declarer of an incident a tool declared: the person who
    acknowledged it (None: a person declared it, or nobody acknowledged it yet)."""
    who = incident.acknowledged_by
    if who is None or not Person.stored(incident.declared_by).is_tool:
        return None
    stand_in = Person.stored(who)
    return None if stand_in.is_tool else stand_in


def _right(person: Person, incident: Incident, admin: bool, tool: bool) -> str:
    if person == incident.incident_commander:
        return "incident commander"
    if person == incident.declared_by:
        return "declarer"
    if person == acknowledger_as_declarer(incident):
        return "acknowledged a tool's incident"
    if tool:
        return "API client verb"
    return "admin" if admin else "lead"


def _self_appointed_just_now(incident: Incident, person: Person, now: datetime) -> bool:
    """`person` gave themselves the commander role within the last minute while neither the
    declarer nor the commander named before."""
    for entry in reversed(incident.timeline):
        if entry.kind is not EntryKind.ROLE_ASSIGNED:
            continue
        if entry.get("role") != Role.INCIDENT_COMMANDER.value:
            continue
        if entry.get("user") != person:
            continue
        recent = now - entry.at < SELF_APPOINTED_WAIT
        return recent and entry.actor == person and person != incident.declared_by
    return False


def _what(request: c.Request, incident: Incident | None) -> str:
    """The action in words, for refusals and the audit log: `change the severity of #12`."""
    ref = f"#{incident.number}" if incident is not None else "an incident"
    if isinstance(request, c.AssignRole):
        return f"assign the {request.role.label} role of {ref}"
    if isinstance(request, c.ChangePhase):
        return f"change the phase of {ref}"
    if isinstance(request, c.Close):
        return f"force-close {ref}" if request.force else f"close {ref}"
    if isinstance(request, c.PostStatusUpdate):
        kind = "an external" if request.external else "a"
        return f"post {kind} status update on {ref}"
    if isinstance(request, c.SetComponentStatus):
        return f"set {request.component} to {request.status.label} on the status page for {ref}"
    return _WHAT.get(type(request), f"{verb_of(request).value} {ref}").format(ref=ref)


_WHAT: dict[type, str] = {
    c.OpenIncident: "open an incident",
    c.Acknowledge: "acknowledge {ref}",
    c.ChangeSeverity: "change the severity of {ref}",
    c.MarkMitigated: "mark {ref} mitigated",
    c.Resolve: "resolve {ref}",
    c.AddNote: "add a note to {ref}",
    c.AddActionItem: "add an action item to {ref}",
    c.CompleteActionItem: "mark an action item of {ref} done",
    c.MarkReviewDone: "record the review of {ref} as done",
    c.ShowReview: "draft the review of {ref}",
    c.ScheduleMaintenance: "schedule maintenance on the status page",
    c.RecordAlerts: "record alerts on {ref}",
    c.AcknowledgeAlert: "acknowledge an alert",
    c.DeclareAlertIncident: "declare an incident from an alert",
}


def is_group(name: str) -> bool:
    """`slack-group:S0SRE` and `discord-role:123` name groups, not people."""
    platform, sep, ident = name.partition(":")
    return bool(sep and ident) and platform in GROUP_PLATFORMS


__all__ = [
    "ALERT_SOURCE_VERBS",
    "DEFAULT_API_VERBS",
    "Access",
    "AuditEntry",
    "Principal",
    "Ruling",
    "Verb",
    "is_group",
    "leads",
    "rule",
    "say",
    "verb_of",
]
