"""Typed slash-command options, custom ids and modal fields → core requests (pure)."""

from __future__ import annotations

import pytest

from adapters.discord.parse import (
    CustomId,
    StatusModal,
    component_request,
    custom_id,
    defers_at_once,
    discord_user_id,
    incident_request,
    modal_values,
    parse_custom_id,
)
from incidents import commands as c
from incidents.model import Role
from incidents.parser import Parsed, ParseError, format_request
from incidents.people import Person
from incidents.phase import Phase
from incidents.severity import Severity

SAM = "discord:1300000000000000005"


@pytest.mark.parametrize(
    ("verb", "options", "text"),
    [
        (
            "open",
            {"severity": "SEV-1", "title": "Checkout is failing"},
            "open sev1 Checkout is failing",
        ),
        ("ack", {"incident": 4}, "ack #4"),
        ("status", {"text": "Rolled back", "external": False}, "status Rolled back"),
        (
            "status",
            {"text": "We are on it", "external": True, "incident": 2},
            "status #2 --external We are on it",
        ),
        ("sev", {"level": "SEV-0"}, "sev sev0"),
        ("phase", {"name": "post-incident"}, "phase post-incident"),
        ("ic", {"user": SAM}, "role ic @discord:1300000000000000005"),
        ("role", {"role": "comms", "user": SAM}, "role comms @discord:1300000000000000005"),
        ("role", {"role": "responder", "user": SAM}, "role responder @discord:1300000000000000005"),
        ("note", {"text": "Paused the batch"}, "note Paused the batch"),
        (
            "action",
            {"text": "Alert on 502s", "owner": SAM},
            "action Alert on 502s @discord:1300000000000000005",
        ),
        ("action", {"done": 2}, "action done 2"),
        ("mitigated", {"summary": "Rolled back 8812"}, "mitigated Rolled back 8812"),
        ("mitigated", {"incident": 3}, "mitigated #3"),
        ("resolve", {"summary": "Rolled back 8812"}, "resolve Rolled back 8812"),
        ("resolve", {}, "resolve"),
        ("close", {"force": True}, "close --force"),
        ("close", {"force": False}, "close"),
        ("review", {}, "review"),
        ("review", {"done": "https://wiki/pir-1"}, "review done https://wiki/pir-1"),
        ("timeline", {"incident": 9}, "timeline #9"),
        (
            "open",
            {"severity": "SEV-1", "title": "Card payments fail", "components": "Checkout, API"},
            "open sev1 --component Checkout,API Card payments fail",
        ),
        (
            "status",
            {"text": "We are on it", "external": True, "title": "Degraded checkout"},
            'status --external --title "Degraded checkout" We are on it',
        ),
        (
            "component",
            {"name": "Mobile App", "status": "partial", "incident": 3},
            "component #3 Mobile App partial",
        ),
        (
            "maintenance",
            {
                "start": "2026-12-05 02:00",
                "end": "2026-12-05T04:00Z",
                "title": "Database upgrade",
                "components": "API",
            },
            "maintenance 2026-12-05T02:00Z 2026-12-05T04:00Z Database upgrade --component API",
        ),
        ("list", {}, "list"),
        ("help", {}, "help"),
    ],
)
def test_each_subcommand_means_what_its_text_form_means(
    verb: str, options: dict, text: str
) -> None:
    """Every subcommand's typed options give the request its command-language text gives."""
    parsed = incident_request(verb, options)
    assert isinstance(parsed, Parsed)
    assert format_request(parsed) == text


def test_open_reads_the_severity_choice_and_the_title() -> None:
    """`/incident open severity:SEV-0 title:…` opens a SEV-0 with that title."""
    parsed = incident_request("open", {"severity": "SEV-0", "title": "  DB down  "})
    assert isinstance(parsed, Parsed)
    assert parsed.request == c.OpenIncident(severity=Severity.SEV0, title="DB down")


def test_status_without_text_asks_for_a_modal() -> None:
    """`/incident status` with no text opens the form, remembering number and external."""
    assert incident_request("status", {"external": True, "incident": 3}) == StatusModal(
        incident=3, external=True
    )


