"""The `/oncall` command language: every command, mentions on each platform, and errors."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.oncall.parser import (
    AddOverride,
    CancelCover,
    CancelEdit,
    ListCoverRequests,
    ListEdits,
    OnCallHelp,
    OnCallParseError,
    OnCallRequest,
    RequestCover,
    ShowOnCall,
    ShowSchedule,
    SwapShifts,
    TakeCover,
    format_oncall,
    oncall_help,
    parse_oncall,
)
from incidents.oncall.rotation import OnCallRole

ROTATIONS = ("maintainers", "sre")


def ok(text: str, platform: str = "console") -> OnCallRequest:
    """Parse text that must be valid."""
    result = parse_oncall(text, platform, ROTATIONS)
    assert not isinstance(result, OnCallParseError), result
    return result


def error(text: str) -> str:
    """Parse text that must be refused; return the message."""
    result = parse_oncall(text, "console", ROTATIONS)
    assert isinstance(result, OnCallParseError), result
    return result.message


@pytest.mark.parametrize(
    ("text", "request_"),
    [
        ("", ShowOnCall()),
        ("/oncall", ShowOnCall()),
        ("who", ShowOnCall()),
        ("sre", ShowOnCall(rotation="sre")),
        ("schedule", ShowSchedule()),
        ("schedule 8", ShowSchedule(weeks=8)),
        ("SRE schedule 2w", ShowSchedule(rotation="sre", weeks=2)),
        (
            "override @dana 2026-12-24 2026-12-27",
            AddOverride(person="console:dana", first=date(2026, 12, 24), last=date(2026, 12, 27)),
        ),
        (
            "override @dana 2026-12-24 backup",
            AddOverride(
                person="console:dana",
                first=date(2026, 12, 24),
                last=date(2026, 12, 24),
                role=OnCallRole.BACKUP,
            ),
        ),
        ("swap @bob 2026-12-14", SwapShifts(person="console:bob", first=date(2026, 12, 14))),
        (
            "swap @bob 2026-12-14 2027-01-11",
            SwapShifts(person="console:bob", first=date(2026, 12, 14), second=date(2027, 1, 11)),
        ),
        ("cover 2026-12-24", RequestCover(first=date(2026, 12, 24), last=date(2026, 12, 24))),
        (
            "cover 2026-12-24 2026-12-27",
            RequestCover(first=date(2026, 12, 24), last=date(2026, 12, 27)),
        ),
        ("cover", ListCoverRequests()),
        ("covers", ListCoverRequests()),
        ("take 3", TakeCover(request=3)),
        ("cover take #3", TakeCover(request=3)),
        ("cover cancel 3", CancelCover(request=3)),
        ("edits", ListEdits()),
        ("cancel 5", CancelEdit(edit=5)),
        ("undo 5", CancelEdit(edit=5)),
        ("help", OnCallHelp()),
    ],
)
def test_commands(text: str, request_: OnCallRequest) -> None:
    """Each command parses to its request."""
    assert ok(text) == request_


@pytest.mark.parametrize(
    ("token", "platform", "person"),
    [
        ("@slack:U02BOB", "slack", "slack:U02BOB"),
        ("@discord:123456", "slack", "discord:123456"),
        ("@bob", "discord", "discord:bob"),
        ("carol@example.com", "slack", "email:carol@example.com"),
        ("Carol@Example.com", "discord", "email:carol@example.com"),
    ],
)
def test_people_on_each_platform(token: str, platform: str, person: str) -> None:
    """Neutral `@platform:id` mentions, plain `@name` and email addresses name people."""
    request = ok(f"swap {token} 2026-12-14", platform)
    assert isinstance(request, SwapShifts)
    assert request.person == person


@pytest.mark.parametrize("token", ["<@U02BOB>", "<@U02BOB|bob>", "<@!123456>", "slack:U02BOB"])
def test_platform_mention_syntax_is_left_to_the_adapters(token: str) -> None:
    """The core reads no Slack or Discord markup (adapters rewrite it first), nor a bare id."""
    result = parse_oncall(f"swap {token} 2026-12-14", "slack", ROTATIONS)
    assert isinstance(result, OnCallParseError)
    assert "Mention who" in result.message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("override dana 2026-12-24", "Mention who: `/oncall override @dana 2026-12-24 2026-12-27`"),
        ("override @dana 24/12", "YYYY-MM-DD"),
        ("override @dana 2026-02-30", "not a real date"),
        ("override @dana 2026-12-27 2026-12-24", "ends (2026-12-24) before it starts"),
        ("override @dana 2026-01-01 2027-06-01", "at most a year"),
        ("schedule 99", "1 to 26"),
        ("take", "Say which one by number: `/oncall take 3`"),
        ("frobnicate", "Use one of: now, schedule, override"),
        ("edits please", "takes nothing more"),
        ("swap @bob", "Say which shift"),
    ],
)
def test_errors_say_what_is_valid(text: str, says: str) -> None:
    """Bad input gets a message showing a valid form."""
    assert says in error(text)


def test_help_lists_every_command_and_the_rotations() -> None:
    """Help names each command and, with several rotations, how to pick one."""
    text = oncall_help(ROTATIONS)
    for word in ("schedule", "override", "swap", "cover", "take", "edits", "cancel"):
        assert word in text
    assert "/oncall sre schedule" in text


@settings(max_examples=500)
@given(st.text(max_size=80))
def test_parse_never_raises(text: str) -> None:
    """Any text gives a request or an error with a message."""
    result = parse_oncall(text, "slack", ROTATIONS)
    assert isinstance(result, OnCallParseError) or format_oncall(result).startswith("/oncall")


WORDS = st.sampled_from(
    [
        "override",
        "swap",
        "cover",
        "take",
        "cancel",
        "schedule",
        "sre",
        "@dana",
        "<@U1>",
        "@slack:U1",
        "2026-12-24",
        "2026-12-27",
        "3",
        "backup",
        "edits",
        "x@y.io",
        "",
        "#4",
        "2w",
    ]
)


@settings(max_examples=500)
@given(st.lists(WORDS, max_size=6))
def test_what_parses_reads_back_the_same(words: list[str]) -> None:
    """Whatever parses, its canonical spelling parses to the same request."""
    result = parse_oncall(" ".join(words), "slack", ROTATIONS)
    if not isinstance(result, OnCallParseError):
        assert parse_oncall(format_oncall(result), "slack", ROTATIONS) == result
