"""The people directory: one person known by several identities (`[[person]]` in sevbot.toml).

Identities are values (`incidents.people.Person`: `slack:U01ANA`, `discord:1234`); the same
human may have one on each platform and an email address. A `PersonEntry` ties them together
under a `name`, with the platforms where pages and direct messages reach them (`page_on`;
default: every platform they are known on). An identity in no entry is a person of its own.

The first identity of an entry is its *canonical* one, the key the core records and compares
(who acknowledged, who is incident commander, rotation members, `[access]` lists): everything
that enters the core from any platform is made canonical once (`canonical`,
`canonical_request`), so "is this the same person" is plain equality past that point. On the
way out the router asks `identity_on` for each platform's own identity (a mention that pings,
a direct message) and `page_platforms` for where a page goes.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any, TypeVar

from incidents.people import EMAIL, Person

EMAIL_RESOLVER = "slack"
"""The platform that resolves an email address to one of its users (Slack's
`users.lookupByEmail`); a person known only by email is reached there."""
R = TypeVar("R")


class DirectoryError(ValueError):
    """A `[[person]]` table that cannot work: a name or identity twice, a bad `page_on`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonEntry:
    """One person: a name, identities (the first is the canonical one), where pages go."""

    name: str
    identities: tuple[Person, ...]
    page_on: tuple[str, ...] = ()
    github: str | None = None  # their GitHub login: issues sevbot opens for them are assigned

    def __post_init__(self) -> None:
        if not self.identities:
            raise DirectoryError(f"`{self.name}` needs at least one identity (slack, discord…)")
        known = self.platforms
        for platform in self.page_on:
            if platform not in known:
                raise DirectoryError(
                    f"`{self.name}`: page_on names {platform}, where they have no identity; "
                    f"use {', '.join(known)}"
                )

    @property
    def key(self) -> Person:
        """The canonical identity: what the core records for this person."""
        return self.identities[0]

    @property
    def platforms(self) -> tuple[str, ...]:
        """The platforms this person can be reached on, in the order of their identities (an
        email address reaches them on Slack, which resolves it)."""
        found: dict[str, None] = {}
        for identity in self.identities:
            found.setdefault(EMAIL_RESOLVER if identity.platform == EMAIL else identity.platform)
        return tuple(found)

    def on(self, platform: str) -> Person | None:
        """Their identity on `platform`; on Slack an email address stands in for a user id."""
        for identity in self.identities:
            if identity.platform == platform:
                return identity
        if platform == EMAIL_RESOLVER:
            return next((i for i in self.identities if i.platform == EMAIL), None)
        return None


