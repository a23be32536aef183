"""Discord payloads → core requests: typed slash-command options, custom ids, modal fields.

Pure functions, no discord.py: the platform app collects the typed options of a subcommand
(user options already turned into `discord:<id>` identities) and asks `incident_request`
what the person meant, in the same command language every adapter speaks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from incidents import commands as c
from incidents.components import parse_component_status
from incidents.errors import DomainError
from incidents.model import Role
from incidents.parser import VERB_NAMES, Parsed, ParseError
from incidents.people import ONE_PERSON, Person, not_one_person
from incidents.phase import parse_phase
from incidents.public_syntax import MAINTENANCE_EXAMPLE, component_names, take_instant
from incidents.severity import parse_severity
from incidents.text import has_visible

PLATFORM = "discord"
OPEN_EXAMPLE = "/incident open severity:SEV-1 title:Card payments fail components:Checkout"
Option = str | int | bool | None

#: The subcommands of `/incident`: the command language's verbs, in the order help lists them.
INCIDENT_VERBS: tuple[str, ...] = VERB_NAMES
ROLES: dict[str, Role] = {
    "ic": Role.INCIDENT_COMMANDER,
    "comms": Role.COMMUNICATIONS_LEAD,
    "responder": Role.RESPONDER,
}

#: Button actions on an incident summary, and what each custom id prefix means.
ACKNOWLEDGE, POST_UPDATE, CHANGE_SEVERITY, RESOLVE = "ack", "update", "sev", "resolve"
#: An alert card's buttons (issue 18); their number is the alert group's, not an incident's.
ALERT_ACK, DECLARE = "alertack", "declare"
ALERT_ACTIONS = frozenset({ALERT_ACK, DECLARE})
SET_SEVERITY = "setsev"  # the severity picker a Change severity click shows
STATUS_MODAL, RESOLVE_MODAL = "status", "resolved"
_CUSTOM_ID = re.compile(
    r"^sevbot:(?P<action>ack|update|sev|resolve|setsev|status|resolved|alertack|declare)"
    r":(?P<number>[0-9]{1,9})"
    r"(?::(?P<flag>external))?$"
)
BUTTON_TEMPLATE = (
    r"sevbot:(?P<action>ack|update|sev|resolve|alertack|declare):(?P<number>[0-9]{1,9})"
)
SELECT_TEMPLATE = r"sevbot:setsev:(?P<number>[0-9]{1,9})"
STATUS_FIELD, SUMMARY_FIELD = "text", "summary"
_USER_MENTION = re.compile(r"(?<!\S)<@!?([0-9]+)>(?!\S)")
_ROLE_MENTION = re.compile(r"(?<!\S)<@&([0-9]+)>(?!\S)")


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusModal:
    """`/incident status` without text: ask for the update in a modal."""

    incident: int | None
    external: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomId:
    """A parsed `sevbot:<action>:<number>[:external]` component or modal id."""

    action: str
    incident: int | None
    external: bool = False


def user_identity(user_id: int | str) -> Person:
    """A Discord user id as the core's identity: `discord:1234`."""
    return Person.of(PLATFORM, str(user_id))


def discord_user_id(identity: Person) -> int | None:
    """`discord:1234` → 1234; None for anyone who is not a Discord user."""
    ident = identity.id
    return int(ident) if identity.platform == PLATFORM and ident.isdigit() else None


def neutral_text(text: str) -> str:
    """Command text with Discord's mention syntax in the core's neutral form, parsed once here.

    `<@1234>` and `<@!1234>` become `@discord:1234`, a role `<@&1234>` becomes
    `@discord-role:1234` (which the core refuses wherever one person is meant); only whole
    words change.
    """
    if "<@" not in text:
        return text
    text = _USER_MENTION.sub(lambda m: f"@{user_identity(m.group(1))}", text)
    return _ROLE_MENTION.sub(lambda m: f"@discord-role:{m.group(1)}", text)