@pytest.mark.parametrize(
    ("verb", "options", "hint"),
    [
        ("open", {"severity": "SEV-9", "title": "x"}, "Use sev0, sev1, sev2 or sev3"),
        ("open", {"severity": "SEV-1", "title": "  "}, "needs a title"),
        ("phase", {"name": "lunch"}, "Unknown phase `lunch`"),
        ("role", {"role": "boss", "user": SAM}, "Use ic, comms or responder"),
        ("ic", {}, "Pick one person"),
        ("action", {}, "`/incident action done:2`"),
        ("dance", {}, "Use one of: open, ack"),
        ("status", {"title": "Degraded checkout", "external": True}, "Add the update with"),
        ("component", {"name": "API", "status": "broken"}, "Unknown component status"),
        ("maintenance", {"start": "soon", "end": "later", "title": "x"}, "`soon` is not a time"),
    ],
)
def test_bad_options_say_what_would_have_been_valid(verb: str, options: dict, hint: str) -> None:
    """Invalid options give an error naming the valid choices, never an exception."""
    parsed = incident_request(verb, options)
    assert isinstance(parsed, ParseError)
    assert hint in parsed.message


@pytest.mark.parametrize(
    ("verb", "options", "refusal"),
    [
        ("ic", {"user": "@everyone"}, "`@everyone` is not a person; name one person"),
        ("ic", {"user": "@here"}, "`@here` is not a person; name one person"),
        ("ic", {"user": "<@&1300000000000000009>"}, "is a group, not a person"),
        ("role", {"role": "comms", "user": "<@&42>"}, "`@discord-role:42` is a group"),
        ("action", {"text": "Alert on 502s", "owner": "@everyone"}, "`@everyone` is not a"),
        ("action", {"text": "Alert on 502s", "owner": "<@&42>"}, "is a group, not a person"),
    ],
)
def test_everyone_here_and_roles_are_not_people(verb: str, options: dict, refusal: str) -> None:
    """`@everyone`, `@here` or a role typed where one person is meant is refused, saying why."""
    parsed = incident_request(verb, options)
    assert isinstance(parsed, ParseError)
    assert refusal in parsed.message


@pytest.mark.parametrize("title", ["\u200b", "\u202e\u2066\u200f", " \ufeff \u2060 "])
def test_a_title_of_only_invisible_characters_is_refused(title: str) -> None:
    """`/incident open title:` with only zero-width or bidi characters needs a real title."""
    parsed = incident_request("open", {"severity": "SEV-1", "title": title})
    assert isinstance(parsed, ParseError)
    assert "An incident needs a title" in parsed.message


def test_custom_ids_are_stable_and_round_trip() -> None:
    """`sevbot:<action>:<n>` ids read back the same; 0 means the channel's own incident."""
    assert custom_id("ack", 42) == "sevbot:ack:42"
    assert parse_custom_id("sevbot:ack:42") == CustomId(action="ack", incident=42)
    assert parse_custom_id(custom_id("status", None, external=True)) == CustomId(
        action="status", incident=None, external=True
    )
    assert parse_custom_id("someone-else:ack:1") is None
    assert parse_custom_id("sevbot:ack:1; drop table") is None


def test_modal_values_read_action_rows_and_labels() -> None:
    """Text inputs are found inside action rows and inside label components."""
    components = [
        {"type": 1, "components": [{"type": 4, "custom_id": "text", "value": "Rolled back"}]},
        {"type": 18, "component": {"type": 4, "custom_id": "summary", "value": "Fixed"}},
    ]
    assert modal_values(components) == {"text": "Rolled back", "summary": "Fixed"}


def test_components_ask_for_the_right_requests() -> None:
    """Ack click, status form, resolve form and the severity pick become core requests."""
    assert component_request(CustomId(action="ack", incident=1), {}) == c.Acknowledge()
    assert component_request(
        CustomId(action="status", incident=1, external=True), {"text": "Investigating"}
    ) == c.PostStatusUpdate(text="Investigating", external=True)
    assert component_request(CustomId(action="resolved", incident=1), {}) == c.Resolve(summary="")
    assert component_request(CustomId(action="setsev", incident=1), {"level": "sev0"}) == (
        c.ChangeSeverity(severity=Severity.SEV0)
    )
    assert isinstance(
        component_request(CustomId(action="setsev", incident=1), {"level": "x"}), ParseError
    )
    assert component_request(CustomId(action="update", incident=1), {}) is None


