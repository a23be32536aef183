"""`/oncall` through the real app: who is on call, the schedule, edits with their DMs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.bootstrap import App
from bot.clock import FakeClock
from incidents.severity import Severity
from tests.fakes import RecordingChat
from tests.service.oncall_helpers import (
    ALICE,
    BOB,
    CAROL,
    DANA,
    MAINTAINERS,
    WEDNESDAY,
    dms,
    in_channel,
    oncall,
    oncall_app,
    service,
)


@pytest.fixture
def clock() -> FakeClock:
    """Wednesday 2 Dec 2026 14:00 UTC, in alice's first week."""
    return FakeClock(WEDNESDAY)


@pytest.fixture
async def app(tmp_path: Path, clock: FakeClock, chat: RecordingChat) -> AsyncIterator[App]:
    """The app with the maintainers rotation."""
    built = await oncall_app(tmp_path / "oncall.db", clock, chat)
    try:
        yield built
    finally:
        await built.close()


async def test_oncall_says_primary_backup_until_when_and_next(app: App) -> None:
    """`/oncall` labels the primary and backup, says until when, and who is next."""
    reply = (await oncall(app, "/oncall")).reply_text
    assert "Primary: @alice · Backup: @bob" in reply
    assert "Until Mon 7 Dec 09:00 UTC, in 4 d 19 h." in reply
    assert "Next: @bob (primary), @carol (backup) from Mon 7 Dec 09:00 UTC." in reply
    now, upcoming = await service(app).now_and_next("maintainers")
    assert now is not None
    assert upcoming is not None
    assert (now.primary, upcoming.primary) == (ALICE, BOB)


async def test_before_the_start_oncall_says_when_it_begins(
    tmp_path: Path, chat: RecordingChat
) -> None:
    """Before the first handoff nobody is on call, and `/oncall` says when it starts."""
    early = FakeClock(datetime(2026, 11, 23, 14, tzinfo=UTC))
    app = await oncall_app(tmp_path / "early.db", early, chat)
    try:
        reply = (await oncall(app, "/oncall")).reply_text
        assert "maintainers starts Mon 30 Nov 09:00 UTC (in 6 d 19 h)" in reply
        assert "nobody is on call in it until then" in reply
        assert "First shift: @alice (primary), @bob (backup)." in reply
        assert service(app)(Severity.SEV1) is None  # nobody to page yet
    finally:
        await app.close()


async def test_schedule_lists_the_coming_weeks(app: App) -> None:
    """`/oncall schedule 3` lists shifts from the current one, marking it."""
    lines = (await oncall(app, "/oncall schedule 3")).reply_text.splitlines()
    assert lines[0].startswith("🗓 maintainers · next 3 weeks · hands off MON 09:00 UTC")
    assert (
        lines[1]
        == "• Mon 30 Nov 09:00 → Mon 7 Dec 09:00 UTC: @alice (primary), @bob (backup) · now"
    )
    assert lines[2] == "• Mon 7 Dec 09:00 → Mon 14 Dec 09:00 UTC: @bob (primary), @carol (backup)"
    assert len(lines) == 5


async def test_an_override_dms_whoever_moved_with_before_and_after(
    app: App, chat: RecordingChat
) -> None:
    """Alice handing 24-27 Dec of her week to dana tells alice and dana, and the channel."""
    outcome = await oncall(app, "/oncall override @dana 2026-12-24 2026-12-27", who="alice")
    assert outcome.ok, outcome.reply_text
    assert "Told by direct message: @alice, @dana." in outcome.reply_text
    told = dms(chat, "oncall_changed")
    assert set(told) == {ALICE, DANA}
    alice = told[ALICE].plain_text()
    assert (
        "changed: override: @dana is primary Thu 24 Dec 00:00 → Mon 28 Dec 00:00 UTC (by @alice)"
        in alice
    )
    assert "Before: primary Mon 21 Dec 09:00 → Mon 28 Dec 09:00 UTC" in alice
    assert (
        "After: primary Mon 21 Dec 09:00 → Thu 24 Dec 00:00 UTC; "
        "primary Mon 28 Dec 00:00 → Mon 28 Dec 09:00 UTC" in alice
    )
    assert "Before: not on call" in told[DANA].plain_text()
    notes = in_channel(chat, "oncall_edit")
    assert len(notes) == 1
    assert notes[0].rotation == "maintainers"
    schedule = (await oncall(app, "/oncall schedule 4")).reply_text
    assert (
        "Thu 24 Dec 00:00 → Mon 28 Dec 00:00 UTC: @dana (primary), @bob (backup) · edited"
        in schedule
    )


