"""Properties over random scenarios: random severities, commands and clock steps.

Each example builds the real application (SQLite, scheduler, outbox, a weekly rotation with a
holiday) on a fake clock and plays a random sequence of commands and waits, firing every timer
at its own due time. Then, whatever happened:
- no timer fired twice (the same incident, key and due time);
- every page went to the person holding that role at that moment;
- no announcement named a deadline that was not running;
- the review's met/missed marks agree with the phase breaches announced in chat.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.oncall.config import RotationSettings
from incidents.events import Event, TimerFired
from incidents.messages import Audience, Message, MessageKind
from incidents.model import Incident
from incidents.oncall.schedule import holders_at
from incidents.review import Verdict, review_facts
from tests.fakes import RecordingChat

START = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # a Thursday afternoon
PEOPLE = ("console:sam", "console:li", "console:ana", "console:bo")
ROTATION = RotationSettings(
    name="maintainers",
    members=["console:sam", "console:li", "console:ana"],
    start=date(2026, 11, 30),
)
VERBS = (
    "open sev0 Checkout down",
    "open sev1 Logins slow",
    "open sev2 Search degraded",
    "open sev3 Export late",
    "ack {n}",
    "status {n} Looking",
    "status --external {n} We are on it",
    "sev {n} sev0",
    "sev {n} sev1",
    "sev {n} sev3",
    "phase {n} triage",
    "phase {n} investigation",
    "phase {n} mitigation",
    "phase {n} resolution",
    "phase {n} post-incident",
    "ic {n} @sam",
    "resolve {n} Fixed",
    "review done {n} https://wiki.example.com/pm",
    "close {n}",
)
HOLIDAYS = [date(2026, 12, 7)]
SETTINGS = {"rotation": [ROTATION], "policy": {"holidays": HOLIDAYS}}
POLICY = Settings(database_url="sqlite:///unused.db", **SETTINGS).domain_policy()
WAITS = st.sampled_from([1, 4, 10, 14, 29, 31, 59, 61, 3 * 60, 9 * 60, 26 * 60])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), WAITS, st.just("")),
        st.tuples(
            st.sampled_from(PEOPLE),
            st.integers(min_value=1, max_value=3),
            st.sampled_from(VERBS),
        ),
    ),
    min_size=3,
    max_size=16,
)


@dataclass
class Run:
    """What one random scenario did."""

    posted: list[tuple[datetime, Message, Incident | None]] = field(default_factory=list)
    fired: list[TimerFired] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    end: datetime = START  # the clock when the scenario ended


async def _play(steps: list[tuple[object, int, str]]) -> Run:
    run = Run()
    chat = RecordingChat()
    clock = FakeClock(START)

    def observe(event: Event) -> None:
        if isinstance(event, TimerFired):
            run.fired.append(event)

    with tempfile.TemporaryDirectory() as folder:
        app = await build_app(
            Settings(database_url=f"sqlite:///{folder}/p.db", **SETTINGS),
            clock=clock,
            chats=[chat],
            event_handlers=[observe],
        )
        try:
            for who, n, verb in steps:
                if who == "wait":
                    await _advance(app, clock, clock.now() + timedelta(minutes=n), chat, run)
                    continue
                text = "/incident " + verb.format(n=n)
                await app.service.handle_text(text, actor=str(who), platform="console")
                await _deliver(app, clock, chat, run)
            await _advance(app, clock, clock.now() + timedelta(hours=2), chat, run)
            run.end = clock.now()
            async with app.store.transaction() as uow:
                run.incidents = await uow.incidents_since(START - timedelta(days=1))
        finally:
            await app.close()
    return run


async def _deliver(app: App, clock: FakeClock, chat: RecordingChat, run: Run) -> None:
    """Deliver what is due; stamp each new message with the time and its incident then."""
    seen = len(chat.delivered)
    await app.dispatcher.deliver_due()
    for item in chat.delivered[seen:]:
        number = item.message.incident
        incident = await app.service.load(number) if number is not None else None
        run.posted.append((clock.now(), item.message, incident))


async def _advance(
    app: App, clock: FakeClock, until: datetime, chat: RecordingChat, run: Run
) -> None:
    while True:
        next_due = await app.store.next_timer_due()
        if next_due is None or next_due > until:
            break
        clock.set(max(next_due, clock.now()))
        await app.scheduler.fire_due()
        await _deliver(app, clock, chat, run)
    clock.set(until)


def _play_sync(steps: list[tuple[object, int, str]]) -> Run:
    return asyncio.run(_play(steps))


PROPERTY = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


def check_no_timer_fires_twice(run: Run) -> None:
    """The same timer (incident, key, due time) never fires twice."""
    fired = Counter((f.number, f.key, f.due_at) for f in run.fired)
    assert [key for key, count in fired.items() if count > 1] == []


_ROLE = re.compile(r"You are paged \((primary|backup|everyone)\b")


def check_every_page_goes_to_who_holds_the_role_then(run: Run) -> None:
    """A page's recipient holds the role it names at the moment it is sent."""
    rotation = ROTATION.to_rotation()
    for at, message, _ in run.posted:
        if message.audience is not Audience.DIRECT or message.kind not in (
            MessageKind.PAGE,
            MessageKind.ESCALATION,
        ):
            continue
        role = _ROLE.search(message.plain_text())
        shift = holders_at(rotation, [], at)
        assert role is not None, message.plain_text()
        assert shift is not None, at
        holders = {
            "primary": {shift.primary},
            "backup": {shift.backup},
            "everyone": set(rotation.everyone),
        }[role.group(1)]
        assert message.recipient in holders, (at, role.group(1), message.recipient)


