"""People's names on both stores: kept per platform and id, refreshed, never rolled back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incidents.names import PersonName
from incidents.people import Person
from tests.contract.backends import AnyStore, Backend

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MARIA = Person("slack:U0MARIA")
SAM = Person("discord:1300000000000000005")


def named(person: Person, name: str, at: datetime = T0) -> PersonName:
    """A name heard at `at`."""
    return PersonName(person=person, name=name, refreshed_at=at)


async def test_names_are_kept_per_person_and_read_back_as_written(store: AnyStore) -> None:
    """A kept name reads back with its time; people without one, and other platforms' people
    with the same id, are left out."""
    hostile = "María 👩‍💻 <@U0ADMIN> *bold* ‮"
    async with store.transaction() as uow:
        await uow.remember_name(named(MARIA, "María García"))
        await uow.remember_name(named(SAM, hostile))
    async with store.transaction() as uow:
        found = await uow.person_names(
            [MARIA, SAM, Person("slack:U0LI"), Person("discord:U0MARIA")]
        )
        assert await uow.person_names([]) == {}
    assert found == {MARIA: named(MARIA, "María García"), SAM: named(SAM, hostile)}
    assert found[MARIA].refreshed_at.tzinfo is not None


async def test_a_newer_name_replaces_an_older_one_and_not_the_other_way(store: AnyStore) -> None:
    """A refresh replaces the name and its time; a name heard earlier (another replica, late)
    does not overwrite a later one."""
    async with store.transaction() as uow:
        await uow.remember_name(named(MARIA, "maria"))
        await uow.remember_name(named(MARIA, "María", T0 + timedelta(days=1)))
        await uow.remember_name(named(MARIA, "old maria", T0 + timedelta(hours=1)))
    async with store.transaction() as uow:
        assert (await uow.person_names([MARIA]))[MARIA] == named(
            MARIA, "María", T0 + timedelta(days=1)
        )


async def test_many_people_are_read_in_one_call(store: AnyStore) -> None:
    """More people than one query takes (batches of 500) all come back."""
    people = [Person.of("slack", f"U{index:05d}") for index in range(1200)]
    async with store.transaction() as uow:
        for index, person in enumerate(people):
            await uow.remember_name(named(person, f"Person {index}"))
    async with store.transaction() as uow:
        found = await uow.person_names(people)
    assert len(found) == len(people)
    assert found[people[1100]].name == "Person 1100"


async def test_the_table_has_the_columns_of_migration_8(store: AnyStore, backend: Backend) -> None:
    """Rows are (platform, id, name, refreshed_at): the id without its platform prefix."""
    async with store.transaction() as uow:
        await uow.remember_name(named(SAM, "sam"))
    rows = await backend.fetch("SELECT platform, id, name FROM person_names")
    assert rows == [("discord", "1300000000000000005", "sam")]
