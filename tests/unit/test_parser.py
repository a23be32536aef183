"""The command language: every verb, alias, numbered form, user token and error."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents import commands as c
from incidents.model import Role
from incidents.parser import (
    VERB_NAMES,
    Parsed,
    ParseError,
    format_request,
    format_user,
    help_text,
    parse,
    parse_user,
)
from incidents.people import BROADCASTS, Person, not_one_person
from incidents.phase import Phase
from incidents.severity import Severity
from incidents.text import has_visible


def ok(text: str, platform: str = "console") -> Parsed:
    """Parse text that must be valid."""
    result = parse(text, platform)
    assert isinstance(result, Parsed), result
    return result


def error(text: str, platform: str = "console") -> str:
    """Parse text that must be refused; return the message."""
    result = parse(text, platform)
    assert isinstance(result, ParseError), result
    return result.message


# Verbs and aliases


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "open sev1 Checkout is failing",
            c.OpenIncident(severity=Severity.SEV1, title="Checkout is failing"),
        ),
        ("declare p0 DB down", c.OpenIncident(severity=Severity.SEV0, title="DB down")),
        ("ack", c.Acknowledge()),
        ("acknowledge", c.Acknowledge()),
        ("status Rolled back", c.PostStatusUpdate(text="Rolled back")),
        ("update Rolled back", c.PostStatusUpdate(text="Rolled back")),
        ("status --external We are on it", c.PostStatusUpdate(text="We are on it", external=True)),
        ("status -e We are on it", c.PostStatusUpdate(text="We are on it", external=True)),
        ("status --public We are on it", c.PostStatusUpdate(text="We are on it", external=True)),
        ("sev sev0", c.ChangeSeverity(severity=Severity.SEV0)),
        ("severity p2", c.ChangeSeverity(severity=Severity.SEV2)),
        ("phase mitigation", c.ChangePhase(phase=Phase.MITIGATION)),
        ("phase post-incident", c.ChangePhase(phase=Phase.POST_INCIDENT)),
        ("phase mitigate", c.ChangePhase(phase=Phase.MITIGATION)),
        ("ic @sam", c.AssignRole(role=Role.INCIDENT_COMMANDER, user="console:sam")),
        ("commander @sam", c.AssignRole(role=Role.INCIDENT_COMMANDER, user="console:sam")),
        ("role ic @sam", c.AssignRole(role=Role.INCIDENT_COMMANDER, user="console:sam")),
        ("role commander @sam", c.AssignRole(role=Role.INCIDENT_COMMANDER, user="console:sam")),
        (
            "role incident_commander @sam",
            c.AssignRole(role=Role.INCIDENT_COMMANDER, user="console:sam"),
        ),
        ("role comms @li", c.AssignRole(role=Role.COMMUNICATIONS_LEAD, user="console:li")),
        ("role communications @li", c.AssignRole(role=Role.COMMUNICATIONS_LEAD, user="console:li")),
        (
            "role communications_lead @li",
            c.AssignRole(role=Role.COMMUNICATIONS_LEAD, user="console:li"),
        ),
        ("role responder @ana", c.AssignRole(role=Role.RESPONDER, user="console:ana")),
        ("note Paused the batch", c.AddNote(text="Paused the batch")),
        (
            "action Add an alert on 502s @sam",
            c.AddActionItem(text="Add an alert on 502s", owner="console:sam"),
        ),
        ("action Add an alert on 502s", c.AddActionItem(text="Add an alert on 502s")),
        (
            "action Add an alert on 502s @sam --issue",
            c.AddActionItem(text="Add an alert on 502s", owner="console:sam", issue=True),
        ),
        (
            "action --issue Add an alert on 502s",
            c.AddActionItem(text="Add an alert on 502s", issue=True),
        ),
        ("action done 2", c.CompleteActionItem(number=2)),
        ("action done #2", c.CompleteActionItem(number=2)),
        ("mitigated", c.MarkMitigated()),
        ("mitigate Rolled back deploy", c.MarkMitigated(summary="Rolled back deploy")),
        ("resolve", c.Resolve()),
        ("resolve Rolled back deploy", c.Resolve(summary="Rolled back deploy")),
        ("close", c.Close()),
        ("close --force", c.Close(force=True)),
        ("close -f", c.Close(force=True)),
        ("close force", c.Close(force=True)),
        ("review", c.ShowReview()),
        (
            "review done https://wiki.example.com/pir-42",
            c.MarkReviewDone(link="https://wiki.example.com/pir-42"),
        ),
        ("timeline", c.ShowTimeline()),
        ("list", c.ListIncidents()),
        ("ls", c.ListIncidents()),
        ("help", c.Help()),
        ("", c.Help()),
        ("   ", c.Help()),
    ],
)
def test_every_verb_and_alias(text: str, expected: c.Request) -> None:
    """Each documented verb and alias parses to its request, for the channel's own incident."""
    assert ok(text) == Parsed(request=expected)