_ACK_DEADLINE = re.compile(r"acknowledge(d)? by|Response target now|Escalates to|Pages @")


def check_announcements_name_only_running_deadlines(run: Run) -> None:
    """Once acknowledged or resolved, nothing announces an acknowledgement deadline; before
    resolution nothing announces a review deadline."""
    for at, message, incident in run.posted:
        if incident is None or message.audience is Audience.DIRECT:
            continue
        text = message.plain_text()
        if incident.acknowledged_at is not None or not incident.is_active:
            assert not _ACK_DEADLINE.search(text), (at, message.kind, text)
        if incident.resolved_at is None:
            assert "Review due" not in text, (at, message.kind, text)


def check_review_marks_agree_with_announced_breaches(run: Run) -> None:
    """The phases the review marks missed are exactly those whose breach chat announced."""
    for incident in run.incidents:
        announced = {
            _phase_of(message)
            for _, message, _ in run.posted
            if message.kind is MessageKind.PHASE_BREACH and message.incident == incident.number
        }
        facts = review_facts(incident, POLICY, incident.closed_at or run.end)
        missed = {span.phase.value for span in facts.phases if span.verdict is Verdict.MISSED}
        assert missed == announced, (incident.number, missed, announced)


_BREACH = re.compile(r"the ([a-z-]+) window ended", re.IGNORECASE)


def _phase_of(message: Message) -> str:
    found = _BREACH.search(message.plain_text())
    assert found is not None, message.plain_text()
    return found.group(1).lower()


@PROPERTY
@given(STEPS)
def test_random_scenarios_keep_every_invariant(steps: list[tuple[object, int, str]]) -> None:
    """Whatever people do and however the clock moves, the four invariants hold (each random
    scenario is played once and checked for all of them: playing it is the slow part)."""
    run = _play_sync(steps)
    check_no_timer_fires_twice(run)
    check_every_page_goes_to_who_holds_the_role_then(run)
    check_announcements_name_only_running_deadlines(run)
    check_review_marks_agree_with_announced_breaches(run)


def test_the_checks_have_pages_and_breaches_to_look_at() -> None:
    """A fixed scenario across a weekend and a handoff produces pages, escalations and
    breaches, and passes every check (so the checks above are not vacuous)."""
    friday_evening = 26 * 60  # Thursday 15:00 + 26 h = Friday 17:00
    run = _play_sync(
        [
            ("wait", friday_evening, ""),
            ("console:bo", 1, "open sev3 Export late"),
            ("console:bo", 2, "open sev1 Logins slow"),
            ("wait", 61, ""),
            ("wait", 3 * 24 * 60, ""),
            ("console:ana", 1, "ack {n}"),
        ]
    )
    kinds = Counter(message.kind for _, message, _ in run.posted)
    assert kinds[MessageKind.PAGE] >= 1
    assert kinds[MessageKind.ESCALATION] >= 1
    assert kinds[MessageKind.PHASE_BREACH] >= 1
    assert run.fired
    check_no_timer_fires_twice(run)
    check_every_page_goes_to_who_holds_the_role_then(run)
    check_announcements_name_only_running_deadlines(run)
    check_review_marks_agree_with_announced_breaches(run)
