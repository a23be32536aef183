"""The status page's part of the command language: flag values, component lists, UTC times,
and the `component` and `maintenance` verbs.

`--title "Degraded checkout"` and `--component Checkout` take one value: a word, or text in
quotes ("…" or “…”). A component value may list several, comma-separated
(`--component "API,Checkout"`), and the flag may be repeated. Times are UTC, in ISO 8601
(`2026-12-05T02:00Z`, `2026-12-05T02:00`) or as a date and a time (`2026-12-05 02:00`); a time
with another offset is converted to UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from incidents import commands as c
from incidents.components import parse_component_status
from incidents.errors import DomainError
from incidents.text import has_visible

COMPONENT_FLAG = "--component"
TITLE_FLAG = "--title"
MAINTENANCE_EXAMPLE = "/incident maintenance 2026-12-05T02:00Z 2026-12-05T04:00Z Database upgrade"
_QUOTES = {'"': '"', "“": "”"}
_WORD = re.compile(r"\s*(\S+)")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{2}(?::[0-9]{2})?(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})?)$")


def take_value(rest: str, flag: str, example: str) -> tuple[str, str]:
    """The value after `flag` at the start of `rest` (a word, or quoted text), and what
    follows it."""
    rest = rest.lstrip()
    if not rest:
        raise DomainError(f"`{flag}` needs a value, e.g. `{example}`.")
    closing = _QUOTES.get(rest[0])
    if closing is not None:
        end = rest.find(closing, 1)
        if end < 0:
            raise DomainError(f"The quote after `{flag}` is not closed, e.g. `{example}`.")
        return rest[1:end].strip(), rest[end + 1 :].strip()
    first = rest.split(maxsplit=1)
    return first[0], first[1].strip() if len(first) > 1 else ""


def component_names(value: str, example: str) -> list[str]:
    """The component names of one `--component` value (comma-separated)."""
    names = [" ".join(name.split()) for name in value.split(",")]
    names = [name for name in names if name]
    if not names:
        raise DomainError(f"`{COMPONENT_FLAG}` needs a component's name, e.g. `{example}`.")
    return names


def quoted(value: str) -> str:
    """`value` as one flag value `take_value` reads back: quoted when it has a space."""
    if value and not any(ch.isspace() for ch in value) and value[0] not in _QUOTES:
        return value
    return f'"{value}"' if '"' not in value else f"“{value}”"


def take_instant(rest: str, what: str) -> tuple[datetime, str]:
    """The UTC time at the start of `rest` (one word, or a date and a time), and what follows."""
    rest = rest.strip()
    if rest[:1] in _QUOTES:  # `"2026-12-05 02:00"`, quoted as the help shows it
        text, after = take_value(rest, "the time", MAINTENANCE_EXAMPLE)
        date, _, clock = text.partition(" ")
        return _instant(f"{date}T{clock.strip()}" if clock else text, what), after
    first = _WORD.match(rest)
    if first is None:
        raise DomainError(f"Say when it {what}, in UTC, e.g. `{MAINTENANCE_EXAMPLE}`.")
    text, end = first.group(1), first.end()
    second = _WORD.match(rest, end)
    if second is not None and _DATE.match(text) and _TIME.match(second.group(1)):
        text, end = f"{text}T{second.group(1)}", second.end()
    return _instant(text, what), rest[end:].strip()


def _instant(text: str, what: str) -> datetime:
    date, sep, clock = text.partition("T")
    time = _TIME.match(clock) if sep else None
    if time is not None and len(time.group(1)) == 1:  # `2026-12-05 2:00`
        text = f"{date}T0{clock}"
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(
            f"`{text}` is not a time. Say when it {what} in UTC, like 2026-12-05T02:00Z or "
            f'"2026-12-05 02:00": `{MAINTENANCE_EXAMPLE}`.'
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_iso(moment: datetime) -> str:
    """`2026-12-05T02:00Z` (seconds when there are some): what `take_instant` reads back."""
    moment = moment.astimezone(UTC)
    shape = "%Y-%m-%dT%H:%M:%SZ" if moment.second or moment.microsecond else "%Y-%m-%dT%H:%MZ"
    return moment.strftime(shape)


def component_request(rest: str) -> c.SetComponentStatus:
    """`<name…> <status>` after `/incident component`: the name may have spaces."""
    parts = rest.split()
    if len(parts) < 2:
        raise DomainError(
            "Say which component and what it is now (operational, degraded, partial or major): "
            "`/incident component Checkout degraded`."
        )
    name = " ".join(parts[:-1]).strip('"“”')
    return c.SetComponentStatus(component=name, status=parse_component_status(parts[-1]))


def maintenance_request(rest: str) -> c.ScheduleMaintenance:
    """`<start> <end> <title…>` after `/incident maintenance`, `--component` flags anywhere
    after the times."""
    starts_at, rest = take_instant(rest, "starts")
    ends_at, rest = take_instant(rest, "ends")
    components: list[str] = []
    title: list[str] = []
    while rest:
        word, *after = rest.split(maxsplit=1)
        rest = after[0] if after else ""
        if word.lower() == COMPONENT_FLAG:
            value, rest = take_value(rest, COMPONENT_FLAG, MAINTENANCE_EXAMPLE)
            components += component_names(value, MAINTENANCE_EXAMPLE)
        else:
            title.append(word)
    if not has_visible(" ".join(title)):
        raise DomainError(f"Planned work needs a title, e.g. `{MAINTENANCE_EXAMPLE}`.")
    return c.ScheduleMaintenance(
        starts_at=starts_at, ends_at=ends_at, title=" ".join(title), components=tuple(components)
    )
