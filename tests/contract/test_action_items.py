"""Store queries for action items and metrics, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from incidents import commands as c
from incidents.model import Incident
from incidents.phase import Phase
from incidents.severity import Severity
from tests.contract.backends import AnyStore
from tests.contract.builders import LI, SAM, T0, act, declare, minutes


def with_items(number: int, owners: list[str | None], done: set[int]) -> Incident:
    """Incident `number` with one action item per owner; the item numbers in `done` are done."""
    incident = declare(number).incident
    for index, owner in enumerate(owners, start=1):
        incident = act(incident, c.AddActionItem(text=f"item {index}", owner=owner), at=T0)
    for item in sorted(done):
        incident = act(incident, c.CompleteActionItem(number=item), at=T0 + minutes(1))
    return incident


async def test_incidents_with_open_action_items(store: AnyStore) -> None:
    """Incidents with an item not done, closed ones included, by number; others left out."""
    closed = act(with_items(3, [SAM], set()), c.Resolve(), at=T0 + minutes(5))
    closed = act(closed, c.Close(force=True), at=T0 + minutes(6))
    async with store.transaction() as uow:
        await uow.save(with_items(1, [SAM, None], {1}))
        await uow.save(with_items(2, [LI], {1}))
        await uow.save(closed)
        await uow.save(declare(4).incident)
    async with store.transaction() as uow:
        found = await uow.incidents_with_open_action_items()
        count = await uow.count_open_action_items()
    assert [incident.number for incident in found] == [1, 3]
    assert found[1].phase is Phase.CLOSED
    assert count == 2


async def test_no_action_items_anywhere(store: AnyStore) -> None:
    """An empty store, or incidents without items: nothing listed, a count of zero."""
    async with store.transaction() as uow:
        assert await uow.incidents_with_open_action_items() == []
        assert await uow.count_open_action_items() == 0
        await uow.save(declare(1).incident)
        assert await uow.incidents_with_open_action_items() == []
        assert await uow.count_open_action_items() == 0


async def test_count_open_incidents_by_severity_and_phase(store: AnyStore) -> None:
    """Counts not-closed incidents per (severity, phase); closed ones are left out."""
    triage = act(declare(2).incident, c.ChangePhase(phase=Phase.TRIAGE), at=T0 + minutes(3))
    closed = act(declare(4, severity=Severity.SEV3).incident, c.Resolve(), at=T0 + minutes(5))
    closed = act(closed, c.Close(), at=T0 + minutes(6))
    async with store.transaction() as uow:
        await uow.save(declare(1).incident)
        await uow.save(triage)
        await uow.save(declare(3, severity=Severity.SEV2).incident)
        await uow.save(closed)
    async with store.transaction() as uow:
        counts = await uow.count_open_incidents()
    assert counts == {
        (Severity.SEV1, Phase.DETECTION): 1,
        (Severity.SEV1, Phase.TRIAGE): 1,
        (Severity.SEV2, Phase.DETECTION): 1,
    }
