"""Alerts in, the pure part: the storm guard, heartbeat due times, silence decisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from incidents import commands as c
from incidents.alerts import storm
from incidents.alerts.heartbeat import (
    HeartbeatRules,
    HeartbeatState,
    back_notification,
    due_at,
    is_silent,
    pinged,
    silenced,
    silent_notification,
)
from incidents.alerts.model import AlertGroup
from incidents.alerts.silence import SilenceStep, silence_step
from tests.unit.helpers import MARIA, act, declare

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
WATCHDOG = HeartbeatRules(
    name="prometheus-watchdog", expect_every=timedelta(minutes=5), grace=timedelta(minutes=2)
)


def test_the_storm_guard_counts_openings_in_the_last_minute() -> None:
    """With a limit of 2, a third opening within a minute is a storm; a minute later it is not;
    no limit is never a storm."""
    state = storm.StormState(source="p")
    state = storm.opened(storm.opened(state, T0), T0 + timedelta(seconds=10))
    assert storm.in_storm(state, 2, T0 + timedelta(seconds=20))
    assert not storm.in_storm(state, 3, T0 + timedelta(seconds=20))
    assert not storm.in_storm(state, 2, T0 + timedelta(seconds=61))
    assert not storm.in_storm(state, None, T0)
    assert storm.opened(state, T0 + timedelta(minutes=5)).openings == (T0 + timedelta(minutes=5),)


def test_a_heartbeat_is_silent_after_expect_every_plus_grace() -> None:
    """Pinged at 03:12: due at 03:19; not silent at 03:18:59, silent at 03:19, and once it is
    declared silent it is not declared again."""
    state = pinged(HeartbeatState(name=WATCHDOG.name, watched_since=T0), T0 + timedelta(minutes=12))
    assert due_at(state, WATCHDOG) == T0 + timedelta(minutes=19)
    assert not is_silent(state, WATCHDOG, T0 + timedelta(minutes=18, seconds=59))
    assert is_silent(state, WATCHDOG, T0 + timedelta(minutes=19))
    assert not is_silent(silenced(state, T0), WATCHDOG, T0 + timedelta(hours=1))


def test_a_silent_heartbeat_says_since_when_and_the_next_ping_says_it_is_back() -> None:
    """`prometheus-watchdog silent since 03:12`; the next ping resolves it after 28 min."""
    state = pinged(HeartbeatState(name=WATCHDOG.name, watched_since=T0), T0 + timedelta(minutes=12))
    fired = silent_notification(WATCHDOG, state, T0 + timedelta(minutes=19))
    assert fired.alerts[0].annotation("summary") == "prometheus-watchdog silent since 03:12"
    assert fired.alerts[0].firing
    back = back_notification(WATCHDOG, state, T0 + timedelta(minutes=40))
    assert not back.alerts[0].firing
    assert "after 28 min of silence" in (back.alerts[0].annotation("summary") or "")


def test_silences_are_made_while_acknowledged_and_expired_once_resolved() -> None:
    """CREATE for an acknowledged active incident; nothing without an acknowledgement or
    labels; EXPIRE once resolved; a silence that ended by itself is made again."""
    incident = declare(number=1, at=T0).incident
    group = AlertGroup(source="p", key="g", incident=1, group_labels=(("alertname", "X"),))
    assert silence_step(group, incident, T0) is None
    acked = act(incident, c.Acknowledge(), at=T0)
    assert silence_step(group, acked, T0) is SilenceStep.CREATE
    assert silence_step(replace(group, group_labels=()), acked, T0) is None
    silenced_group = replace(
        group, silence_id="s1", silenced_for=1, silenced_until=T0 + timedelta(hours=24)
    )
    assert silence_step(silenced_group, acked, T0) is None
    assert silence_step(silenced_group, acked, T0 + timedelta(hours=25)) is SilenceStep.CREATE
    resolved = act(acked, c.Resolve(), at=T0 + timedelta(hours=1), actor=MARIA)
    assert silence_step(silenced_group, resolved, T0) is SilenceStep.EXPIRE
