"""Reads for queries outside a transaction (`Store.reading`): the open incidents as they are."""

from __future__ import annotations

from incidents import commands as c
from tests.contract.backends import AnyStore, Backend
from tests.contract.builders import T0, act, closed, declare, eventful, minutes


async def test_reading_lists_the_open_incidents_as_a_transaction_does(store: AnyStore) -> None:
    """`reading().open_incidents()` gives the incidents not closed, by number, equal to what a
    transaction's `open_incidents` gives, timelines included."""
    async with store.transaction() as uow:
        await uow.save(eventful(3))
        await uow.save(closed(1))
        await uow.save(declare(2).incident)
    async with store.reading() as reads:
        found = await reads.open_incidents()
    async with store.transaction() as uow:
        assert found == await uow.open_incidents()
    assert [incident.number for incident in found] == [2, 3]
    assert found[1] == eventful(3)


async def test_reading_again_gives_the_unchanged_incidents_as_they_were_decoded(
    store: AnyStore,
) -> None:
    """An incident that did not change is handed out again as the same object; one that did
    (a new timeline entry, a changed state) is read anew, and a closed one drops out."""
    first, second, third = declare(1).incident, declare(2).incident, declare(3).incident
    async with store.transaction() as uow:
        for incident in (first, second, third):
            await uow.save(incident)
    async with store.reading() as reads:
        before = await reads.open_incidents()
    noted = act(second, c.AddNote(text="Paused the batch"), at=T0 + minutes(5))
    async with store.transaction() as uow:
        await uow.save(noted)
        await uow.save(closed(3))
    async with store.reading() as reads:
        after = await reads.open_incidents()
    assert [incident.number for incident in after] == [1, 2]
    assert after[0] is before[0]
    assert after[1] == noted
    acknowledged = act(noted, c.Acknowledge(), at=T0 + minutes(6))
    async with store.transaction() as uow:
        await uow.save(acknowledged)
    async with store.reading() as reads:
        assert await reads.open_incidents() == [first, acknowledged]


async def test_reading_leaves_out_entries_appended_after_the_incident_row(
    store: AnyStore, backend: Backend
) -> None:
    """Timeline rows beyond the row's `timeline_length` (a transaction that appended them
    and had not yet updated the row when the read ran) are not part of the incident read."""
    incident = declare(1).incident
    async with store.transaction() as uow:
        await uow.save(incident)
    later = act(incident, c.AddNote(text="Paused the batch"), at=T0 + minutes(5))
    async with store.transaction() as uow:
        await uow.save(later)
    await backend.fetch(
        "UPDATE incidents SET timeline_length = ? WHERE number = 1", len(incident.timeline)
    )
    async with store.reading() as reads:
        [read] = await reads.open_incidents()
    assert read.timeline == incident.timeline
