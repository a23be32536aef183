"""A private incident in the store, on SQLite and PostgreSQL: the flag survives, old rows load
as public, and the open incidents keep it."""

from __future__ import annotations

import json

from incidents import commands as c
from incidents.handlers import open_incident
from incidents.model import Incident
from incidents.severity import Severity
from tests.contract.backends import AnyStore, Backend
from tests.contract.builders import MARIA, ONCALL, POLICY, T0, act, declare, minutes


def private_incident(number: int) -> Incident:
    """A private SEV-1 declared by maria, acknowledged, with an external update."""
    incident = open_incident(
        c.OpenIncident(severity=Severity.SEV1, title="Payroll export leaks", private=True),
        number=number,
        actor=MARIA,
        now=T0,
        policy=POLICY,
        oncall=ONCALL,
    ).incident
    incident = act(incident, c.Acknowledge(), at=T0 + minutes(2))
    return act(incident, c.PostStatusUpdate(text="On it", external=True), at=T0 + minutes(3))


async def stored_state(backend: Backend, number: int) -> dict[str, object]:
    """The incident's stored state as JSON, read with raw SQL."""
    [(state,)] = await backend.fetch("SELECT state FROM incidents WHERE number = ?", number)
    loaded: dict[str, object] = json.loads(state) if isinstance(state, str) else dict(state)
    return loaded


async def test_a_private_incident_round_trips(store: AnyStore, backend: Backend) -> None:
    """Saved and loaded, it is still private (and equal); a public one is still public."""
    private = private_incident(1)
    public = declare(2).incident
    async with store.transaction() as uow:
        await uow.save(private)
        await uow.save(public)
    async with store.transaction() as uow:
        loaded = await uow.load(1)
        other = await uow.load(2)
        listed = {i.number: i.private for i in await uow.open_incidents()}
    assert loaded == private
    assert loaded is not None
    assert loaded.private
    assert other is not None
    assert not other.private
    assert listed == {1: True, 2: False}
    assert (await stored_state(backend, 1))["private"] is True


async def test_an_incident_stored_before_the_flag_loads_as_public(
    store: AnyStore, backend: Backend
) -> None:
    """A state written by an earlier version (no `private` key) reads as not private."""
    async with store.transaction() as uow:
        await uow.save(declare(1).incident)
    if backend.name == "postgres":
        await backend.fetch("UPDATE incidents SET state = state - 'private' WHERE number = 1")
    else:
        await backend.fetch(
            "UPDATE incidents SET state = json_remove(state, '$.private') WHERE number = 1"
        )
    assert "private" not in await stored_state(backend, 1)
    async with store.transaction() as uow:
        loaded = await uow.load(1)
    assert loaded is not None
    assert loaded.private is False
    assert loaded.title == "Checkout is failing (1)"