class PeopleDirectory:
    """Every `[[person]]`: look a person up by any identity or by name (case-insensitive)."""

    def __init__(self, entries: Iterable[PersonEntry] = ()) -> None:
        self._entries: tuple[PersonEntry, ...] = tuple(entries)
        self._by_identity: dict[Person, PersonEntry] = {}
        self._by_name: dict[str, PersonEntry] = {}
        self._by_github: dict[str, PersonEntry] = {}  # by login, case-folded
        for entry in self._entries:
            folded = entry.name.casefold()
            if folded in self._by_name:
                raise DirectoryError(f"two [[person]] tables are named `{entry.name}`")
            self._by_name[folded] = entry
            login = (entry.github or "").casefold()
            if login and login in self._by_github:
                raise DirectoryError(
                    f"GitHub login `{entry.github}` is in two [[person]] tables: "
                    f"`{self._by_github[login].name}` and `{entry.name}`; one person, one login"
                )
            if login:
                self._by_github[login] = entry
            for identity in entry.identities:
                other = self._by_identity.get(identity)
                if other is not None:
                    raise DirectoryError(
                        f"{identity} is in two [[person]] tables: `{other.name}` and "
                        f"`{entry.name}`; one person, one table"
                    )
                self._by_identity[identity] = entry

    def __bool__(self) -> bool:
        return bool(self._entries)

    @property
    def entries(self) -> tuple[PersonEntry, ...]:
        """Every person, in the configured order."""
        return self._entries

    def entry(self, who: str) -> PersonEntry | None:
        """The person an identity (`discord:1234`, `ana@example.com`) or a name belongs to."""
        found = self._by_name.get(who.strip().casefold())
        if found is not None:
            return found
        try:
            return self._by_identity.get(Person(who))
        except ValueError:
            return None

    def canonical(self, person: Person) -> Person:
        """The identity the core records for `person` (itself when in no entry)."""
        entry = self._by_identity.get(person)
        return person if entry is None else entry.key

    def resolve(self, text: str) -> Person:
        """A name or an identity as written in configuration → the canonical identity;
        ValueError (the core's wording) when it is neither."""
        entry = self._by_name.get(text.strip().casefold())
        return entry.key if entry is not None else self.canonical(Person(text))

    def same(self, one: Person, other: Person) -> bool:
        """Whether two identities are the same person."""
        return self.canonical(one) == self.canonical(other)

    def identity_on(self, person: Person, platform: str) -> Person | None:
        """`person`'s own identity on `platform`, if they have one there."""
        entry = self._by_identity.get(person)
        if entry is not None:
            return entry.on(platform)
        person = Person.stored(person)  # a mention built from plain text still reads
        return person if person.platform == platform else None

    def github_login(self, person: Person) -> str | None:
        """`person`'s GitHub login (`[[person]] github`), if configured."""
        entry = self._by_identity.get(person)
        return None if entry is None else entry.github

    def by_github(self, login: str) -> PersonEntry | None:
        """Whose `[[person]] github` is `login` (GitHub logins are case-insensitive)."""
        return self._by_github.get(login.casefold())

    def name_of(self, person: Person) -> str | None:
        """The configured name of whoever `person` is, if any."""
        entry = self._by_identity.get(person)
        return None if entry is None else entry.name

    def names(self) -> Mapping[Person, str]:
        """Configured names by canonical identity (they win over what platforms say)."""
        return {entry.key: entry.name for entry in self._entries}

    def page_platforms(self, person: Person, running: Sequence[str]) -> list[tuple[str, Person]]:
        """Where a page or direct message to `person` goes: (platform, their identity there)
        for each of their `page_on` platforms that runs (default: every platform they are
        known on). Empty for a person in no entry, or with no identity where sevbot runs."""
        entry = self._by_identity.get(person)
        if entry is None:
            return []
        wanted = entry.page_on or entry.platforms
        routed = [(p, entry.on(p)) for p in wanted if p in running]
        if not any(identity for _, identity in routed):  # page_on names nothing running
            routed = [(p, entry.on(p)) for p in entry.platforms if p in running]
        return [(platform, identity) for platform, identity in routed if identity is not None]

    def canonical_request(self, request: R) -> R:
        """A request (a frozen dataclass) with every person in it made canonical: the user an
        `ic` names, an action item's owner, a pinned message's author …"""
        if not self._by_identity or not is_dataclass(request) or isinstance(request, type):
            return request
        changes: dict[str, Any] = {}
        for field in fields(request):
            value = getattr(request, field.name)
            canonical = self._canonical_value(value)
            if canonical is not value:
                changes[field.name] = canonical
        return replace(request, **changes) if changes else request

    def _canonical_value(self, value: object) -> object:
        if isinstance(value, Person):
            canonical = self.canonical(value)
            return value if canonical == value else canonical
        if isinstance(value, tuple) and any(isinstance(item, Person) for item in value):
            return tuple(self._canonical_value(item) for item in value)
        return value


NOBODY = PeopleDirectory()
"""The directory without any `[[person]]`: every identity is a person of its own."""


__all__ = [
    "EMAIL_RESOLVER",
    "NOBODY",
    "DirectoryError",
    "PeopleDirectory",
    "PersonEntry",
]