async def test_edits_persist_and_reach_paging(
    app: App, tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """An override made now is in the store: a second app on the database pages dana."""
    await oncall(app, "/oncall override @dana 2026-12-02")
    other = await oncall_app(tmp_path / "oncall.db", clock, RecordingChat())
    try:
        outcome = await other.service.handle_text(
            "open sev1 Checkout failing", actor="console:maria", platform="console"
        )
        assert outcome.opened is not None
        assert outcome.opened.oncall is not None
        assert (outcome.opened.oncall.primary, outcome.opened.oncall.backup) == (DANA, BOB)
    finally:
        await other.close()


async def test_an_edit_made_by_another_replica_is_seen_when_an_incident_opens(
    app: App, tmp_path: Path, clock: FakeClock
) -> None:
    """The page lookup reloads edits in the opening transaction, so no replica pages stale."""
    other = await oncall_app(tmp_path / "oncall.db", clock, RecordingChat())
    try:
        await oncall(other, "/oncall override @carol 2026-12-02")
        outcome = await app.service.handle_text(
            "open sev2 Search slow", actor="console:maria", platform="console"
        )
        assert outcome.opened is not None
        assert outcome.opened.oncall is not None
        assert outcome.opened.oncall.primary == CAROL
    finally:
        await other.close()


async def test_swap_with_one_date_trades_with_the_nearest_shift(
    app: App, chat: RecordingChat
) -> None:
    """Bob's week of 7 Dec swapped by alice: alice takes it, bob takes alice's next week."""
    outcome = await oncall(app, "/oncall swap @bob 2026-12-07", who="alice")
    assert outcome.ok, outcome.reply_text
    assert "swap: the shifts of Mon 7 Dec and Mon 21 Dec trade primaries" in outcome.reply_text
    assert set(dms(chat, "oncall_changed")) >= {ALICE, BOB}
    schedule = (await oncall(app, "/oncall schedule 4")).reply_text
    assert "Mon 7 Dec 09:00 → Mon 14 Dec 09:00 UTC: @alice (primary), @carol (backup)" in schedule
    assert "Mon 21 Dec 09:00 → Mon 28 Dec 09:00 UTC: @bob (primary), @alice (backup)" in schedule


async def test_swap_twice_restores_the_schedule(app: App) -> None:
    """The same swap made again puts everyone back."""
    before = (await oncall(app, "/oncall schedule 6")).reply_text
    await oncall(app, "/oncall swap @bob 2026-12-07 2026-12-21")
    again = await oncall(app, "/oncall swap @alice 2026-12-07 2026-12-21")
    assert again.ok, again.reply_text
    assert (await oncall(app, "/oncall schedule 6")).reply_text == before


async def test_a_swap_of_someone_elses_shift_says_what_would_work(app: App) -> None:
    """Carol's shift is neither alice's nor bob's: the reply shows the two-date form."""
    outcome = await oncall(app, "/oncall swap @bob 2026-12-14", who="alice")
    assert not outcome.ok
    assert "The shift of 2026-12-14 is @carol's" in outcome.reply_text
    assert "`/oncall swap @bob 2026-12-14 <another date>`" in outcome.reply_text


async def test_cover_requested_then_taken(app: App, chat: RecordingChat) -> None:
    """Bob asks for cover in his week; dana, not in the rotation, may not take it; alice takes
    it; bob and alice are told; it is taken once."""
    asked = await oncall(app, "/oncall cover 2026-12-08 2026-12-09", who="bob")
    assert asked.ok, asked.reply_text
    assert "request 1" in asked.reply_text
    [note] = in_channel(chat, "oncall_edit")
    assert (
        "@bob asks for cover in maintainers: Tue 8 Dec 00:00 → Thu 10 Dec 00:00 UTC"
        in note.plain_text()
    )
    assert "`/oncall take 1`" in note.plain_text()
    assert "1: @bob" in (await oncall(app, "/oncall cover")).reply_text
    stranger = await oncall(app, "/oncall take 1", who="dana")
    assert not stranger.ok
    assert stranger.reply_text == (
        "Only members of maintainers can take its cover requests (or an admin)."
    )
    taken = await oncall(app, "/oncall take 1", who="alice")
    assert taken.ok, taken.reply_text
    assert set(dms(chat, "oncall_changed")) == {BOB, ALICE}
    assert "@alice covers @bob" in dms(chat, "oncall_changed")[BOB].plain_text()
    again = await oncall(app, "/oncall take 1", who="carol")
    assert not again.ok
    assert "taken by @alice already" in again.reply_text
    assert "No open cover requests" in (await oncall(app, "/oncall cover")).reply_text


async def test_cover_for_time_one_is_not_on_call_is_refused(app: App) -> None:
    """Dana is not on call on 3 Dec, so asking for cover then is refused, saying why."""
    outcome = await oncall(app, "/oncall cover 2026-12-03", who="dana")
    assert not outcome.ok
    assert "You are not on call in maintainers" in outcome.reply_text


async def test_cancel_undoes_an_edit_and_tells_the_people(app: App, chat: RecordingChat) -> None:
    """`/oncall cancel <n>` withdraws the override and DMs alice and dana again."""
    await oncall(app, "/oncall override @dana 2026-12-24 2026-12-27")
    listed = (await oncall(app, "/oncall edits")).reply_text
    assert "• 1: override: @dana is primary" in listed
    chat.clear()
    outcome = await oncall(app, "/oncall cancel 1")
    assert outcome.ok, outcome.reply_text
    assert set(dms(chat, "oncall_changed")) == {ALICE, DANA}
    assert "edit 1 undone" in dms(chat, "oncall_changed")[DANA].plain_text()
    assert "No overrides or swaps" in (await oncall(app, "/oncall edits")).reply_text
    assert not (await oncall(app, "/oncall cancel 1")).ok


async def test_a_retried_command_is_done_once(app: App, chat: RecordingChat) -> None:
    """The same request key twice (a platform retry) records one override."""
    first = await oncall(app, "/oncall override @dana 2026-12-24", key="slack:trigger-1")
    second = await oncall(app, "/oncall override @dana 2026-12-24", key="slack:trigger-1")
    assert first.ok
    assert second.duplicate
    assert (await oncall(app, "/oncall edits")).reply_text.count("override:") == 1


async def test_past_and_pointless_edits_are_refused(app: App) -> None:
    """An override in the past, or one that changes nothing, says why and stores nothing."""
    past = await oncall(app, "/oncall override @dana 2026-11-01")
    assert "is over already" in past.reply_text
    same = await oncall(app, "/oncall override @alice 2026-12-03")
    assert "changes nobody's shifts" in same.reply_text
    assert "No overrides" in (await oncall(app, "/oncall edits")).reply_text


async def test_in_a_rotations_channel_that_rotation_is_meant(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """With two rotations, `/oncall` lists both, or the one whose channel it is typed in."""
    sre = {**MAINTAINERS, "name": "sre", "members": [CAROL, DANA], "channel": {"console": "#sre"}}
    app = await oncall_app(tmp_path / "two.db", clock, chat, rotation=[MAINTAINERS, sre])
    try:
        both = (await oncall(app, "/oncall")).reply_text
        assert "maintainers · on call now" in both
        assert "sre · on call now" in both
        here = (await oncall(app, "/oncall", channel="#sre")).reply_text
        assert "maintainers" not in here
        assert "Primary: @carol · Backup: @dana" in here
        named = (await oncall(app, "/oncall sre schedule 1")).reply_text
        assert named.startswith("🗓 sre")
    finally:
        await app.close()


async def test_bad_input_changes_nothing_and_says_what_is_valid(app: App) -> None:
    """Unknown commands and bad dates get a reply naming what is valid."""
    outcome = await oncall(app, "/oncall overide @dana 2026-12-24")
    assert not outcome.ok
    assert "Use one of: now, schedule, override" in outcome.reply_text
    assert "YYYY-MM-DD" in (await oncall(app, "/oncall override @dana tomorrow")).reply_text
