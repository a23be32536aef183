"""Alert groups, storm-guard states and heartbeats on both stores (migration 0010)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from incidents.alerts.heartbeat import HeartbeatState
from incidents.alerts.model import Alert, AlertGroup, AlertStatus
from incidents.alerts.storm import StormState
from incidents.messages import Audience, Button, Message, MessageKind
from incidents.people import Person
from tests.contract.backends import AnyStore
from tests.contract.builders import T0, declare, minutes

FIRING = Alert(
    fingerprint="a1",
    status=AlertStatus.FIRING,
    labels=(("alertname", "HighLatency"), ("instance", "db-1")),
    annotations=(("summary", "Latency high"),),
    starts_at=T0,
    dashboard_url="https://grafana/d/1",
    values=(("B", "44.2"),),
)


async def test_a_group_is_stored_found_by_key_id_and_incident(store: AnyStore) -> None:
    """A saved group comes back whole by (source, key) and by id, and is listed under the
    incident it follows; saving again updates the same row."""
    group = AlertGroup(
        source="prometheus",
        key='{}:{alertname="HighLatency"}',
        alerts=(FIRING,),
        group_labels=(("alertname", "HighLatency"),),
        first_seen=T0,
        card_at=T0,
        acknowledged_by=Person("slack:U1"),
    )
    async with store.transaction() as uow:
        await uow.save(declare(1).incident)
        saved = await uow.save_alert_group(group, T0)
    assert saved.id > 0
    async with store.transaction() as uow:
        found = await uow.alert_group("prometheus", group.key)
        assert found == saved
        assert await uow.alert_group_by_id(saved.id) == saved
        assert await uow.alert_group("prometheus", "other") is None
        moved = await uow.save_alert_group(replace(saved, incident=1, card_at=None), T0)
    assert moved.id == saved.id
    async with store.transaction() as uow:
        assert [g.id for g in await uow.alert_groups_of(1)] == [saved.id]
        assert await uow.alert_groups_of(2) == []


async def test_groups_to_silence_are_the_silenced_and_those_of_open_incidents(
    store: AnyStore,
) -> None:
    """Listed: a silenced group, and one whose incident is not closed; not: a group without an
    incident, or of another source."""
    async with store.transaction() as uow:
        await uow.save(declare(1).incident)
        open_group = await uow.save_alert_group(
            AlertGroup(source="prometheus", key="g1", incident=1), T0
        )
        silenced = await uow.save_alert_group(
            AlertGroup(source="prometheus", key="g2", incident=9, silence_id="abc"), T0
        )
        await uow.save_alert_group(AlertGroup(source="prometheus", key="g3"), T0)
        await uow.save_alert_group(AlertGroup(source="grafana", key="g4", incident=1), T0)
    async with store.transaction() as uow:
        listed = await uow.alert_groups_to_silence(["prometheus"])
        assert [g.id for g in listed] == [open_group.id, silenced.id]
        assert await uow.alert_groups_to_silence([]) == []


async def test_storm_state_starts_empty_and_is_kept(store: AnyStore) -> None:
    """A source's storm state is empty the first time, and what was saved after."""
    async with store.transaction() as uow:
        assert await uow.storm_state("prometheus") == StormState(source="prometheus")
        state = StormState(source="prometheus", openings=(T0, T0 + minutes(1)), incident=4)
        await uow.save_storm_state(state)
    async with store.transaction() as uow:
        assert await uow.storm_state("prometheus") == state


async def test_heartbeats_are_kept(store: AnyStore) -> None:
    """A heartbeat never watched is None; its state comes back as saved, and updated."""
    async with store.transaction() as uow:
        assert await uow.heartbeat("watchdog") is None
        state = HeartbeatState(name="watchdog", watched_since=T0)
        await uow.save_heartbeat(state)
        pinged = replace(state, last_ping_at=T0 + timedelta(minutes=3))
        await uow.save_heartbeat(pinged)
    async with store.transaction() as uow:
        assert await uow.heartbeat("watchdog") == pinged


async def test_an_alert_card_keeps_its_group_in_the_outbox(store: AnyStore) -> None:
    """An alert card's group id and buttons survive the outbox."""
    card = Message(
        kind=MessageKind.ALERT_CARD,
        audience=Audience.ONCALL,
        text=("card",),
        buttons=(Button.ACKNOWLEDGE_ALERT, Button.DECLARE_INCIDENT),
        alert=7,
    )
    async with store.transaction() as uow:
        await uow.enqueue([card], platform="console", now=T0)
    (item,) = await store.claim_outbox(T0, T0 + minutes(1), 10, sender="t")
    assert item.message == card
