"""`sevbot report`: figures for incidents played at known times, checked against hand sums."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.bootstrap import App
from bot.clock import FakeClock
from bot.durations import parse_since
from bot.report import build_report
from bot.review.cli import print_report
from tests.service.conftest import T0, say

THURSDAY_NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def at(clock: FakeClock, hours: float) -> None:
    """Move the fake clock to T0 (Monday 14:00 UTC) + `hours`."""
    clock.set(T0 + timedelta(hours=hours))


async def four_incidents(app: App, clock: FakeClock) -> None:
    """The incidents the expected figures below were worked out from by hand.

    #1 SEV-1 14:00, ack +10 min, triage 14:10, investigation 14:20, resolved 15:00 (TTR 1 h),
       review done Tuesday 15:00 (due Wednesday 15:00: on time); items: 1 done, 1 open.
    #2 SEV-1 16:00, ack 17:10 (+70 min: response target of 1 h missed), resolved 19:00 from
       detection (TTR 3 h; detection window missed), review never done (due Wed 19:00: missed).
    #3 SEV-2 20:00, ack 20:30, resolved 22:00 from detection (window missed); one open item.
    #4 SEV-3 22:00, never acknowledged (1 business day: missed by Thursday), still in
       detection past its window; one open item.
    Whoever acknowledges #1-#3 takes the incident commander role right after (leads resolve).
    """
    await say(app, "/incident open sev1 Checkout is failing", who="maria")
    await at(clock, 10 / 60)
    await say(app, "/incident ack 1", who="sam")
    await say(app, "/incident ic 1 @sam", who="sam")  # the responder leads: phases, resolve, review
    await say(app, "/incident phase 1 triage", who="sam")
    await say(app, "/incident action 1 Alert on 502s @sam", who="sam")
    await say(app, "/incident action 1 Canary deploys @li", who="sam")
    await at(clock, 20 / 60)
    await say(app, "/incident phase 1 investigation", who="sam")
    await at(clock, 1)
    await say(app, "/incident resolve 1 Rolled back", who="sam")
    await say(app, "/incident action 1 done 2", who="li")
    await at(clock, 2)
    await say(app, "/incident open sev1 Login is down", who="maria")
    await at(clock, 3 + 10 / 60)
    await say(app, "/incident ack 2", who="sam")
    await say(app, "/incident ic 2 @sam", who="sam")
    await at(clock, 5)
    await say(app, "/incident resolve 2 Restarted the auth pods", who="sam")
    await at(clock, 6)
    await say(app, "/incident open sev2 Search is slow", who="maria")
    await at(clock, 6.5)
    await say(app, "/incident ack 3", who="li")
    await say(app, "/incident ic 3 @li", who="li")
    await say(app, "/incident action 3 Shard the index @li", who="li")
    await at(clock, 8)
    await say(app, "/incident resolve 3 Reindexed", who="li")
    await say(app, "/incident open sev3 Nightly export is flaky", who="maria")
    await say(app, "/incident action 4 Retry uploads @ana", who="maria")
    await at(clock, 25)
    await say(app, "/incident review 1 done https://wiki.example.com/pir-1", who="sam")
    clock.set(THURSDAY_NOON)


EXPECTED = {
    "SEV-0": {
        "incidents": 0,
        "acknowledged": 0,
        "mtta_mean_seconds": None,
        "mtta_median_seconds": None,
        "resolved": 0,
        "mttr_mean_seconds": None,
        "mttr_median_seconds": None,
        "response_breaches": 0,
        "phase_breaches": 0,
        "reviews_required": 0,
        "reviews_on_time": 0,
        "reviews_late": 0,
        "reviews_missed": 0,
        "reviews_pending": 0,
        "open_action_items": 0,
    },
    "SEV-1": {
        "incidents": 2,
        "acknowledged": 2,
        "mtta_mean_seconds": 2400,  # (10 + 70) / 2 min
        "mtta_median_seconds": 2400,
        "resolved": 2,
        "mttr_mean_seconds": 7200,  # (60 + 180) / 2 min
        "mttr_median_seconds": 7200,
        "response_breaches": 1,  # #2
        "phase_breaches": 1,  # #2's detection
        "reviews_required": 2,
        "reviews_on_time": 1,  # #1
        "reviews_late": 0,
        "reviews_missed": 1,  # #2
        "reviews_pending": 0,
        "open_action_items": 1,
    },
    "SEV-2": {
        "incidents": 1,
        "acknowledged": 1,
        "mtta_mean_seconds": 1800,
        "mtta_median_seconds": 1800,
        "resolved": 1,
        "mttr_mean_seconds": 7200,
        "mttr_median_seconds": 7200,
        "response_breaches": 0,
        "phase_breaches": 1,
        "reviews_required": 0,
        "reviews_on_time": 0,
        "reviews_late": 0,
        "reviews_missed": 0,
        "reviews_pending": 0,
        "open_action_items": 1,
    },
    "SEV-3": {
        "incidents": 1,
        "acknowledged": 0,
        "mtta_mean_seconds": None,
        "mtta_median_seconds": None,
        "resolved": 0,
        "mttr_mean_seconds": None,
        "mttr_median_seconds": None,
        "response_breaches": 1,
        "phase_breaches": 1,
        "reviews_required": 0,
        "reviews_on_time": 0,
        "reviews_late": 0,
        "reviews_missed": 0,
        "reviews_pending": 0,
        "open_action_items": 1,
    },
    "all": {
        "incidents": 4,
        "acknowledged": 3,
        "mtta_mean_seconds": 2200,  # (10 + 70 + 30) / 3 min
        "mtta_median_seconds": 1800,  # 30 min
        "resolved": 3,
        "mttr_mean_seconds": 7200,  # (60 + 180 + 120) / 3 min
        "mttr_median_seconds": 7200,
        "response_breaches": 2,
        "phase_breaches": 3,
        "reviews_required": 2,
        "reviews_on_time": 1,
        "reviews_late": 0,
        "reviews_missed": 1,
        "reviews_pending": 0,
        "open_action_items": 3,
    },
}


async def report_in(app: App, clock: FakeClock, fmt: str, since: str = "30d") -> str:
    """Run the `sevbot report` body against the app's store and return what it printed."""
    out = io.StringIO()
    assert await print_report(app.settings, since=since, fmt=fmt, clock=clock, out=out) == 0
    return out.getvalue()


