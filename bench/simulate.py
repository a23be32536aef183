"""`sevbot simulate` at the scale a team rehearses: 100 incidents over 30 simulated days.

A weekly rotation of four on Slack and Discord, holidays, every severity; each incident is
opened, acknowledged (some late), updated, moved through its phases, resolved, reviewed and
closed, so every timer kind fires on the way. Prints the wall time of the whole rehearsal, how
many lines the transcript has, and the target (under 10 s on this machine).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import time
from datetime import UTC, date, datetime, timedelta

from bot.config import Settings
from bot.local import run_simulation
from bot.oncall.config import RotationSettings
from bot.scenario import parse_scenario

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday
PEOPLE = ["slack:U0SAM", "discord:100000000000000001", "slack:U0LI", "slack:U0ANA"]
SEVERITIES = ["sev0", "sev1", "sev2", "sev2", "sev3", "sev3"]


def scenario(incidents: int, days: int, seed: int = 7) -> str:
    """A scenario text: `incidents` incidents spread over `days` days, each with its life."""
    rng = random.Random(seed)
    events: list[tuple[datetime, str]] = []
    minutes = sorted(rng.randrange(0, days * 24 * 60 - 3 * 24 * 60) for _ in range(incidents))
    for number, minute in enumerate(minutes, start=1):  # numbered in the order they open
        opened = START + timedelta(minutes=minute)
        who = rng.choice(PEOPLE)
        sev = rng.choice(SEVERITIES)
        life = [
            (0, f"{who} /incident open {sev} Rehearsal incident {number}"),
            (rng.choice([2, 9, 30, 95]), f"{rng.choice(PEOPLE)} in inc-{number} /incident ack"),
            (12, f"{who} in inc-{number} /incident ic @{who}"),
            (20, f"{who} in inc-{number} /incident phase triage"),
            (35, f"{who} in inc-{number} /incident status Looking at it"),
            (50, f"{who} in inc-{number} /incident phase investigation"),
            (140, f"{who} in inc-{number} /incident status --external We are working on it"),
            (150, f"{who} in inc-{number} /incident phase mitigation"),
            (260, f"{who} in inc-{number} /incident resolve Fixed"),
            (300, f"{who} in inc-{number} /incident action Follow up @{who}"),
            (
                24 * 60,
                f"{who} in inc-{number} /incident review done https://wiki.example.com/{number}",
            ),
            (24 * 60 + 5, f"{who} in inc-{number} /incident close"),
        ]
        events += [(opened + timedelta(minutes=m), text) for m, text in life]
    events.sort(key=lambda event: event[0])
    lines = [f"at {START.isoformat().replace('+00:00', 'Z')}"]
    for moment, text in events:
        lines += [f"at {moment.isoformat().replace('+00:00', 'Z')}", text]
    lines.append(f"at {(START + timedelta(days=days)).isoformat().replace('+00:00', 'Z')}")
    return "\n".join(lines) + "\n"


def settings() -> Settings:
    """A rotation of the four people, weekly from START's Monday, and two holidays."""
    rotation = RotationSettings(name="maintainers", members=PEOPLE, start=date(2026, 11, 2))
    return Settings(
        database_url="sqlite:///unused.db",
        rotation=[rotation],
        policy={"holidays": [date(2026, 11, 26), date(2026, 11, 27)]},
    )


async def run(incidents: int, days: int) -> None:
    """Play the scenario once and print the figures."""
    steps = parse_scenario(scenario(incidents, days), "bench.scenario")
    out = io.StringIO()
    began = time.perf_counter()
    failed = await run_simulation(settings(), steps, out, fmt="jsonl")
    took = time.perf_counter() - began
    lines = out.getvalue().count("\n")
    print(f"simulate: {incidents} incidents over {days} simulated days, {len(steps)} steps")
    print(
        f"wall time          {took:6.2f} s ({lines:,} transcript lines, {failed} commands refused)"
    )
    print("target             < 10 s")


def main() -> None:
    """Entry point: `python bench/simulate.py [--incidents 100] [--days 30]`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(run(args.incidents, args.days))


if __name__ == "__main__":
    main()