def custom_id(action: str, incident: int | None, *, external: bool = False) -> str:
    """A stable custom id; the same on every restart, so old buttons keep working."""
    return f"sevbot:{action}:{incident or 0}" + (":external" if external else "")


def parse_custom_id(value: str) -> CustomId | None:
    """`sevbot:ack:42` → CustomId("ack", 42); None for ids that are not ours."""
    match = _CUSTOM_ID.match(value)
    if match is None:
        return None
    number = int(match.group("number"))
    return CustomId(
        action=match.group("action"),
        incident=number or None,
        external=match.group("flag") == "external",
    )


def modal_values(components: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The text fields of a MODAL_SUBMIT, by custom id (action rows or labels around inputs)."""
    values: dict[str, str] = {}
    stack: list[Mapping[str, Any]] = list(components)
    while stack:
        component = stack.pop(0)
        if "custom_id" in component and isinstance(component.get("value"), str):
            values[str(component["custom_id"])] = component["value"]
        stack.extend(component.get("components") or [])
        inner = component.get("component")
        if isinstance(inner, Mapping):
            stack.append(inner)
    return values


def _text(options: Mapping[str, Option], name: str) -> str:
    value = options.get(name)
    return str(value).strip() if value is not None else ""


def _number(options: Mapping[str, Option]) -> int | None:
    value = options.get("incident")
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def incident_request(verb: str, options: Mapping[str, Option]) -> Parsed | ParseError | StatusModal:
    """What `/incident <verb>` with these typed options asks for; never raises."""
    try:
        return _request(verb, options)
    except DomainError as error:
        return ParseError(error.message)


def _request(verb: str, options: Mapping[str, Option]) -> Parsed | ParseError | StatusModal:
    number = _number(options)
    if verb == "open":
        title = _text(options, "title")
        if not has_visible(title):
            return ParseError("An incident needs a title, e.g. `/incident open SEV-1 DB down`.")
        severity = parse_severity(
            _text(options, "severity") or "?",
            example=f"/incident open severity:SEV-1 title:{title}",
        )
        private = options.get("private") is True
        listed = _text(options, "components")
        components = tuple(component_names(listed, OPEN_EXAMPLE)) if listed else ()
        return Parsed(
            request=c.OpenIncident(
                severity=severity, title=title, private=private, components=components
            )
        )
    if verb == "list":
        return Parsed(request=c.ListIncidents())
    if verb == "help":
        return Parsed(request=c.Help())
    if verb == "dashboard":
        return Parsed(request=c.ShowDashboardLink())
    builder = _BUILDERS.get(verb)
    if builder is None:
        return ParseError(
            f"Unknown command `{verb}`. Use one of: {', '.join(INCIDENT_VERBS)}. "
            "`/incident help` explains each."
        )
    request = builder(options)
    if isinstance(request, ParseError | StatusModal):
        return request
    return Parsed(request=request, incident=number)


def _status(options: Mapping[str, Option]) -> c.Request | StatusModal | ParseError:
    external = options.get("external") is True
    text = _text(options, "text")
    title = _text(options, "title") or None
    if not text and title is not None:
        return ParseError(
            "Add the update with the title: "
            "`/incident status text:We are on it external:True title:Degraded checkout`."
        )
    if not text:
        return StatusModal(incident=_number(options), external=external)
    return c.PostStatusUpdate(text=text, external=external, title=title)


def _maintenance(options: Mapping[str, Option]) -> c.Request:
    starts_at, _ = take_instant(_text(options, "start"), "starts")
    ends_at, _ = take_instant(_text(options, "end"), "ends")
    listed = _text(options, "components")
    return c.ScheduleMaintenance(
        starts_at=starts_at,
        ends_at=ends_at,
        title=_text(options, "title"),
        components=tuple(component_names(listed, MAINTENANCE_EXAMPLE)) if listed else (),
    )


def _user(options: Mapping[str, Option], name: str, usage: str) -> Person:
    user = _text(options, name)
    if not user:
        raise DomainError(f"Pick one person: `{usage}`.")
    return _person(user)


def _person(text: str) -> Person:
    """A user option, already `discord:<id>` (see `_raw_option`) or text typed in its place;
    `@everyone`, `@here` and a role (`<@&123>`) are refused: they are not one person."""
    refusal = not_one_person(neutral_text(text))
    if refusal is not None:
        raise DomainError(f"{refusal}; {ONE_PERSON}.")
    try:
        return Person(text)
    except ValueError as error:
        raise DomainError(str(error)) from None


def _role(options: Mapping[str, Option]) -> c.Request:
    name = _text(options, "role").lower()
    role = ROLES.get(name)
    if role is None:
        raise DomainError(
            f"Unknown role `{name}`. Use ic, comms or responder: `/incident role comms @li`."
        )
    return c.AssignRole(role=role, user=_user(options, "user", f"/incident role {name} @li"))


def _action(options: Mapping[str, Option]) -> c.Request | ParseError:
    done = options.get("done")
    if isinstance(done, int) and not isinstance(done, bool):
        return c.CompleteActionItem(number=done)
    text = _text(options, "text")
    if not text:
        return ParseError(
            "Say what needs doing: `/incident action text:Add an alert on 502s owner:@sam`, "
            "or complete one with `/incident action done:2`."
        )
    owner = _text(options, "owner")
    return c.AddActionItem(text=text, owner=_person(owner) if owner else None)


def _review(options: Mapping[str, Option]) -> c.Request:
    link = _text(options, "done")
    return c.MarkReviewDone(link=link) if link else c.ShowReview()


_Builder = Callable[[Mapping[str, Option]], "c.Request | ParseError | StatusModal"]
_BUILDERS: dict[str, _Builder] = {
    "ack": lambda options: c.Acknowledge(),
    "status": _status,
    "component": lambda options: c.SetComponentStatus(
        component=_text(options, "name"), status=parse_component_status(_text(options, "status"))
    ),
    "maintenance": _maintenance,
    "sev": lambda options: c.ChangeSeverity(
        severity=parse_severity(_text(options, "level"), example="/incident sev level:SEV-2")
    ),
    "phase": lambda options: c.ChangePhase(
        phase=parse_phase(_text(options, "name"), example="/incident phase name:mitigation")
    ),
    "ic": lambda options: c.AssignRole(
        role=Role.INCIDENT_COMMANDER, user=_user(options, "user", "/incident ic @sam")
    ),
    "role": _role,
    "note": lambda options: c.AddNote(text=_text(options, "text")),
    "action": _action,
    "mitigated": lambda options: c.MarkMitigated(summary=_text(options, "summary")),
    "resolve": lambda options: c.Resolve(summary=_text(options, "summary")),
    "close": lambda options: c.Close(force=options.get("force") is True),
    "review": _review,
    "timeline": lambda options: c.ShowTimeline(),
}


def component_request(target: CustomId, values: Mapping[str, str]) -> c.Request | ParseError | None:
    """What a click or a submitted modal asks for; None when the click only opens a form."""
    try:
        if target.action == ACKNOWLEDGE:
            return c.Acknowledge()
        if target.action == ALERT_ACK and target.incident is not None:
            return c.AcknowledgeAlert(alert=target.incident)
        if target.action == DECLARE and target.incident is not None:
            return c.DeclareAlertIncident(alert=target.incident)
        if target.action == STATUS_MODAL:
            return c.PostStatusUpdate(text=values.get(STATUS_FIELD, ""), external=target.external)
        if target.action == RESOLVE_MODAL:
            return c.Resolve(summary=values.get(SUMMARY_FIELD, ""))
        if target.action == SET_SEVERITY:
            return c.ChangeSeverity(severity=parse_severity(values.get("level") or "?"))
    except DomainError as error:
        return ParseError(error.message)
    return None


APPLICATION_COMMAND, COMPONENT, MODAL_SUBMIT = 2, 3, 5
SUBCOMMAND, USER_OPTION = 1, 6


@dataclass(frozen=True, slots=True, kw_only=True)
class OnCallText:
    """`/oncall [text]`, for the on-call rotations."""

    text: str


def raw_request(payload: Mapping[str, Any]) -> Parsed | OnCallText | None:
    """What a raw INTERACTION_CREATE (or the inbox's copy of one) runs: an `/incident`
    subcommand that parses, `/oncall`, an Acknowledge click, a
    severity pick, a submitted form. None for what is answered without the store: forms being
    opened, the severity picker, errors found while parsing."""
    kind = payload.get("type")
    data: Mapping[str, Any] = payload.get("data") or {}
    if kind == APPLICATION_COMMAND:
        name = data.get("name")
        if name == "oncall":
            typed = {o.get("name"): o.get("value") for o in data.get("options") or []}
            text = typed.get("text")
            return OnCallText(text=text if isinstance(text, str) else "")
        subcommands = data.get("options") or []
        if name != "incident" or len(subcommands) != 1:
            return None
        subcommand = subcommands[0]
        if subcommand.get("type") != SUBCOMMAND:
            return None
        options = {o.get("name"): _raw_option(o) for o in subcommand.get("options") or []}
        parsed = incident_request(str(subcommand.get("name")), options)
        return parsed if isinstance(parsed, Parsed) else None
    if kind in (COMPONENT, MODAL_SUBMIT):
        target = parse_custom_id(str(data.get("custom_id", "")))
        if target is None:
            return None
        if kind == MODAL_SUBMIT:
            values = modal_values(data.get("components") or [])
        else:
            values = {"level": str((data.get("values") or [""])[0])}
        request = component_request(target, values)
        if request is None or isinstance(request, ParseError):
            return None
        alert = target.action in ALERT_ACTIONS  # its number is an alert group's
        return Parsed(request=request, incident=None if alert else target.incident)
    return None


def defers_at_once(payload: Mapping[str, Any]) -> bool:
    """Whether a raw INTERACTION_CREATE runs a request (`raw_request`), so it goes to the store
    and is deferred at once. Forms being opened, the severity picker and errors found while
    parsing are answered directly instead."""
    return raw_request(payload) is not None


def recorded_interaction(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What the inbox keeps of a raw INTERACTION_CREATE: enough to run it again (its type and
    data, without the resolved objects) and to answer it (id, application, token), with who
    asked, where, and the member's roles."""
    member: Mapping[str, Any] = payload.get("member") or {}
    user: Mapping[str, Any] = member.get("user") or payload.get("user") or {}
    data: Mapping[str, Any] = payload.get("data") or {}
    return {
        "id": str(payload["id"]),
        "application_id": str(payload.get("application_id") or ""),
        "token": str(payload["token"]),
        "type": payload.get("type"),
        "data": {key: value for key, value in data.items() if key != "resolved"},
        "guild_id": _snowflake(payload.get("guild_id")),
        "channel_id": _snowflake(payload.get("channel_id")),
        "user_id": str(user.get("id", "")),
        "roles": [str(role) for role in member.get("roles") or ()],
    }


def recorded_roles(recorded: Mapping[str, Any]) -> frozenset[str]:
    """The member's roles as `[access]` names them, with the server's @everyone role (whose id
    is the server's), as discord.py's `Member.roles` lists them."""
    roles = {str(role) for role in recorded.get("roles") or ()}
    if recorded.get("guild_id"):
        roles.add(str(recorded["guild_id"]))
    return frozenset(f"discord-role:{role}" for role in roles)


def _snowflake(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _raw_option(option: Mapping[str, Any]) -> Option:
    """A raw option's value as the command callbacks pass it (a user becomes `discord:<id>`)."""
    value = option.get("value")
    if option.get("type") == USER_OPTION and value is not None:
        return user_identity(str(value))
    return value if isinstance(value, str | int | bool) else None
