"""The `/oncall` command language: text → request, or an error that says what is valid.

`/oncall` (who is on call now, and next) · `schedule [weeks]` · `override @dana <from> [<to>]
[backup]` · `swap @bob <date> [<date>]` · `cover <from> [<to>]` (ask for cover) · `cover` (open
requests) · `take <n>` · `cover cancel <n>` · `edits` · `cancel <n>` · `help`. A rotation's
name may come first (`/oncall sre schedule`). Dates are YYYY-MM-DD in the rotation's zone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from incidents.oncall.rotation import OnCallRole
from incidents.parser import format_user, parse_user
from incidents.people import EMAIL, Person

MAX_WEEKS = 26
DEFAULT_WEEKS = 4
MAX_RANGE = timedelta(days=366)
USAGE: tuple[tuple[str, str], ...] = (
    ("/oncall", "who is primary and backup now, and who is next"),
    ("/oncall schedule [weeks]", f"the coming shifts ({DEFAULT_WEEKS} weeks, at most {MAX_WEEKS})"),
    (
        "/oncall override @dana 2026-12-24 2026-12-27",
        "dana is primary those days (add `backup` for backup)",
    ),
    (
        "/oncall swap @bob 2026-12-14",
        "trade that shift with bob (or name both: `… 2026-12-14 2027-01-11`)",
    ),
    ("/oncall cover 2026-12-24 [2026-12-27]", "ask for someone to cover you those days"),
    (
        "/oncall cover",
        "open cover requests; `/oncall take <n>` takes one, `cover cancel <n>` withdraws yours",
    ),
    ("/oncall edits", "overrides and swaps in force; `/oncall cancel <n>` undoes one"),
)
VERBS = ("now", "schedule", "override", "swap", "cover", "take", "edits", "cancel", "help")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NUMBER = re.compile(r"^#?(\d{1,9})$")
DATE_HINT = "dates as YYYY-MM-DD, e.g. 2026-12-24"


@dataclass(frozen=True, slots=True, kw_only=True)
class ShowOnCall:
    """Who is primary and backup now, and next."""

    rotation: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ShowSchedule:
    """The coming `weeks` of shifts."""

    rotation: str | None = None
    weeks: int = DEFAULT_WEEKS


@dataclass(frozen=True, slots=True, kw_only=True)
class AddOverride:
    """`person` takes `role` from the start of `first` to the end of `last`."""

    rotation: str | None = None
    person: Person
    first: date
    last: date
    role: OnCallRole = OnCallRole.PRIMARY


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapShifts:
    """Trade the shift on `first` with `person` (or the shifts on `first` and `second`)."""

    rotation: str | None = None
    person: Person
    first: date
    second: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestCover:
    """Ask for someone to cover the asker from the start of `first` to the end of `last`."""

    rotation: str | None = None
    first: date
    last: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ListCoverRequests:
    """The open cover requests."""

    rotation: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TakeCover:
    """Take cover request `request`."""

    rotation: str | None = None
    request: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelCover:
    """Withdraw one's own cover request `request`."""

    rotation: str | None = None
    request: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ListEdits:
    """The overrides and swaps in force."""

    rotation: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelEdit:
    """Undo override or swap `edit`."""

    rotation: str | None = None
    edit: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OnCallHelp:
    """The `/oncall` commands."""

    rotation: str | None = None


OnCallRequest = (
    ShowOnCall
    | ShowSchedule
    | AddOverride
    | SwapShifts
    | RequestCover
    | ListCoverRequests
    | TakeCover
    | CancelCover
    | ListEdits
    | CancelEdit
    | OnCallHelp
)


@dataclass(frozen=True, slots=True)
class OnCallParseError:
    """Text that is not an `/oncall` command; `message` says what would have been valid."""

    message: str


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def oncall_help(rotations: Sequence[str] = ()) -> str:
    """The `/oncall` commands, one per line."""
    lines = ["`/oncall` commands:"]
    lines += [f"• `{usage}`: {what}" for usage, what in USAGE]
    if len(rotations) > 1:
        lines.append(
            f"Rotations: {', '.join(rotations)}; name one first, e.g. `/oncall {rotations[1]} schedule`."
        )
    return "\n".join(lines)


def parse_oncall(
    text: str, platform: str = "console", rotations: Sequence[str] = ()
) -> OnCallRequest | OnCallParseError:
    """Parse `/oncall …` text; never raises."""
    try:
        return _parse(text, platform, rotations)
    except _Invalid as error:
        return OnCallParseError(error.message)
    except (ValueError, OverflowError):
        return OnCallParseError(f"That is not an `/oncall` command.\n{oncall_help(rotations)}")


def _parse(text: str, platform: str, rotations: Sequence[str]) -> OnCallRequest:
    words = text.split()
    if words and words[0].lower() in ("/oncall", "oncall"):
        words.pop(0)
    rotation = None
    names = {name.lower(): name for name in rotations}
    if words and words[0].lower() in names and words[0].lower() not in VERBS:
        rotation = names[words.pop(0).lower()]
    verb = words.pop(0).lower() if words else "now"
    verb = {"who": "now", "undo": "cancel", "covers": "cover", "help": "help"}.get(verb, verb)
    if verb == "now":
        _nothing_more(words, "/oncall")
        return ShowOnCall(rotation=rotation)
    if verb == "help":
        return OnCallHelp(rotation=rotation)
    if verb == "schedule":
        return ShowSchedule(rotation=rotation, weeks=_weeks(words))
    if verb == "override":
        return _override(words, platform, rotation)
    if verb == "swap":
        return _swap(words, platform, rotation)
    if verb == "cover":
        return _cover(words, rotation)
    if verb == "take":
        return TakeCover(rotation=rotation, request=_number(words, "/oncall take 3"))
    if verb == "edits":
        _nothing_more(words, "/oncall edits")
        return ListEdits(rotation=rotation)
    if verb == "cancel":
        return CancelEdit(rotation=rotation, edit=_number(words, "/oncall cancel 2"))
    known = f" Rotations: {', '.join(rotations)}." if len(rotations) > 1 else ""
    raise _Invalid(
        f"Unknown `/oncall` command `{verb}`. Use one of: {', '.join(VERBS)}.{known} "
        "`/oncall help` explains each."
    )


