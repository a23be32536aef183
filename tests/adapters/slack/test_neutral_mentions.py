"""Slack's escaped mentions in command text become the core's neutral `@slack:U…`."""

from __future__ import annotations

import pytest

from adapters.slack import parse as p
from incidents import commands as c
from incidents.model import Role
from incidents.oncall.parser import SwapShifts, parse_oncall


@pytest.mark.parametrize(
    ("text", "neutral"),
    [
        ("ic <@U0SAM>", "ic @slack:U0SAM"),
        ("ic <@U0SAM|sam>", "ic @slack:U0SAM"),
        ("role comms <@W0LI|li>", "role comms @slack:W0LI"),
        (
            "swap <mailto:carol@example.com|carol@example.com> 2026-12-14",
            "swap carol@example.com 2026-12-14",
        ),
        ("action Fix it <@U1> <@U2|two>", "action Fix it @slack:U1 @slack:U2"),
        ("ic <!here>", "ic @here"),
        ("ic <!here|here>", "ic @here"),
        ("role comms <!channel>", "role comms @channel"),
        ("note <!everyone> is inert", "note @everyone is inert"),
        ("action Fix it <!subteam^S0SRE|@sre>", "action Fix it @slack-group:S0SRE"),
        ("ic <!subteam^S0SRE>", "ic @slack-group:S0SRE"),
    ],
)
def test_mentions_become_neutral_tokens(text: str, neutral: str) -> None:
    """User mentions (with or without a name) read as `@slack:<id>`, mailto links as the address,
    broadcasts as the words `@here`/`@channel`/`@everyone`, user groups as `@slack-group:<id>`."""
    assert p.neutral_text(text) == neutral


@pytest.mark.parametrize(
    "text",
    [
        "status Rolled back",
        "note see <#C0OPS|ops> and <https://example.com|the runbook>",
        "note x<!here>",
        "note <!date^1392734382^{date}|Feb 18>",
        "note x<@U1>",
        "note <@U1>, thanks",
        "ic @sam",
    ],
)
def test_anything_else_is_left_as_typed(text: str) -> None:
    """Channels, links, dates, glued mentions and plain `@name` stay exactly as typed."""
    assert p.neutral_text(text) == text


def test_slash_commands_read_slack_mentions() -> None:
    """`/incident ic <@U0SAM|sam>` names the Slack user U0SAM as incident commander."""
    plan = p.plan_incident_command("ic <@U0SAM|sam>")
    assert isinstance(plan, p.Dispatch)
    assert plan.request == c.AssignRole(role=Role.INCIDENT_COMMANDER, user="slack:U0SAM")


def test_oncall_text_reads_slack_mentions_once_rewritten() -> None:
    """`/oncall swap <@U02BOB|bob> …` names the Slack user once the adapter rewrites it."""
    request = parse_oncall(p.neutral_text("swap <@U02BOB|bob> 2026-12-14"), "slack", ("sre",))
    assert isinstance(request, SwapShifts)
    assert request.person == "slack:U02BOB"


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("ic <!here>", "`@here` is not a person; name one person"),
        ("role comms <!channel>", "`@channel` is not a person; name one person"),
        ("role responder <!everyone>", "`@everyone` is not a person; name one person"),
        ("ic <!subteam^S0SRE|@sre>", "`@slack-group:S0SRE` is a group, not a person"),
        ("action Page the team <!subteam^S0SRE|@sre>", "is a group, not a person"),
        ("action Tell everyone <!here>", "`@here` is not a person"),
    ],
)
def test_broadcasts_and_user_groups_are_not_people(text: str, refusal: str) -> None:
    """`/incident ic @here` (Slack sends `<!here>`) or a user group is answered with a refusal
    before anything runs: no role is given and no action item gets a group as its owner."""
    plan = p.plan_incident_command(text)
    assert isinstance(plan, p.Answer)
    assert refusal in plan.payload["text"].replace("\u2060", "")  # the reply defangs `@here`


def test_actor_is_a_slack_person() -> None:
    """A Slack user id is the person `slack:<id>`; an event without one is `slack:unknown`."""
    assert p.actor("U0SAM").platform == "slack"
    assert p.actor("U0SAM").id == "U0SAM"
    assert p.actor("") == "slack:unknown"