@pytest.mark.parametrize("prefix", ["/incident ", "incident ", "/INCIDENT "])
def test_leading_incident_word_is_ignored(prefix: str) -> None:
    """The slash command or its name in front of the verb is skipped."""
    assert ok(prefix + "ack") == Parsed(request=c.Acknowledge())
    assert ok(prefix.strip()) == Parsed(request=c.Help())


def test_verbs_are_case_insensitive() -> None:
    """`ACK` and `Status` work like `ack` and `status`."""
    assert ok("ACK") == Parsed(request=c.Acknowledge())
    assert ok("Status x") == Parsed(request=c.PostStatusUpdate(text="x"))


def test_texts_keep_their_inner_spacing_and_case() -> None:
    """Free text after the verb is kept as typed, apart from the ends."""
    assert ok("note   Two  spaces\nand a line  ").request == c.AddNote(
        text="Two  spaces\nand a line"
    )


def test_every_verb_name_is_documented_in_help() -> None:
    """help_text lists every verb."""
    text = help_text()
    for verb in VERB_NAMES:
        assert f"• `{verb}" in text


# Numbered forms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "status 42 Rolled back",
            Parsed(request=c.PostStatusUpdate(text="Rolled back"), incident=42),
        ),
        ("status #42 text", Parsed(request=c.PostStatusUpdate(text="text"), incident=42)),
        (
            "status #42 --external Fixed",
            Parsed(request=c.PostStatusUpdate(text="Fixed", external=True), incident=42),
        ),
        ("sev 42 p0", Parsed(request=c.ChangeSeverity(severity=Severity.SEV0), incident=42)),
        ("sev 2", Parsed(request=c.ChangeSeverity(severity=Severity.SEV2))),
        ("sev #2 sev1", Parsed(request=c.ChangeSeverity(severity=Severity.SEV1), incident=2)),
        ("ack 7", Parsed(request=c.Acknowledge(), incident=7)),
        ("ack #7", Parsed(request=c.Acknowledge(), incident=7)),
        ("phase 9 triage", Parsed(request=c.ChangePhase(phase=Phase.TRIAGE), incident=9)),
        (
            "ic 9 @sam",
            Parsed(
                request=c.AssignRole(role=Role.INCIDENT_COMMANDER, user="console:sam"), incident=9
            ),
        ),
        (
            "role 9 comms @li",
            Parsed(
                request=c.AssignRole(role=Role.COMMUNICATIONS_LEAD, user="console:li"), incident=9
            ),
        ),
        ("action 9 done 1", Parsed(request=c.CompleteActionItem(number=1), incident=9)),
        ("close 9 --force", Parsed(request=c.Close(force=True), incident=9)),
        (
            "review #9 done https://x",
            Parsed(request=c.MarkReviewDone(link="https://x"), incident=9),
        ),
        ("timeline 9", Parsed(request=c.ShowTimeline(), incident=9)),
        ("resolve 9 Rolled back", Parsed(request=c.Resolve(summary="Rolled back"), incident=9)),
    ],
)
def test_numbered_forms(text: str, expected: Parsed) -> None:
    """A number (or #number) right after the verb names the incident, when it can be one."""
    assert ok(text) == expected


# User tokens


@pytest.mark.parametrize(
    ("token", "platform", "user"),
    [
        ("@slack:U123", "slack", "slack:U123"),
        ("@discord:123", "discord", "discord:123"),
        ("@discord:123", "slack", "discord:123"),
        ("@email:carol@example.com", "slack", "email:carol@example.com"),
        ("@sam", "console", "console:sam"),
        ("@sam", "slack", "slack:sam"),
        ("@sam.o-k_1", "console", "console:sam.o-k_1"),
    ],
)
def test_user_tokens(token: str, platform: str, user: str) -> None:
    """The neutral `@platform:id` names anyone; a plain `@name` is on the command's platform."""
    assert parse_user(token, platform) == user
    assert ok(f"ic {token}", platform).request == c.AssignRole(
        role=Role.INCIDENT_COMMANDER, user=user
    )


