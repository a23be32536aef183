"""The command language shared by every chat adapter: text → request, or a helpful error.

`/incident open <sev> [--private] [--component <name>] <title…>` · `ack` ·
`status [--external [--title <public title>]] <text>` (alias `update`) ·
`component <name> <operational|degraded|partial|major>` · `sev <level>` · `phase <name>` · `ic <@user>` (alias `commander`) ·
`role <role> <@user>` · `note <text>` · `action <text> [@owner] [--issue]` · `action done <n>` ·
`mitigated [summary]` ·
`resolve [summary]` · `close [--force]` · `review` · `review done <link>|none <why>` · `timeline` ·
`maintenance <start> <end> <title…> [--component <name>]` · `list` · `help`.

Outside an incident's channel, the incident is named by number right after the verb:
`/incident status 42 Rolled back` (or `#42`).

People are named `@name` (a person on the platform the command came from) or `@platform:id`
(`@slack:U123`, `@discord:42`). Chat adapters rewrite their platform's own mention markup
into that neutral form before parsing; this module knows no platform's markup. `@here`,
`@channel`, `@everyone` and groups (`@slack-group:S0SRE`, `@discord-role:123`) are refused
wherever one person is meant.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from incidents import commands as c
from incidents.components import ComponentStatus
from incidents.errors import DomainError
from incidents.examples import example
from incidents.model import Role
from incidents.people import ONE_PERSON, Person, not_one_person
from incidents.phase import Phase, parse_phase
from incidents.public_syntax import (
    COMPONENT_FLAG,
    TITLE_FLAG,
    component_names,
    component_request,
    maintenance_request,
    quoted,
    take_value,
    utc_iso,
)
from incidents.severity import Severity, parse_severity
from incidents.text import has_visible, strip_invisible

VERBS: tuple[tuple[str, str], ...] = (
    (
        "open <sev> [--private] [--component <name>] <title>",
        "declare an incident, e.g. `open sev1 Checkout is failing`; "
        "`--private`: only the people in it see it; `--component Checkout`: the status-page "
        'components it affects (repeat it, or list them: `--component "API,Checkout"`)',
    ),
    ("ack", "acknowledge the page; stops escalation"),
    (
        "status <text>",
        "post a status update (alias `update`); `--external` for customers, and "
        '`--external --title "Degraded checkout"` to publish the title the status page shows',
    ),
    (
        "component <name> <status>",
        "say on the status page that a component is operational, degraded, partial (outage) "
        "or major (outage)",
    ),
    ("sev <level>", "change severity: sev0, sev1, sev2 or sev3"),
    ("phase <name>", "move to " + ", ".join(p.value for p in Phase)),
    ("ic <@user>", "name the incident commander (alias `commander`)"),
    ("role <role> <@user>", "assign ic, comms or responder"),
    ("note <text>", "add a note to the timeline"),
    (
        "action <text> [@owner] [--issue]",
        "add an action item (`--issue`: also a GitHub issue); `action done <n>` completes one",
    ),
    ("mitigated [summary]", "the impact is over: enter resolution (time to mitigate stops)"),
    ("resolve [summary]", "mark resolved; status reminders stop"),
    ("close [--force]", "close after the review (`--force`: incident commander only)"),
    (
        "review",
        "draft the post-incident review; `review done <link>` records it "
        "(`review done none <why>`: no write-up)",
    ),
    ("timeline", "show the timeline"),
    (
        "maintenance <start> <end> <title>",
        "announce planned work on the status page, times in UTC: "
        "`maintenance 2026-12-05T02:00Z 2026-12-05T04:00Z Database upgrade --component API`",
    ),
    ("list", "list open incidents"),
    ("dashboard", "a one-time sign-in link to the incident dashboard"),
    ("help", "this help"),
)
VERB_NAMES: tuple[str, ...] = tuple(usage.split()[0] for usage, _ in VERBS)
_ALIASES = {
    "update": "status",
    "severity": "sev",
    "commander": "ic",
    "acknowledge": "ack",
    "declare": "open",
    "ls": "list",
    "mitigate": "mitigated",
}
_ROLES = {
    "ic": Role.INCIDENT_COMMANDER,
    "commander": Role.INCIDENT_COMMANDER,
    "incident_commander": Role.INCIDENT_COMMANDER,
    "comms": Role.COMMUNICATIONS_LEAD,
    "communications": Role.COMMUNICATIONS_LEAD,
    "communications_lead": Role.COMMUNICATIONS_LEAD,
    "responder": Role.RESPONDER,
}
_NUMBER = re.compile(r"^#?([0-9]{1,9})$")
_NEUTRAL_USER = re.compile(r"^@([a-z][a-z0-9_-]*:\S+)$")
_PLAIN_USER = re.compile(r"^@([A-Za-z0-9._-]+)$")
ISSUE_FLAG = "--issue"  # `/incident action <text> [@owner] --issue`: also a GitHub issue
PRIVATE_FLAG = "--private"  # `/incident open sev1 --private <title>`
OPEN_COMPONENT_EXAMPLE = "/incident open sev1 --component Checkout Card payments are failing"
TITLE_EXAMPLE = '/incident status --external --title "Degraded checkout" We are on it'
_STATUS_WORDS = {
    ComponentStatus.OPERATIONAL: "operational",
    ComponentStatus.DEGRADED_PERFORMANCE: "degraded",
    ComponentStatus.PARTIAL_OUTAGE: "partial",
    ComponentStatus.MAJOR_OUTAGE: "major",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Parsed:
    """A valid request, and the incident it names (None: the channel's own incident)."""

    request: c.Request
    incident: int | None = None


@dataclass(frozen=True, slots=True)
class ParseError:
    """Text that is not a valid command; `message` says what would have been valid."""

    message: str


def help_text() -> str:
    """The command language, one line per command."""
    lines = ["`/incident` commands (in an incident channel, or add the number: `status 42 …`):"]
    lines += [f"• `{usage}`: {what}" for usage, what in VERBS]
    return "\n".join(lines)


def parse_user(token: str, platform: str) -> Person | None:
    """`@slack:U123` (any platform) or `@bob` (on `platform`) → a Person; None if not one."""
    token = strip_invisible(token, keep_joiners=False)
    try:
        neutral = _NEUTRAL_USER.match(token)
        if neutral is not None:
            return Person(neutral.group(1))
        plain = _PLAIN_USER.match(token)
        return None if plain is None else Person.of(platform, plain.group(1))
    except ValueError:
        return None


def format_user(user: Person) -> str:
    """The token that `parse_user` reads back on any platform: `@slack:U123`."""
    return f"@{user}"


def parse(text: str, platform: str = "console") -> Parsed | ParseError:
    """Parse command text; never raises."""
    try:
        return _parse(text, platform)
    except DomainError as error:
        return ParseError(error.message)


class _Words:
    """The rest of the command text, consumed word by word, keeping the raw remainder."""

    def __init__(self, text: str) -> None:
        self.rest = text.strip()

    def peek(self) -> str:
        return self.rest.split(maxsplit=1)[0] if self.rest else ""

    def take(self) -> str:
        parts = self.rest.split(maxsplit=1)
        self.rest = parts[1].strip() if len(parts) > 1 else ""
        return parts[0] if parts else ""

    def count(self) -> int:
        return len(self.rest.split())


def _fail(message: str) -> DomainError:
    return DomainError(message)


def _parse(text: str, platform: str) -> Parsed | ParseError:
    words = _Words(text)
    if words.peek().lower() in ("/incident", "incident"):
        words.take()
    raw_verb = words.take()
    verb = _ALIASES.get(raw_verb.lower(), raw_verb.lower())
    if not verb:
        return Parsed(request=c.Help())
    if verb not in VERB_NAMES:
        raise _fail(
            f"Unknown command `{raw_verb}`. Use one of: {', '.join(VERB_NAMES)}. "
            "`/incident help` explains each."
        )
    if verb == "open":
        return Parsed(request=_open(words))
    if verb == "maintenance":
        return Parsed(request=maintenance_request(words.rest))
    if verb in ("list", "help", "dashboard"):
        simple: dict[str, c.Request] = {
            "list": c.ListIncidents(),
            "help": c.Help(),
            "dashboard": c.ShowDashboardLink(),
        }
        return Parsed(request=simple[verb])
    minimum = {"sev": 1, "phase": 1, "ic": 1, "role": 2, "component": 2}.get(verb, 0)
    number = _take_number(words, minimum)
    return Parsed(request=_VERB_PARSERS[verb](words, platform), incident=number)


def _take_number(words: _Words, minimum_after: int) -> int | None:
    """Take a leading incident number if one is there and enough words remain after it."""
    token = words.peek()
    match = _NUMBER.match(token)
    if match is None:
        return None
    if not token.startswith("#") and words.count() - 1 < minimum_after:
        return None
    words.take()
    return int(match.group(1))


def _take_private(words: _Words) -> bool:
    """Take a `--private` flag if it comes next (it may stand before or after the severity)."""
    if words.peek().lower() != PRIVATE_FLAG:
        return False
    words.take()
    return True


def _open_flags(words: _Words, private: bool, components: list[str]) -> bool:
    """Take `--private` and `--component <name>` flags while they come next; True once
    `--private` was among them (or before)."""
    while True:
        flag = words.peek().lower()
        if flag == PRIVATE_FLAG:
            words.take()
            private = True
        elif flag == COMPONENT_FLAG:
            words.take()
            value, words.rest = take_value(words.rest, COMPONENT_FLAG, OPEN_COMPONENT_EXAMPLE)
            components += component_names(value, OPEN_COMPONENT_EXAMPLE)
        else:
            return private


def _open(words: _Words) -> c.OpenIncident:
    components: list[str] = []
    private = _open_flags(words, False, components)
    token = words.take()
    if not token:
        raise _fail(f"Say how bad and what: `{example('open')}`.")
    # The example keeps the title typed: `open sev9 DB down` → `/incident open sev1 DB down`.
    typed = words.rest.split()
    title = " ".join(typed[1:] if typed[:1] == [PRIVATE_FLAG] else typed)
    shown = "/incident open sev1 " + (title if has_visible(title) else "DB down")
    severity = parse_severity(token, example=shown)
    private = _open_flags(words, private, components)
    if not has_visible(words.rest):
        raise _fail(f"An incident needs a title, e.g. `/incident open {severity.token} DB down`.")
    return c.OpenIncident(
        severity=severity, title=words.rest, private=private, components=tuple(components)
    )


def _status(words: _Words, platform: str) -> c.Request:
    external = False
    title: str | None = None
    while True:
        flag = words.peek().lower()
        if flag in ("--external", "-e", "--public"):
            words.take()
            external = True
        elif flag == TITLE_FLAG:
            words.take()
            title, words.rest = take_value(words.rest, TITLE_FLAG, TITLE_EXAMPLE)
        else:
            return c.PostStatusUpdate(text=words.rest, external=external, title=title)


def _component(words: _Words, platform: str) -> c.Request:
    return component_request(words.rest)


def _sev(words: _Words, platform: str) -> c.Request:
    if words.count() != 1:
        raise _fail(f"Say the new level: `{example('sev')}` (sev0, sev1, sev2 or sev3).")
    return c.ChangeSeverity(severity=parse_severity(words.take(), example=example("sev")))


def _phase(words: _Words, platform: str) -> c.Request:
    if words.count() != 1:
        names = ", ".join(p.value for p in Phase)
        raise _fail(f"Say which phase: `{example('phase')}` ({names}).")
    return c.ChangePhase(phase=parse_phase(words.take(), example=example("phase")))


def _not_one_person(token: str) -> str | None:
    """Why an `@…` token names no one person (`@here`, `@slack-group:S0SRE`); None otherwise."""
    token = strip_invisible(token, keep_joiners=False)
    return not_one_person(token) if token.startswith("@") else None


def _user(words: _Words, platform: str, usage: str) -> Person:
    token = words.take()
    refusal = _not_one_person(token)
    if refusal is not None:
        raise _fail(f"{refusal}; {ONE_PERSON}: `{usage}`.")
    user = parse_user(token, platform)
    if user is None or words.rest:
        raise _fail(f"Mention one person: `{usage}`.")
    return user


def _ic(words: _Words, platform: str) -> c.Request:
    return c.AssignRole(role=Role.INCIDENT_COMMANDER, user=_user(words, platform, example("ic")))


def _role(words: _Words, platform: str) -> c.Request:
    name = words.take().lower()
    role = _ROLES.get(name)
    if role is None:
        raise _fail(
            f"Unknown role `{name}`. Use ic, comms or responder: `/incident role comms @li`."
        )
    return c.AssignRole(role=role, user=_user(words, platform, f"/incident role {name} @li"))


def _note(words: _Words, platform: str) -> c.Request:
    return c.AddNote(text=words.rest)


def _action(words: _Words, platform: str) -> c.Request:
    if words.peek().lower() == "done":
        words.take()
        match = _NUMBER.match(words.rest)
        if match is None:
            raise _fail(f"Say which action item: `{example('action done')}`.")
        return c.CompleteActionItem(number=int(match.group(1)))
    issue = False
    if words.peek().lower() == ISSUE_FLAG:
        words.take()
        issue = True
    if words.rest.lower().endswith(" " + ISSUE_FLAG):
        words.rest = words.rest[: -len(ISSUE_FLAG)].rstrip()
        issue = True
    text, _, last = words.rest.rpartition(" ")
    refusal = _not_one_person(last) if text else None
    if refusal is not None:
        raise _fail(
            f"{refusal}; an action item's owner is one person, or none: `{example('action')}`."
        )
    owner = parse_user(last, platform) if text else None
    return c.AddActionItem(text=text.strip() if owner else words.rest, owner=owner, issue=issue)


def _mitigated(words: _Words, platform: str) -> c.Request:
    return c.MarkMitigated(summary=words.rest)


def _resolve(words: _Words, platform: str) -> c.Request:
    return c.Resolve(summary=words.rest)


def _close(words: _Words, platform: str) -> c.Request:
    if words.rest.lower() in ("--force", "-f", "force"):
        return c.Close(force=True)
    if words.rest:
        raise _fail("`/incident close` takes nothing, or `--force` to skip the review.")
    return c.Close()


def _review(words: _Words, platform: str) -> c.Request:
    if words.peek().lower() == "done":
        words.take()
        if not words.rest:
            raise _fail(
                f"Add the link: `{example('review done')}`, or say why there is none: "
                f"`{example('review done none')}`."
            )
        return c.MarkReviewDone(link=words.rest)
    if words.rest:
        raise _fail(
            "`/incident review` drafts the review; `/incident review done <link>` records it."
        )
    return c.ShowReview()


_VerbParser = Callable[["_Words", str], c.Request]


def _no_args(request: c.Request, usage: str) -> _VerbParser:
    def parse_verb(words: _Words, platform: str) -> c.Request:
        if words.rest:
            raise _fail(f"`{usage}` takes no text.")
        return request

    return parse_verb


_VERB_PARSERS: dict[str, _VerbParser] = {
    "ack": _no_args(c.Acknowledge(), "/incident ack"),
    "status": _status,
    "component": _component,
    "sev": _sev,
    "phase": _phase,
    "ic": _ic,
    "role": _role,
    "note": _note,
    "action": _action,
    "mitigated": _mitigated,
    "resolve": _resolve,
    "close": _close,
    "review": _review,
    "timeline": _no_args(c.ShowTimeline(), "/incident timeline"),
}


def format_request(parsed: Parsed) -> str:
    """Text that `parse` reads back as `parsed`: the canonical spelling of a request."""
    request = parsed.request
    ref = f" #{parsed.incident}" if parsed.incident is not None else ""
    match request:
        case c.OpenIncident(severity=severity, title=title, private=private, components=components):
            flags = f" {PRIVATE_FLAG}" if private else ""
            if components:
                flags += f" {COMPONENT_FLAG} {quoted(','.join(components))}"
            return f"open {severity.token}{flags} {title}"
        case c.Acknowledge():
            return f"ack{ref}"
        case c.PostStatusUpdate(text=text, external=external, title=title):
            flags = " --external" if external else ""
            flags += f" {TITLE_FLAG} {quoted(title)}" if title is not None else ""
            return f"status{ref}{flags} {text}".rstrip()
        case c.SetComponentStatus(component=component, status=status):
            return f"component{ref} {component} {_STATUS_WORDS[status]}"
        case c.ScheduleMaintenance(
            starts_at=starts_at, ends_at=ends_at, title=title, components=components
        ):
            listed = f" {COMPONENT_FLAG} {quoted(','.join(components))}" if components else ""
            return f"maintenance {utc_iso(starts_at)} {utc_iso(ends_at)} {title}{listed}"
        case c.ChangeSeverity(severity=severity):
            return f"sev{ref} {severity.token}"
        case c.ChangePhase(phase=phase):
            return f"phase{ref} {phase.value}"
        case c.AssignRole(role=role, user=user):
            name = {Role.INCIDENT_COMMANDER: "ic", Role.COMMUNICATIONS_LEAD: "comms"}.get(
                role, "responder"
            )
            return f"role{ref} {name} {format_user(user)}"
        case c.AddNote(text=text):
            return f"note{ref} {text}".rstrip()
        case c.AddActionItem(text=text, owner=owner, issue=issue):
            flag = f" {ISSUE_FLAG}" if issue else ""
            return f"action{ref}{flag} {text}" + (f" {format_user(owner)}" if owner else "")
        case c.CompleteActionItem(number=number):
            return f"action{ref} done {number}"
        case c.MarkMitigated(summary=summary):
            return f"mitigated{ref} {summary}".rstrip()
        case c.Resolve(summary=summary):
            return f"resolve{ref} {summary}".rstrip()
        case c.Close(force=force):
            return f"close{ref}{' --force' if force else ''}"
        case c.MarkReviewDone(link=link):
            return f"review{ref} done {link}"
        case c.ShowReview():
            return f"review{ref}"
        case c.ShowTimeline():
            return f"timeline{ref}"
        case c.ListIncidents():
            return "list"
        case c.ShowDashboardLink():
            return "dashboard"
        case c.Help():
            return "help"
    raise ValueError(f"{type(request).__name__} has no text form")


__all__ = ["ParseError", "Parsed", "Severity", "format_request", "help_text", "parse"]
