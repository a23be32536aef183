"""People's names as the chat platforms show them, kept in the store and refreshed when stale.

Chat adapters tell the name book who acted, after the acknowledgement, never before it:
Discord sends the name with every interaction (`heard`); Slack is asked with `users.info`
(`refresh`), at most once a day per person (`incidents.names.STALE_AFTER`). Views read the
names back for the people they show (`names_of`, or `NameRecords.person_names` inside a
transaction). Everything here is best effort: a name that cannot be fetched or stored leaves
the person shown by id, and never fails what they asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta

from incidents.names import STALE_AFTER, PersonName, clean_name
from incidents.people import Person
from incidents.ports import Clock, NameReads, Store

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(hours=1)
"""After asking for a name in vain (unknown user, platform error), how long before asking again."""

AskName = Callable[[], Awaitable[str | None]]
"""Asks the platform for one person's name (Slack's `users.info`); None when it has none."""


class NameBook:
    """What the platforms said people are called: kept in the store, remembered per process."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        max_age: timedelta = STALE_AFTER,
        configured: Mapping[Person, str] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._max_age = max_age
        # `[[person]] name`s: what the platforms say never replaces them (`keep_configured`).
        self._configured = dict(configured or {})
        self._known: dict[Person, PersonName] = {}  # read or written by this process
        self._asked_in_vain: dict[Person, datetime] = {}  # when the platform had no answer

    async def heard(self, person: Person, raw_name: str | None) -> None:
        """The platform named the person just now (Discord, with each interaction): kept when
        it is new, changed or stale; nothing is written when the name is known and fresh."""
        name = clean_name(raw_name)
        if name is None or person in self._configured:
            return
        known = await self._kept(person)
        now = self._clock.now()
        if known is not None and known.name == name and not known.stale(now, self._max_age):
            return
        await self._keep(PersonName(person=person, name=name, refreshed_at=now))

    async def refresh(self, person: Person, ask: AskName) -> None:
        """Ask the platform for the person's name (Slack's `users.info`) when none is kept or
        it is stale, and keep the answer. A failed or empty answer is not asked again for
        RETRY_AFTER."""
        if person in self._configured:
            return
        now = self._clock.now()
        known = await self._kept(person)
        if known is not None and not known.stale(now, self._max_age):
            return
        tried = self._asked_in_vain.get(person)
        if tried is not None and now - tried < RETRY_AFTER:
            return
        try:
            name = clean_name(await ask())
        except Exception as error:  # any platform failure: the person stays shown by id
            log.info("could not ask for the name of %s: %s", person, error)
            name = None
        if name is None:
            self._asked_in_vain[person] = now
            return
        self._asked_in_vain.pop(person, None)
        await self._keep(PersonName(person=person, name=name, refreshed_at=now))

    async def names_of(self, people: Iterable[Person]) -> dict[Person, str]:
        """The names kept for `people` (outside any transaction); {} when the store fails."""
        wanted = set(people)
        if not wanted:
            return {}
        try:
            async with self._store.transaction() as uow:
                return await names_in(uow, wanted)
        except Exception as error:  # the view shows ids instead
            log.warning("could not read people's names: %s", error)
            return {}

    async def _kept(self, person: Person) -> PersonName | None:
        """The name this process knows, else the store's (None when the store fails)."""
        if person in self._known:
            return self._known[person]
        try:
            async with self._store.transaction() as uow:
                found = (await uow.person_names([person])).get(person)
        except Exception as error:  # asked again, or heard again, next time
            log.warning("could not read the name of %s: %s", person, error)
            return None
        if found is not None:
            self._known[person] = found
        return found

    async def _keep(self, name: PersonName) -> None:
        try:
            async with self._store.transaction() as uow:
                await uow.remember_name(name)
        except Exception as error:  # kept next time the person acts
            log.warning("could not keep the name of %s: %s", name.person, error)
            return
        self._known[name.person] = name


async def keep_configured(store: Store, names: Mapping[Person, str], now: datetime) -> None:
    """Keep the `[[person]]` names at start-up, as fresh as can be: views read them as any
    other name, and the name book never asks a platform for these people."""
    if not names:
        return
    async with store.transaction() as uow:
        for person, name in names.items():
            await uow.remember_name(PersonName(person=person, name=name, refreshed_at=now))


async def names_in(records: NameReads, people: Iterable[Person]) -> dict[Person, str]:
    """`Names` for `people`, read in the caller's transaction."""
    wanted = set(people)
    if not wanted:
        return {}
    return {person: kept.name for person, kept in (await records.person_names(wanted)).items()}