def test_only_discord_identities_have_discord_ids() -> None:
    """`discord:123` → 123; Slack, console and email people have none."""
    assert discord_user_id(Person("discord:123")) == 123
    assert discord_user_id(Person("slack:U123")) is None
    assert discord_user_id(Person("discord:sam")) is None


def test_every_role_and_phase_choice_parses() -> None:
    """Each choice offered in Discord is one the core accepts."""
    for phase in Phase:
        parsed = incident_request("phase", {"name": phase.value})
        assert isinstance(parsed, Parsed)
        assert parsed.request == c.ChangePhase(phase=phase)
    for name, role in (("ic", Role.INCIDENT_COMMANDER), ("comms", Role.COMMUNICATIONS_LEAD)):
        parsed = incident_request("role", {"role": name, "user": SAM})
        assert isinstance(parsed, Parsed)
        assert parsed.request == c.AssignRole(role=role, user=SAM)


def _command(name: str, verb: str | None, **options: object) -> dict[str, object]:
    """A raw INTERACTION_CREATE of `/name verb option:value…` (a user option is `("user", id)`)."""
    typed = []
    for key, value in options.items():
        if isinstance(value, tuple):
            typed.append({"name": key, "type": 6, "value": value[1]})
        else:
            kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
            typed.append({"name": key, "type": kind, "value": value})
    data: dict[str, object] = {"name": name, "type": 1}
    data["options"] = typed if verb is None else [{"name": verb, "type": 1, "options": typed}]
    return {"id": "1", "token": "t", "type": 2, "data": data}


def _component(custom: str, *, values: list[str] | None = None) -> dict[str, object]:
    data: dict[str, object] = {"custom_id": custom, "component_type": 3 if values else 2}
    if values is not None:
        data["values"] = values
    return {"id": "1", "token": "t", "type": 3, "data": data}


def _modal(custom: str, fields: dict[str, str]) -> dict[str, object]:
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
        for k, v in fields.items()
    ]
    return {"id": "1", "token": "t", "type": 5, "data": {"custom_id": custom, "components": rows}}


@pytest.mark.parametrize(
    ("payload", "deferred"),
    [
        (_command("incident", "open", severity="SEV-1", title="Checkout down"), True),
        (_command("incident", "note", text="Rolled back", incident=3), True),
        (_command("incident", "status", text="Still on it"), True),
        (_command("incident", "ic", user=("user", "1300000000000000005")), True),
        (_command("incident", "list"), True),
        # Forms and errors are answered directly, not deferred.
        (_command("incident", "status"), False),
        (_command("incident", "status", external=True, incident=2), False),
        (_command("incident", "open", severity="SEV-1"), False),
        (_command("incident", "sev", level="SEV-9"), False),
        (_command("incident", "action"), False),
        (_command("incident", "explode"), False),
        (_command("incident", None), False),
        (_command("somebody-elses-command", "open", title="x"), False),
        (_component("sevbot:ack:4"), True),
        (_component("sevbot:update:4"), False),
        (_component("sevbot:resolve:4"), False),
        (_component("sevbot:sev:4"), False),
        (_component("sevbot:setsev:4", values=["SEV-0"]), True),
        (_component("sevbot:setsev:4", values=["SEV-9"]), False),
        (_component("someone-else:1"), False),
        (_modal("sevbot:status:4", {"text": "Recovered"}), True),
        (_modal("sevbot:resolved:4", {"summary": "Rolled back"}), True),
        (_modal("not-ours", {"text": "x"}), False),
        ({"id": "1", "token": "t", "type": 4, "data": {"name": "incident"}}, False),  # autocomplete
        ({"id": "1", "token": "t", "type": 1}, False),  # ping
    ],
)
def test_which_raw_interactions_are_deferred_at_once(
    payload: dict[str, object], deferred: bool
) -> None:
    """Exactly the interactions that run a request are deferred from the raw payload."""
    assert defers_at_once(payload) is deferred


def test_oncall_is_deferred_at_once() -> None:
    """`/oncall` always runs a handler (the rotations, or how to add one): deferred at once."""
    assert defers_at_once(_command("oncall", None, text="schedule 4"))
