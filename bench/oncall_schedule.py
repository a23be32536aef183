"""On-call arithmetic: the cost of the page lookup, `/oncall schedule` and the iCal feed.

A rotation of 12 members handing off at 09:00 Europe/Oslo (so every handoff goes through the
zone rules), with `--edits` overrides and swaps spread over the feed's 38 weeks. Prints the
time per call of: who is on call at an instant (what opening an incident does), the 26-week
schedule, the whole iCalendar feed, and a weekly and a daily rotation's feed side by side.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from bot.oncall.ics import calendar
from incidents.oncall.rotation import Rotation, handoff_at, parse_handoff
from incidents.oncall.schedule import Edit, Override, Swap, holders_at, schedule
from incidents.people import Person

NOW = datetime(2027, 6, 2, 14, 0, tzinfo=UTC)


def rotation(days: int) -> Rotation:
    """Twelve members, 09:00 Oslo, `days`-day shifts, started two years before NOW."""
    return Rotation(
        name="maintainers",
        members=tuple(Person(f"slack:U{n:02d}") for n in range(12)),
        start=date(2025, 6, 2) if days % 7 == 0 else date(2025, 6, 3),
        length=timedelta(days=days),
        handoff=parse_handoff(("MON " if days % 7 == 0 else "") + "09:00 Europe/Oslo"),
    )


def edits(rotation: Rotation, count: int, seed: int = 7) -> list[Edit]:
    """`count` overrides and swaps within 12 weeks back and 26 ahead of NOW."""
    rng = random.Random(seed)
    out: list[Edit] = []
    for n in range(count):
        start = NOW + timedelta(hours=rng.randint(-12 * 7 * 24, 26 * 7 * 24))
        if n % 3 == 2:
            first = handoff_at(rotation, rng.randint(100, 140))
            second = handoff_at(rotation, rng.randint(100, 140))
            if first != second:
                out.append(Swap(id=n, first=first, second=second))
            continue
        out.append(
            Override(
                id=n,
                person=Person(f"slack:UX{n}"),
                start=start,
                end=start + timedelta(hours=rng.randint(4, 96)),
            )
        )
    return out


def per_call(action: Callable[[], object], repeat: int) -> float:
    """Mean seconds per call over `repeat` calls."""
    began = time.perf_counter()
    for _ in range(repeat):
        action()
    return (time.perf_counter() - began) / repeat


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    weekly = rotation(7)
    weekly_edits = edits(weekly, args.edits)
    lookup = per_call(lambda: holders_at(weekly, weekly_edits, NOW), args.repeat * 50)
    ahead = per_call(
        lambda: schedule(weekly, weekly_edits, NOW, NOW + timedelta(weeks=26)), args.repeat
    )
    feed = calendar(weekly, weekly_edits, NOW)
    weekly_feed = per_call(lambda: calendar(weekly, weekly_edits, NOW), args.repeat)
    daily = rotation(1)
    daily_edits = edits(daily, args.edits)
    daily_feed = per_call(lambda: calendar(daily, daily_edits, NOW), max(1, args.repeat // 4))
    print(f"rotation: 12 members, 09:00 Europe/Oslo, {len(weekly_edits)} edits in force")
    print(f"page lookup (who is on call now)   {lookup * 1e3:8.3f} ms")
    print(f"/oncall schedule 26 weeks          {ahead * 1e3:8.3f} ms")
    print(
        f"iCal feed, weekly ({feed.count('BEGIN:VEVENT')} events, {len(feed) // 1024} KiB)"
        f"  {weekly_feed * 1e3:8.3f} ms"
    )
    print(f"iCal feed, daily shifts            {daily_feed * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()