@pytest.mark.parametrize(
    "token",
    [
        *("sam", "<@u123>", "@", "<@U123", "@sam!", "<#C123>", "slack:U123"),
        *("<@U123>", "<@U123|sam>", "<@!123>", "<@123>", "@Slack:U1", "@email:nobody"),
    ],
)
def test_non_user_tokens(token: str) -> None:
    """Anything else is not a user: Slack and Discord markup is the adapters' to rewrite."""
    assert parse_user(token, "slack") is None


@pytest.mark.parametrize(
    ("user", "token"),
    [
        ("slack:U123", "@slack:U123"),
        ("discord:123", "@discord:123"),
        ("console:sam", "@console:sam"),
        ("email:carol@example.com", "@email:carol@example.com"),
    ],
)
def test_format_user(user: str, token: str) -> None:
    """format_user writes the neutral token that parse_user reads back on any platform."""
    assert format_user(Person(user)) == token
    for platform in ("slack", "discord", "console"):
        assert parse_user(token, platform) == user


# Errors


def test_unknown_verb_lists_valid_verbs() -> None:
    """An unknown verb names every valid one."""
    message = error("frobnicate now")
    assert "Unknown command `frobnicate`" in message
    for verb in VERB_NAMES:
        assert verb in message


def test_open_with_unknown_severity() -> None:
    """`open sev9 x` says the severity is unknown and lists the valid ones."""
    message = error("open sev9 x")
    assert "Unknown severity `sev9`" in message
    assert "sev0, sev1, sev2 or sev3" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("open", "Say how bad and what"),
        ("open sev1", "An incident needs a title, e.g. `/incident open sev1 DB down`"),
        ("open p2   ", "`/incident open sev2 DB down`"),
        ("ic", "Mention one person"),
        ("ic sam", "Mention one person"),
        ("ic @sam @li", "Mention one person"),
        ("ic 42", "Mention one person"),
        ("role boss @x", "Unknown role `boss`"),
        ("role ic", "Mention one person"),
        ("close now", "takes nothing, or `--force`"),
        ("action done x", "Say which action item"),
        ("action done", "Say which action item"),
        ("action done 1 2", "Say which action item"),
        ("sev", "Say the new level"),
        ("sev sev1 sev2", "Say the new level"),
        ("sev 42 sev9", "Unknown severity `sev9`"),
        ("phase", "Say which phase"),
        ("phase fixing", "Unknown phase `fixing`"),
        ("review done", "Add the link"),
        ("review the thing", "`/incident review done <link>` records it"),
        ("ack now", "`/incident ack` takes no text"),
        ("timeline all", "`/incident timeline` takes no text"),
    ],
)
def test_errors_say_what_would_be_valid(text: str, fragment: str) -> None:
    """Invalid commands are refused with a message showing valid input."""
    assert fragment in error(text)


@pytest.mark.parametrize("text", ["open " + "1" * 5000 + " DB down", "sev " + "1" * 5000])
def test_parse_survives_a_huge_severity_number(text: str) -> None:
    """A severity with thousands of digits is an unknown severity, not a crash."""
    result = parse(text)
    assert isinstance(result, ParseError)
    assert "Unknown severity" in result.message


# Properties

WORDS = [
    *VERB_NAMES,
    "/incident",
    "incident",
    "update",
    "severity",
    "commander",
    "acknowledge",
    "declare",
    "ls",
    "done",
    "--external",
    "-e",
    "--force",
    "force",
    "#42",
    "42",
    "#",
    "0",
    "999999999",
    "9999999999",
    "sev9",
    "p1",
    "sev-1",
    "post-incident",
    "pir",
    "comms",
    "responder",
    "<@U1>",
    "<@U1|x>",
    "<@!1>",
    "@sam",
    "@",
    "<@",
]
TOKENS = st.one_of(st.sampled_from(WORDS), st.text(max_size=8))
SEPARATORS = st.sampled_from([" ", "  ", "\t", "\n", " \u3000 "])


@settings(max_examples=300)
@given(st.text())
def test_parse_never_raises_on_arbitrary_text(text: str) -> None:
    """parse returns Parsed or ParseError (with a message) for any text."""
    result = parse(text)
    assert isinstance(result, Parsed | ParseError)
    if isinstance(result, ParseError):
        assert result.message


@settings(max_examples=500)
@given(
    st.lists(st.tuples(TOKENS, SEPARATORS), min_size=1, max_size=6),
    st.sampled_from(["console", "slack", "discord"]),
)
def test_parse_never_raises_on_command_like_text(
    pieces: list[tuple[str, str]], platform: str
) -> None:
    """Text built from command words and random tokens parses or is refused, never raises."""
    text = "".join(token + separator for token, separator in pieces)
    result = parse(text, platform)
    assert isinstance(result, Parsed | ParseError)
    if isinstance(result, Parsed) and result.incident is not None:
        assert 0 <= result.incident <= 999_999_999


