"""The status page's records on SQLite and PostgreSQL: scheduled maintenance, components' first
sight, and what incidents say in public (update numbers and titles, component statuses)."""

from __future__ import annotations

import json
from dataclasses import replace

from incidents import commands as c
from incidents.components import ComponentStatus, StatusPagePolicy
from incidents.handlers import execute
from incidents.maintenance import Maintenance
from incidents.model import Incident
from incidents.people import Person
from tests.contract.backends import AnyStore, Backend
from tests.contract.builders import MARIA, POLICY, SAM, T0, declare, minutes

PAGE_POLICY = replace(POLICY, status_page=StatusPagePolicy(components=("API", "Checkout")))


def planned(title: str, start: int, end: int, *components: str) -> Maintenance:
    """Planned work from `start` to `end` minutes after T0 (its id is the store's to give)."""
    return Maintenance(
        id=0,
        title=title,
        starts_at=T0 + minutes(start),
        ends_at=T0 + minutes(end),
        components=components,
        created_at=T0,
        created_by=Person(MARIA),
    )


def public_incident() -> Incident:
    """A SEV-1 saying API is degraded, with an internal and two external updates, one titled."""
    incident = declare(1).incident
    for command in (
        c.SetComponentStatus(component="api", status=ComponentStatus.DEGRADED_PERFORMANCE),
        c.PostStatusUpdate(text="internal"),
        c.PostStatusUpdate(text="Looking", external=True),
        c.PostStatusUpdate(text="Found it", external=True, title="Degraded checkout"),
    ):
        incident = execute(incident, command, actor=SAM, now=T0, policy=PAGE_POLICY).incident
    return incident


async def test_maintenance_round_trips_and_old_work_drops_off(store: AnyStore) -> None:
    """Stored planned work reads back whole with the ids given; work that ended before the
    window asked for is left out."""
    async with store.transaction() as uow:
        first = await uow.add_maintenance(planned("Database upgrade", 60, 120, "API", "Checkout"))
        second = await uow.add_maintenance(planned("Cache flush", 10, 20))
    assert second > first
    async with store.transaction() as uow:
        everything = await uow.maintenances_since(T0)
        recent = await uow.maintenances_since(T0 + minutes(30))
    assert everything == [
        replace(planned("Database upgrade", 60, 120, "API", "Checkout"), id=first),
        replace(planned("Cache flush", 10, 20), id=second),
    ]
    assert [m.id for m in recent] == [first]
    assert everything[0].starts_at.tzinfo is not None


async def test_components_keep_the_time_they_were_first_seen(store: AnyStore) -> None:
    """Registering again leaves a known component's time; a new one gets the later time."""
    async with store.transaction() as uow:
        await uow.register_components(["API", "Checkout"], T0)
    async with store.transaction() as uow:
        await uow.register_components(["API", "Checkout", "Dashboard"], T0 + minutes(90))
        created = await uow.components_created()
    assert created == {"API": T0, "Checkout": T0, "Dashboard": T0 + minutes(90)}


async def test_what_an_incident_says_in_public_round_trips(store: AnyStore) -> None:
    """Update numbers and titles and the incident's component statuses survive the store."""
    incident = public_incident()
    async with store.transaction() as uow:
        await uow.save(incident)
    async with store.transaction() as uow:
        loaded = await uow.load(1)
    assert loaded == incident
    assert [(u.external, u.number, u.title) for u in incident.status_updates] == [
        (False, 1, None),
        (True, 1, None),
        (True, 2, "Degraded checkout"),
    ]
    assert [(i.name, i.status.value) for i in incident.components] == [
        ("API", "degraded_performance")
    ]


async def test_updates_stored_before_they_were_numbered_get_their_place(
    store: AnyStore, backend: Backend
) -> None:
    """A state written by an earlier version (no numbers, titles or components) loads with
    each update numbered by its place among those of its kind, as it would have been."""
    async with store.transaction() as uow:
        await uow.save(public_incident())
    [(raw,)] = await backend.fetch("SELECT state FROM incidents WHERE number = 1")
    state = json.loads(raw) if isinstance(raw, str) else dict(raw)
    for update in state["status_updates"]:
        del update["number"]
        update.pop("title", None)
    del state["components"]
    await backend.fetch(
        "UPDATE incidents SET state = ? WHERE number = 1", json.dumps(state, ensure_ascii=False)
    )
    async with store.transaction() as uow:
        loaded = await uow.load(1)
    assert loaded is not None
    assert [(u.external, u.number) for u in loaded.status_updates] == [
        (False, 1),
        (True, 1),
        (True, 2),
    ]
    assert loaded.components == ()