async def test_json_figures_match_the_hand_computed_ones(app: App, clock: FakeClock) -> None:
    """Per severity and in total: counts, MTTA/MTTR mean and median, breaches, reviews, items."""
    await four_incidents(app, clock)
    document = json.loads(await report_in(app, clock, "json"))
    rows = {row["severity"]: row for row in (*document["severities"], document["total"])}
    for label, expected in EXPECTED.items():
        assert {k: v for k, v in rows[label].items() if k != "severity"} == expected, label
    assert document["open_action_items_all"] == 3
    assert document["until"] == THURSDAY_NOON.isoformat()
    assert document["since"] == (THURSDAY_NOON - timedelta(days=30)).isoformat()


async def test_csv_has_one_row_per_severity_and_a_total(app: App, clock: FakeClock) -> None:
    """CSV: a header, SEV-0..SEV-3 and all; durations in seconds, empty when there are none."""
    await four_incidents(app, clock)
    rows = list(csv.DictReader(io.StringIO(await report_in(app, clock, "csv"))))
    assert [row["severity"] for row in rows] == ["SEV-0", "SEV-1", "SEV-2", "SEV-3", "all"]
    for row in rows:
        expected = EXPECTED[row["severity"]]
        assert {k: v for k, v in row.items() if k != "severity"} == {
            k: "" if v is None else str(v) for k, v in expected.items()
        }


async def test_table_reads_as_durations(app: App, clock: FakeClock) -> None:
    """The table shows durations as people read them and reviews on time as a fraction."""
    await four_incidents(app, clock)
    table = await report_in(app, clock, "table")
    lines = table.splitlines()
    assert lines[0] == ("Incidents declared 2026-10-27 12:00 UTC – 2026-11-26 12:00 UTC (30 d)")
    sev1 = next(line for line in lines if line.startswith("SEV-1"))
    assert sev1.split() == [
        "SEV-1",
        "2",
        "40",
        "min",
        "40",
        "min",
        "2",
        "h",
        "2",
        "h",
        "1",
        "1",
        "1/2",
        "1",
    ]
    total = next(line for line in lines if line.startswith("all"))
    assert total.split()[-4:] == ["2", "3", "1/2", "3"]
    assert "Reviews: 1 on time, 0 late, 1 missed, 0 not due yet." in table
    assert lines[-1] == "Open action items across all incidents: 3"


async def test_since_limits_the_window(app: App, clock: FakeClock) -> None:
    """Only incidents declared since the start count; open items across all still show."""
    await four_incidents(app, clock)
    report = await build_report(app.store, app.policy, T0 + timedelta(hours=5), clock.now())
    assert report.total.incidents == 2
    assert [f.incidents for f in report.severities] == [0, 0, 1, 1]
    assert report.open_action_items_all == 3
    dated = json.loads(await report_in(app, clock, "json", since="2026-11-24"))
    assert dated["total"]["incidents"] == 0


def test_since_accepts_durations_dates_and_times() -> None:
    """`30d`, `2w`, a date (UTC midnight) and an ISO time; anything else says what is valid."""
    now = THURSDAY_NOON
    assert parse_since("30d", now) == now - timedelta(days=30)
    assert parse_since("2w", now) == now - timedelta(weeks=2)
    assert parse_since("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since("2026-11-01T08:30:00+01:00", now) == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="neither a duration like 30d"):
        parse_since("last month", now)


async def test_bad_since_exits_2(app: App, clock: FakeClock) -> None:
    """`--since yesterday` exits 2 and says what is valid."""
    err = io.StringIO()
    code = await print_report(app.settings, since="yesterday", clock=clock, err=err)
    assert code == 2
    assert "--since" in err.getvalue()