# Round trip: parse(format_request(p)) == p

_NUMBER = re.compile(r"#?[0-9]{1,9}")
_FLAGS = {
    "--external",
    "-e",
    "--public",
    "--force",
    "-f",
    "force",
    "done",
    "--private",
    "--title",
    "--component",
    "--issue",
}
WORD = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")),
        min_size=1,
        max_size=10,
    ),
    st.from_regex(r"[A-Za-z0-9#@<>|!._-]{1,8}", fullmatch=True),
    st.sampled_from(["done", "DONE", "42", "#7", "@sam", "<@U1>", "<@!1>", "--external", "-e"]),
)


def _free_text(*, platform: str) -> st.SearchStrategy[str]:
    """Non-empty, stripped text whose first word is no number or flag and whose last word is
    no user mention (so that it cannot be read as an incident number, a flag or an owner)."""

    def fine(words: list[str]) -> bool:
        first, last = words[0], words[-1]
        return (
            _NUMBER.fullmatch(first) is None
            and first.lower() not in _FLAGS
            and last.lower() != "--issue"  # `action … --issue` takes it as the last word too
            and parse_user(last, platform) is None
            and not (last.startswith("@") and not_one_person(last))  # `@here`: refused
            and has_visible("".join(words))  # a title must show something
        )

    return (
        st.lists(WORD, min_size=1, max_size=6)
        .filter(fine)
        .flatmap(
            lambda words: st.lists(
                SEPARATORS, min_size=len(words) - 1, max_size=len(words) - 1
            ).map(
                lambda seps: words[0] + "".join(s + w for s, w in zip(seps, words[1:], strict=True))
            )
        )
    )


def _users(platform: str) -> st.SearchStrategy[Person]:
    if platform == "slack":
        return st.from_regex(r"U[A-Z0-9]{2,10}", fullmatch=True).map(
            lambda i: Person.of("slack", i)
        )
    names = st.from_regex(r"[a-z]{1,8}", fullmatch=True).filter(lambda i: i not in BROADCASTS)
    return names.map(lambda i: Person.of("console", i))


def _requests(platform: str) -> st.SearchStrategy[Parsed]:
    text = _free_text(platform=platform)
    optional_text = st.one_of(st.just(""), text)
    severities = st.sampled_from(list(Severity))
    users = _users(platform)
    numbers = st.one_of(st.none(), st.integers(min_value=0, max_value=999_999_999))
    numbered = [
        st.builds(c.Acknowledge),
        st.builds(c.PostStatusUpdate, text=optional_text, external=st.booleans()),
        st.builds(c.ChangeSeverity, severity=severities),
        st.builds(c.ChangePhase, phase=st.sampled_from(list(Phase))),
        st.builds(c.AssignRole, role=st.sampled_from(list(Role)), user=users),
        st.builds(c.AddNote, text=optional_text),
        st.builds(
            c.AddActionItem, text=text, owner=st.one_of(st.none(), users), issue=st.booleans()
        ),
        st.builds(c.CompleteActionItem, number=st.integers(min_value=0, max_value=999_999_999)),
        st.builds(c.Resolve, summary=optional_text),
        st.builds(c.Close, force=st.booleans()),
        st.builds(c.MarkReviewDone, link=text),
        st.builds(c.ShowReview),
        st.builds(c.ShowTimeline),
    ]
    unnumbered = [
        st.builds(c.OpenIncident, severity=severities, title=text, private=st.booleans()),
        st.builds(c.ListIncidents),
        st.builds(c.Help),
    ]
    return st.one_of(
        *[st.builds(Parsed, request=request, incident=numbers) for request in numbered],
        *[st.builds(Parsed, request=request) for request in unnumbered],
    )


@settings(max_examples=300)
@given(st.data())
def test_format_request_round_trips(data: st.DataObject) -> None:
    """For any valid request, parse(format_request(p), platform) == p."""
    platform = data.draw(st.sampled_from(["slack", "console"]))
    parsed = data.draw(_requests(platform))
    text = format_request(parsed)
    assert parse(text, platform) == parsed, text


def test_round_trip_strategy_covers_owners_and_numbers() -> None:
    """The canonical spelling of a numbered action with an owner is the documented one."""
    owner = Person("slack:U123")
    parsed = Parsed(request=c.AddActionItem(text="Alert on 502s", owner=owner), incident=42)
    assert format_request(parsed) == "action #42 Alert on 502s @slack:U123"
    assert parse(format_request(parsed), "slack") == parsed
