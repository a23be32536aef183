"""Scenario files for `sevbot simulate`: a rehearsal of a policy, one step a line.

```
# a comment: `#` starting a line, or ` # ` after a step; blank lines are ignored
at 2026-12-04T17:00:00Z                 the clock moves to this instant (the first step)
+15m                                    the clock moves forward (s, m, h, d, w)
slack:U1 /incident open sev3 Export slow a person runs a command outside any incident channel
slack:U2 in inc-1 /incident ack          the same, typed in incident 1's channel
GET /status/summary.json                 read a page of the bot's web server (what it shows now)
```

Parsing checks every line before anything runs; a bad line is `ScenarioError` naming the line
and what would have been valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.durations import parse_duration
from incidents.people import Person

_AT = re.compile(r"^at\s+(\S+)$")
_FORWARD = re.compile(r"^\+\s*(.*)$")
_IN = re.compile(r"^in\s+inc-([0-9]{1,9})\s+(.*)$")
_GET = re.compile(r"^GET(?:\s+(.*))?$")
# Paths a rehearsal may read: the public status page and its feeds (they need no sign-in).
WEB_PATHS = ("/status", "/status/feed.atom", "/status/summary.json")
# `#` at the start of a line, or after a space and before a space (so `#42` in a command stays).
_COMMENT = re.compile(r"(^\s*#.*$)|(\s#(\s.*)?$)")
COMMANDS = ("/incident", "/oncall")
STEP_HINT = (
    "a step is `at 2026-12-04T17:00:00Z`, `+15m` (s, m, h, d, w), "
    "`<person> /incident …`, `<person> in inc-<n> /oncall …` or `GET /status/summary.json`"
)


class ScenarioError(Exception):
    """A scenario line that cannot run; `str()` is `FILE:LINE: what is wrong, what is valid`."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.line = line


@dataclass(frozen=True, slots=True)
class MoveClock:
    """Move the clock to `to` (never back); everything due on the way happens at its time."""

    to: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RunCommand:
    """`person` types `text` (`/incident …` or `/oncall …`), in incident `incident`'s channel
    or, when it is None, outside any incident channel."""

    person: Person
    text: str
    incident: int | None = None
    line: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadPage:
    """Read `path` from the bot's web server as a customer would; the transcript shows it."""

    path: str
    line: int = 0


Step = MoveClock | RunCommand | ReadPage


def parse_scenario(text: str, path: str = "scenario") -> list[Step]:
    """Every step of a scenario, checked; raises ScenarioError at the first bad line."""
    steps: list[Step] = []
    now: datetime | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub("", raw).strip()
        if not line:
            continue
        step = _step(line, now, path, number)
        if now is None and not isinstance(step, MoveClock):
            raise ScenarioError(
                path,
                number,
                "the first step must be `at <instant>`, e.g. `at 2026-12-04T17:00:00Z`.",
            )
        if isinstance(step, MoveClock):
            now = step.to
        steps.append(step)
    if not steps:
        raise ScenarioError(path, 1, f"the scenario has no steps; {STEP_HINT}.")
    return steps


def _step(line: str, now: datetime | None, path: str, number: int) -> Step:
    at = _AT.match(line)
    if at is not None:
        moment = _instant(at.group(1), path, number)
        if now is not None and moment < now:
            raise ScenarioError(
                path,
                number,
                f"the clock never goes back: {at.group(1)} is before "
                f"{now.isoformat().replace('+00:00', 'Z')}; use a later instant or `+15m`.",
            )
        return MoveClock(moment)
    forward = _FORWARD.match(line)
    if forward is not None:
        if now is None:
            raise ScenarioError(path, number, "the first step must be `at <instant>`.")
        try:
            return MoveClock(now + parse_duration(forward.group(1)))
        except ValueError as error:
            raise ScenarioError(path, number, f"{error}.") from None
    read = _GET.match(line)
    if read is not None:
        return _page((read.group(1) or "").strip(), path, number)
    return _command(line, path, number)


def _page(target: str, path: str, number: int) -> ReadPage:
    if target not in WEB_PATHS:
        valid = ", ".join(f"`GET {p}`" for p in WEB_PATHS)
        raise ScenarioError(
            path, number, f"`GET {target or '(nothing)'}` cannot be read here; use {valid}."
        )
    return ReadPage(path=target, line=number)


def _instant(text: str, path: str, number: int) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ScenarioError(
            path, number, f"`{text}` is not an instant in UTC; write it like 2026-12-04T17:00:00Z."
        )
    return moment.astimezone(UTC)


def _command(line: str, path: str, number: int) -> RunCommand:
    who, _, rest = line.partition(" ")
    try:
        person = Person(who)
    except ValueError as error:
        reason = str(error).rstrip(".")
        raise ScenarioError(path, number, f"{reason}; {STEP_HINT}.") from None
    rest = rest.strip()
    incident: int | None = None
    inside = _IN.match(rest)
    if inside is not None:
        incident, rest = int(inside.group(1)), inside.group(2).strip()
    if rest.split(" ", 1)[0].lower() not in COMMANDS:
        raise ScenarioError(
            path,
            number,
            f"`{rest or '(nothing)'}` is not a command; after the person comes "
            "`/incident …` or `/oncall …` (or `in inc-<n>` and then the command).",
        )
    return RunCommand(person=person, text=rest, incident=incident, line=number)


def elapsed(steps: list[Step]) -> timedelta:
    """How much simulated time the scenario covers."""
    moments = [s.to for s in steps if isinstance(s, MoveClock)]
    return moments[-1] - moments[0] if moments else timedelta(0)
