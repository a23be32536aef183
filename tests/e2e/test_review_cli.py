"""`sevbot review` and `sevbot report` as a person runs them, against a prepared SQLite file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.bootstrap import build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.review.markdown import render_review
from incidents.review import review_facts
from tests.e2e.conftest import cli
from tests.service.conftest import T0


async def closed_incident(db: Path) -> str:
    """Play a SEV-2 through to closing in `db`; return its review as rendered in-process."""
    clock = FakeClock(T0)
    app = await build_app(Settings(database_url=f"sqlite:///{db}"), clock=clock, chats=[])
    try:
        for minute, who, text in (
            (0, "maria", "open sev2 Search is slow"),
            (5, "sam", "ack 1"),
            (5, "sam", "ic 1 @sam"),  # sam leads: resolve and close are a lead's
            (9, "sam", "status 1 Reindexing the catalogue"),
            (40, "sam", "resolve 1 Reindexed"),
            (41, "sam", "action 1 Alert on p99 @sam"),
            (42, "sam", "close 1"),
        ):
            clock.set(T0.replace(minute=minute))
            outcome = await app.service.handle_text(
                f"/incident {text}", actor=f"console:{who}", platform="console"
            )
            assert outcome.ok, outcome.reply_text
        incident = await app.service.load(1)
        assert incident is not None
        return render_review(review_facts(incident, app.policy, clock.now()))
    finally:
        await app.close()


def test_review_to_stdout_and_to_the_default_file(tmp_path: Path) -> None:
    """`review 1 -o -` prints the same bytes as in-process; `review 1` writes incident-1-review.md."""
    db = tmp_path / "s.db"
    expected = asyncio.run(closed_incident(db))
    printed = cli("review", "1", "-o", "-", db=db)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == expected
    written = cli("review", "1", db=db)
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "incident-1-review.md").read_text(encoding="utf-8") == expected
    zoned = cli("review", "1", "-o", "-", "--tz", "America/New_York", db=db)
    assert "- **Declared:** 2026-11-23 14:00 UTC (09:00 EST) by @maria" in zoned.stdout
    missing = cli("review", "7", db=db)
    assert missing.returncode == 1
    assert "no incident #7" in missing.stderr


def test_report_formats(tmp_path: Path) -> None:
    """`report --since 2026-11-01 --format json|csv|table` covers the prepared incident."""
    db = tmp_path / "s.db"
    asyncio.run(closed_incident(db))
    as_json = cli("report", "--since", "2026-11-01", "--format", "json", db=db)
    assert as_json.returncode == 0, as_json.stderr
    total = json.loads(as_json.stdout)["total"]
    assert (total["incidents"], total["mtta_mean_seconds"], total["mttr_mean_seconds"]) == (
        1,
        300,
        2400,
    )
    as_csv = cli("report", "--since", "2026-11-01", "--format", "csv", db=db)
    assert as_csv.stdout.splitlines()[3].startswith("SEV-2,1,1,300,300,1,2400,2400,")
    table = cli("report", "--since", "2026-11-01", db=db)
    assert "Open action items across all incidents: 1" in table.stdout
    bad = cli("report", "--since", "soon", db=db)
    assert bad.returncode == 2
