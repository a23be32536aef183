"""A person (or tool) as a value: `platform:id`, parsed once where it enters, stored as is.

A `Person` *is* its stored text (`slack:U01ALICE`, `discord:1234`, `console:sam`,
`email:carol@example.com`, `api:alertmanager`): a `str` subclass, so dict keys, JSON, the
stores and comparisons with plain strings stay what they were. It is built at the edge (chat
adapters, config, the store codec, the HTTP API, the CLI) and checked there once; everything
past that point reads `platform`, `id` and `handle` instead of splitting text.

Forms:

* `slack:U…`, `discord:<digits>`, `console:<name>`: people in a chat platform.
* `email:carol@example.com` (a bare `carol@example.com` reads as that): a rotation member the
  Slack adapter resolves by email. The address is lower-cased.
* `api:<name>`: a tool acting through the HTTP API (`api:alertmanager`); `SEVBOT` is the bot.
* `alerts:<name>`: an alert source posting to the alert hooks (`alerts:prometheus`), a tool too.

Chat platforms' mention markup is not read here: each adapter rewrites its own first.

Never a person: the broadcast words `@here`, `@channel` and `@everyone` (on any platform), and
groups (`slack-group:S0SRE`, a Slack user group; `discord-role:123`, a Discord role), which
adapters write in that neutral form. Control, bidi and zero-width characters are removed before
anything is checked, so that what a handle shows is who it is.
"""

from __future__ import annotations

import re

from incidents.text import strip_invisible

EMAIL = "email"
TOOL = "api"
ALERTS = "alerts"
TOOLS = frozenset({TOOL, ALERTS})
"""Platforms of tools (the HTTP API's clients, the alert sources): never addressed as people."""
BROADCASTS = frozenset({"here", "channel", "everyone"})
"""Words that notify a whole channel or server, on every platform: `@here` is no one person."""
GROUP_PLATFORMS = frozenset({"slack-group", "discord-role"})
"""Identities of groups of people (`slack-group:S0SRE`, `discord-role:123`), never a person."""
_PLATFORM = re.compile(r"^[a-z][a-z0-9_-]*$")
_ID = re.compile(r"^[^\s<>|]+$")
_EMAIL = re.compile(r"^[^@\s:<>|]+@[^@\s:<>|]+\.[^@\s:<>|]+$")
_HINT = "use platform:id, e.g. slack:U01ALICE, discord:1234, console:sam or carol@example.com"
ONE_PERSON = "name one person, like @sam"


def not_one_person(token: str) -> str | None:
    """Why a name or mention (`@here`, `everyone`, `@slack-group:S0SRE`) means no single person,
    as the start of a refusal (`` `@here` is not a person``); None when it may be one."""
    return _not_one_person(strip_invisible(token, keep_joiners=False).strip())


def _not_one_person(text: str) -> str | None:
    name = text.removeprefix("@")
    platform, sep, ident = name.partition(":")
    if not sep:
        platform, ident = "", name
    if ident.lower() in BROADCASTS:
        return f"`@{ident}` is not a person"
    if platform.lower() in GROUP_PLATFORMS:
        return f"`@{name}` is a group, not a person"
    return None


class Person(str):
    """Who did or is meant by something, as `platform:id`; immutable, validated when built."""

    __slots__ = ()

    def __new__(cls, text: str) -> Person:
        """Check and normalise `text` (`slack:U1`, `carol@example.com`…); ValueError if bad."""
        if isinstance(text, Person):
            return text
        if not isinstance(text, str):
            raise TypeError(f"A person is text like slack:U01ALICE, not {type(text).__name__}.")
        value = strip_invisible(text, keep_joiners=False).strip()
        refusal = _not_one_person(value)
        if refusal is not None:
            raise ValueError(f"{refusal}; {ONE_PERSON}.")
        if ":" not in value and _EMAIL.match(value):
            return super().__new__(cls, f"{EMAIL}:{value.lower()}")
        platform, sep, ident = value.partition(":")
        platform = platform.lower()
        if not sep or not _PLATFORM.match(platform) or not _ID.match(ident):
            raise ValueError(f"`{value}` is not a person; {_HINT}.")
        if platform == EMAIL:
            if not _EMAIL.match(ident):
                raise ValueError(
                    f"`{value}` is not an email address, e.g. email:carol@example.com."
                )
            ident = ident.lower()
        return super().__new__(cls, f"{platform}:{ident}")

    @classmethod
    def of(cls, platform: str, ident: str) -> Person:
        """The person `ident` on `platform`: `Person.of("slack", "U1")` is `slack:U1`."""
        return cls(f"{platform}:{ident}")

    @classmethod
    def stored(cls, text: str) -> Person:
        """A person read back from a store, as written: checked when it entered, not again.

        Rows written before this type existed (say an API actor with a space) still load.
        """
        return text if isinstance(text, Person) else str.__new__(cls, text)

    @classmethod
    def parse(cls, text: str, *, bare: str) -> Person:
        """Like `Person(text)`, but text without a platform (`alertmanager`) is `bare:text`."""
        value = strip_invisible(text, keep_joiners=False).strip()
        return cls(value) if ":" in value else cls.of(bare, value)

    @property
    def platform(self) -> str:
        """`slack` for `slack:U1`; `email` for rotation members known by address."""
        return self.partition(":")[0]

    @property
    def id(self) -> str:
        """The platform's own id: `U1` for `slack:U1`, the address for `email:…`."""
        return self.partition(":")[2]

    @property
    def handle(self) -> str:
        """How the person reads in plain text (logs, timeline, console): `@U01ALICE`."""
        return "@" + self.id

    @property
    def is_tool(self) -> bool:
        """True for tools acting through the API (`api:alertmanager`), alert sources
        (`alerts:prometheus`) and the bot itself."""
        return self.platform in TOOLS


SEVBOT = Person.of(TOOL, "sevbot")
"""The bot itself, as the actor of what its timers do."""


__all__ = [
    "ALERTS",
    "BROADCASTS",
    "EMAIL",
    "GROUP_PLATFORMS",
    "ONE_PERSON",
    "SEVBOT",
    "TOOL",
    "TOOLS",
    "Person",
    "not_one_person",
]
