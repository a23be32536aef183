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

Chat platforms' mention markup is not read here: each adapter rewrites its own first.
"""

from __future__ import annotations

import re

EMAIL = "email"
TOOL = "api"
_PLATFORM = re.compile(r"^[a-z][a-z0-9_-]*$")
_ID = re.compile(r"^[^\s<>|]+$")
_EMAIL = re.compile(r"^[^@\s:<>|]+@[^@\s:<>|]+\.[^@\s:<>|]+$")
_HINT = "use platform:id, e.g. slack:U01ALICE, discord:1234, console:sam or carol@example.com"


class Person(str):
    """Who did or is meant by something, as `platform:id`; immutable, validated when built."""

    __slots__ = ()

    def __new__(cls, text: str) -> Person:
        """Check and normalise `text` (`slack:U1`, `carol@example.com`…); ValueError if bad."""
        if isinstance(text, Person):
            return text
        if not isinstance(text, str):
            raise TypeError(f"A person is text like slack:U01ALICE, not {type(text).__name__}.")
        value = text.strip()
        if ":" not in value and _EMAIL.match(value):
            return super().__new__(cls, f"{EMAIL}:{value.lower()}")
        platform, sep, ident = value.partition(":")
        platform = platform.lower()
        if not sep or not _PLATFORM.match(platform) or not _ID.match(ident):
            raise ValueError(f"`{text}` is not a person; {_HINT}.")
        if platform == EMAIL:
            if not _EMAIL.match(ident):
                raise ValueError(f"`{text}` is not an email address, e.g. email:carol@example.com.")
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
        value = text.strip()
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
        """True for tools acting through the API (`api:alertmanager`) and the bot itself."""
        return self.platform == TOOL


SEVBOT = Person.of(TOOL, "sevbot")
"""The bot itself, as the actor of what its timers do."""


__all__ = ["EMAIL", "SEVBOT", "TOOL", "Person"]
