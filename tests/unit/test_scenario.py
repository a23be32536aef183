"""Scenario files: every step checked before anything runs, errors that say what is valid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.scenario import (
    MoveClock,
    ReadPage,
    RunCommand,
    ScenarioError,
    elapsed,
    parse_scenario,
)

T0 = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)


def test_steps_are_read_in_order_with_comments_and_blank_lines_skipped() -> None:
    """`at`, `+duration`, commands outside and inside an incident channel; `#42` in a command
    is not a comment, ` # …` after a step is."""
    steps = parse_scenario(
        "# Friday evening\n\nat 2026-12-04T17:00:00Z\n"
        "slack:U1 /incident open sev3 Export #42 slow  # the nightly one\n"
        "+1h30m\n"
        "discord:1234 in inc-1 /incident ack\n"
        "carol@example.com /oncall\n"
        "GET /status/summary.json\n"
    )
    assert steps == [
        MoveClock(T0),
        RunCommand(person="slack:U1", text="/incident open sev3 Export #42 slow", line=4),
        MoveClock(T0 + timedelta(minutes=90)),
        RunCommand(person="discord:1234", text="/incident ack", incident=1, line=6),
        RunCommand(person="email:carol@example.com", text="/oncall", line=7),
        ReadPage(path="/status/summary.json", line=8),
    ]
    assert elapsed(steps) == timedelta(minutes=90)


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("slack:U1 /incident ack\n", 1, "the first step must be `at <instant>`"),
        ("at tomorrow\n", 1, "`tomorrow` is not an instant in UTC; write it like"),
        ("at 2026-12-04T17:00:00\n", 1, "is not an instant in UTC"),
        ("at 2026-12-04T17:00:00Z\nat 2026-12-04T16:00:00Z\n", 2, "the clock never goes back"),
        ("at 2026-12-04T17:00:00Z\n+soon\n", 2, "`soon` is not a duration like 45s"),
        ("at 2026-12-04T17:00:00Z\nbob /incident ack\n", 2, "`bob` is not a person"),
        ("at 2026-12-04T17:00:00Z\nslack:U1 ack\n", 2, "`ack` is not a command; after the person"),
        ("at 2026-12-04T17:00:00Z\nslack:U1 in inc-x /incident ack\n", 2, "is not a command"),
        ("# nothing\n", 1, "the scenario has no steps"),
        ("at 2026-12-04T17:00:00Z\nGET /metrics\n", 2, "`GET /metrics` cannot be read here; use"),
        ("at 2026-12-04T17:00:00Z\nGET\n", 2, "`GET (nothing)` cannot be read here"),
    ],
)
def test_a_bad_step_names_its_line_and_what_is_valid(text: str, line: int, says: str) -> None:
    """The error is `FILE:LINE: …`, naming the problem and a valid form."""
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "friday.scenario")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"friday.scenario:{line}: ")
    assert says in str(caught.value)