def _nothing_more(words: list[str], usage: str) -> None:
    if words:
        raise _Invalid(f"`{usage}` takes nothing more (got `{' '.join(words)}`).")


def _weeks(words: list[str]) -> int:
    if not words:
        return DEFAULT_WEEKS
    token = words.pop(0).lower().removesuffix("weeks").removesuffix("week").removesuffix("w")
    if words or not token.isdigit() or not 1 <= int(token) <= MAX_WEEKS:
        raise _Invalid(
            f"Say how many weeks, 1 to {MAX_WEEKS}: `/oncall schedule 8` (default {DEFAULT_WEEKS})."
        )
    return int(token)


def _date(token: str, usage: str) -> date:
    match = _DATE.match(token)
    if match is None:
        raise _Invalid(f"`{token}` is not a date; use {DATE_HINT}: `{usage}`.")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise _Invalid(f"`{token}` is not a real date; use {DATE_HINT}: `{usage}`.") from None


def _range(words: list[str], usage: str) -> tuple[date, date]:
    if not words:
        raise _Invalid(f"Say which days, {DATE_HINT}: `{usage}`.")
    first = _date(words.pop(0), usage)
    last = _date(words.pop(0), usage) if words and _DATE.match(words[0]) else first
    if last < first:
        raise _Invalid(f"The range ends ({last}) before it starts ({first}): `{usage}`.")
    if last - first >= MAX_RANGE:
        raise _Invalid(f"A range covers at most a year; split it: `{usage}`.")
    return first, last


def person_token(token: str, platform: str) -> Person | None:
    """A mention (`@slack:U1`, `@dana`) or an email address, as a member identity."""
    user = parse_user(token, platform)
    if user is not None or ":" in token:
        return user
    try:
        return Person(token)  # without a platform, only an email address is a person
    except ValueError:
        return None


def _person(words: list[str], platform: str, usage: str) -> Person:
    user = person_token(words.pop(0), platform) if words else None
    if user is None:
        raise _Invalid(f"Mention who: `{usage}`.")
    return user


def _override(words: list[str], platform: str, rotation: str | None) -> AddOverride:
    usage = "/oncall override @dana 2026-12-24 2026-12-27"
    person = _person(words, platform, usage)
    first, last = _range(words, usage)
    role = OnCallRole.PRIMARY
    if words and words[0].lower() in ("primary", "backup"):
        role = OnCallRole(words.pop(0).lower())
    _nothing_more(words, usage + " [primary|backup]")
    return AddOverride(rotation=rotation, person=person, first=first, last=last, role=role)


def _swap(words: list[str], platform: str, rotation: str | None) -> SwapShifts:
    usage = "/oncall swap @bob 2026-12-14"
    person = _person(words, platform, usage)
    if not words:
        raise _Invalid(f"Say which shift, {DATE_HINT}: `{usage}`.")
    first = _date(words.pop(0), usage)
    second = _date(words.pop(0), usage + " 2027-01-11") if words else None
    _nothing_more(words, usage + " [2027-01-11]")
    return SwapShifts(rotation=rotation, person=person, first=first, second=second)


def _cover(words: list[str], rotation: str | None) -> OnCallRequest:
    if not words:
        return ListCoverRequests(rotation=rotation)
    if words[0].lower() == "take":
        words.pop(0)
        return TakeCover(rotation=rotation, request=_number(words, "/oncall take 3"))
    if words[0].lower() in ("cancel", "withdraw"):
        words.pop(0)
        return CancelCover(rotation=rotation, request=_number(words, "/oncall cover cancel 3"))
    usage = "/oncall cover 2026-12-24 2026-12-27"
    first, last = _range(words, usage)
    _nothing_more(words, usage)
    return RequestCover(rotation=rotation, first=first, last=last)


def _number(words: list[str], usage: str) -> int:
    match = _NUMBER.match(words.pop(0)) if words else None
    if match is None or words:
        raise _Invalid(f"Say which one by number: `{usage}`.")
    return int(match.group(1))


def format_oncall(request: OnCallRequest) -> str:
    """Text that `parse_oncall` reads back as `request`: its canonical spelling."""
    prefix = "/oncall" + (f" {request.rotation}" if request.rotation else "")
    match request:
        case ShowOnCall():
            return prefix
        case ShowSchedule(weeks=weeks):
            return f"{prefix} schedule {weeks}"
        case AddOverride(person=person, first=first, last=last, role=role):
            return f"{prefix} override {_spell(person)} {first} {last} {role.value}"
        case SwapShifts(person=person, first=first, second=second):
            return f"{prefix} swap {_spell(person)} {first}" + (f" {second}" if second else "")
        case RequestCover(first=first, last=last):
            return f"{prefix} cover {first} {last}"
        case ListCoverRequests():
            return f"{prefix} cover"
        case TakeCover(request=number):
            return f"{prefix} take {number}"
        case CancelCover(request=number):
            return f"{prefix} cover cancel {number}"
        case ListEdits():
            return f"{prefix} edits"
        case CancelEdit(edit=number):
            return f"{prefix} cancel {number}"
        case OnCallHelp():
            return f"{prefix} help"


def _spell(person: Person) -> str:
    return person.id if person.platform == EMAIL else format_user(person)
