"""Scheduled maintenance: its status by the clock alone, the checks when it is announced, and
the command language's part for it (UTC times, component lists, public titles)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from incidents import commands as c
from incidents.components import ComponentStatus, StatusPagePolicy
from incidents.errors import InvalidCommand
from incidents.maintenance import Maintenance, MaintenanceStatus, plan_maintenance
from incidents.parser import Parsed, ParseError, format_request, parse
from incidents.policy import Policy
from incidents.severity import Severity

NOW = datetime(2026, 12, 4, 17, 0, 30, tzinfo=UTC)
START = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
END = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
POLICY = replace(Policy(), status_page=StatusPagePolicy(components=("API", "Checkout")))


def _plan(starts_at: datetime = START, ends_at: datetime = END, *names: str) -> Maintenance:
    command = c.ScheduleMaintenance(
        starts_at=starts_at, ends_at=ends_at, title="  Database   upgrade ", components=names
    )
    return plan_maintenance(command, actor="slack:U1", now=NOW, policy=POLICY)


def test_the_status_moves_by_the_clock() -> None:
    """Scheduled before its start, in progress from it, completed from its end."""
    planned = _plan()
    assert planned.status(START - timedelta(seconds=1)) is MaintenanceStatus.SCHEDULED
    assert planned.status(START) is MaintenanceStatus.IN_PROGRESS
    assert planned.status(END - timedelta(seconds=1)) is MaintenanceStatus.IN_PROGRESS
    assert planned.status(END) is MaintenanceStatus.COMPLETED


def test_stages_say_when_each_status_was_reached() -> None:
    """Scheduled when announced, in progress at the start, completed at the end."""
    planned = _plan()
    assert planned.stages(START) == [
        (MaintenanceStatus.SCHEDULED, NOW),
        (MaintenanceStatus.IN_PROGRESS, START),
    ]
    assert planned.updated_at(END + timedelta(days=1)) == END


def test_a_plan_keeps_its_title_tidy_and_its_components_as_configured() -> None:
    """Spaces are tidied; component names take their configured spelling, each once."""
    planned = _plan(START, END, "api", "API", "checkout")
    assert (planned.title, planned.components, planned.created_at) == (
        "Database upgrade",
        ("API", "Checkout"),
        NOW,
    )


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "fragment"),
    [
        (START, START, "must end after it starts: 2026-12-05 02:00 UTC is not after"),
        (END, START, "Give the start, then the end, e.g. `/incident maintenance 2026-12-05T02"),
        (NOW - timedelta(minutes=1), END, "would start in the past (2026-12-04 16:59 UTC)"),
        (NOW - timedelta(days=1), END, "it is 2026-12-04 17:00 UTC now"),
    ],
)
def test_impossible_windows_are_refused_saying_what_is_valid(
    starts_at: datetime, ends_at: datetime, fragment: str
) -> None:
    """An end at or before the start, or a start in the past, is refused with an example."""
    with pytest.raises(InvalidCommand) as refused:
        _plan(starts_at, ends_at)
    assert fragment in refused.value.message


def test_a_start_earlier_in_this_minute_is_now() -> None:
    """Typed to the minute, 17:00 at 17:00:30 is not the past."""
    assert _plan(NOW.replace(second=0), END).starts_at == NOW.replace(second=0)


def test_unknown_components_and_empty_titles_are_refused() -> None:
    """Components must be configured; planned work needs a title."""
    with pytest.raises(InvalidCommand, match="Unknown component `Payments`"):
        _plan(START, END, "Payments")
    with pytest.raises(InvalidCommand, match="needs a title"):
        plan_maintenance(
            c.ScheduleMaintenance(starts_at=START, ends_at=END, title=" \u200b "),
            actor="slack:U1",
            now=NOW,
            policy=POLICY,
        )


@pytest.mark.parametrize(
    "text",
    [
        "maintenance 2026-12-05T02:00Z 2026-12-05T04:00Z Database upgrade",
        "maintenance 2026-12-05T02:00 2026-12-05T04:00:00Z Database upgrade",
        "maintenance 2026-12-05 02:00 2026-12-05 04:00 Database upgrade",
        'maintenance "2026-12-05 02:00" "2026-12-05 04:00" Database upgrade',
        "maintenance 2026-12-05T03:00+01:00 2026-12-05 4:00 Database upgrade",
    ],
)
def test_times_are_read_as_utc_in_the_forms_people_type(text: str) -> None:
    """ISO 8601 with or without Z, a date and a time, quoted, or with an offset (converted)."""
    parsed = parse(text)
    assert isinstance(parsed, Parsed)
    assert parsed.request == c.ScheduleMaintenance(
        starts_at=START, ends_at=END, title="Database upgrade"
    )


def test_components_may_follow_the_title_repeated_or_listed() -> None:
    """`--component API --component Checkout` and `--component "API, Checkout"` are alike."""
    head = "maintenance 2026-12-05T02:00Z 2026-12-05T04:00Z Database upgrade"
    repeated = parse(f"{head} --component API --component Checkout")
    listed = parse(f'{head} --component "API, Checkout"')
    assert isinstance(repeated, Parsed)
    assert repeated == listed
    assert isinstance(repeated.request, c.ScheduleMaintenance)
    assert repeated.request.components == ("API", "Checkout")
    assert parse(format_request(repeated)) == repeated


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("maintenance tomorrow 2026-12-05T04:00Z DB", "`tomorrow` is not a time"),
        ("maintenance 2026-12-05T02:00Z soon DB", "Say when it ends in UTC"),
        ("maintenance 2026-12-05T02:00Z 2026-12-05T04:00Z", "Planned work needs a title"),
        ("maintenance", "Say when it starts, in UTC"),
        ("maintenance 2026-12-05T02:00Z 2026-12-05T04:00Z DB --component", "needs a value"),
        ('maintenance "2026-12-05 02:00 2026-12-05T04:00Z DB', "quote after `the time`"),
    ],
)
def test_bad_maintenance_commands_say_what_is_valid(text: str, fragment: str) -> None:
    """Each refusal names the problem and shows a valid command."""
    parsed = parse(text)
    assert isinstance(parsed, ParseError)
    assert fragment in parsed.message


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        (
            "open sev1 --component Checkout Card payments are failing",
            c.OpenIncident(
                severity=Severity.SEV1,
                title="Card payments are failing",
                components=("Checkout",),
            ),
        ),
        (
            'open --component "API, Checkout" sev0 --private --component Dashboard DB down',
            c.OpenIncident(
                severity=Severity.SEV0,
                title="DB down",
                private=True,
                components=("API", "Checkout", "Dashboard"),
            ),
        ),
        (
            'status --external --title "Degraded checkout" We are on it',
            c.PostStatusUpdate(text="We are on it", external=True, title="Degraded checkout"),
        ),
        (
            "status --title “Slow API” --external Looking",
            c.PostStatusUpdate(text="Looking", external=True, title="Slow API"),
        ),
        (
            "component Mobile App major",
            c.SetComponentStatus(component="Mobile App", status=ComponentStatus.MAJOR_OUTAGE),
        ),
    ],
)
def test_status_page_flags_and_verbs_parse_and_round_trip(text: str, meant: c.Request) -> None:
    """The flags and verbs read as meant, and `format_request` spells them back."""
    parsed = parse(text)
    assert parsed == Parsed(request=meant)
    assert parse(format_request(parsed)) == parsed


def test_a_component_command_outside_the_channel_names_the_incident() -> None:
    """`component 42 API degraded` is about #42."""
    assert parse("component 42 API degraded") == Parsed(
        request=c.SetComponentStatus(component="API", status=ComponentStatus.DEGRADED_PERFORMANCE),
        incident=42,
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("component API", "Say which component and what it is now"),
        ("component API broken", "Unknown component status `broken`"),
        ("status --external --title", "`--title` needs a value"),
        ('status --external --title "Degraded', "The quote after `--title` is not closed"),
        ("open sev1 --component", "`--component` needs a value"),
        ("open sev1 --component , DB down", "needs a component's name"),
    ],
)
def test_bad_flags_say_what_is_valid(text: str, fragment: str) -> None:
    """Refusals of the new flags and verb name the problem and a valid form."""
    parsed = parse(text)
    assert isinstance(parsed, ParseError)
    assert fragment in parsed.message
