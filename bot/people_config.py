"""`[[person]]`, `[mirror]` and `default_platform` in sevbot.toml: who is who across platforms,
and which platforms every incident lives on.

```toml
default_platform = "slack"          # where API and alert incidents live without [mirror]

[[person]]
name = "Ana Lima"
slack = "U01ANA"
discord = "123456789012345678"
email = "ana@example.com"
github = "ana-lima"                 # her GitHub login: issues sevbot opens for her are assigned
page_on = ["slack", "discord"]      # where pages and direct messages reach her (default: all)

[mirror]
platforms = ["slack", "discord"]    # every incident lives on these platforms
relay_messages = true               # relay what people write in the incident channels
```

A rotation's members, `[access]` lists may name a person by `name` or by any identity:
`resolve_people` rewrites each to the person's canonical identity before those settings are
checked, so the rest of sevbot compares identities and never names.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from bot.settings_model import BaseModel, Field, ValidationError, field_validator
from incidents.directory import PeopleDirectory, PersonEntry
from incidents.people import Person

MIRROR_PLATFORMS = ("slack", "discord", "console")
PAGE_PLATFORMS = ("slack", "discord")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_DISCORD_USER = re.compile(r"^\d{15,21}$")
_GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")


class PersonSettings(BaseModel):
    """One `[[person]]` table: a name and the person's identities on each platform."""

    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    name: str
    slack: str | None = None
    discord: str | None = None
    email: str | None = None
    github: str | None = None
    page_on: list[str] | None = None

    @field_validator("discord", mode="before")
    @classmethod
    def _discord_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value  # a TOML integer is fine

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        name = " ".join(value.split())
        if not name or ":" in name or "@" in name:
            raise ValueError(
                f"`{value}` is not a person's name; use the name people know them by, "
                'without `:` or `@`, e.g. name = "Ana Lima"'
            )
        return name

    @field_validator("slack")
    @classmethod
    def _slack(cls, value: str | None) -> str | None:
        if value is not None and not _SLACK_USER.match(value.strip()):
            raise ValueError(f'`{value}` is not a Slack user id; use e.g. slack = "U01ANA"')
        return None if value is None else value.strip()

    @field_validator("discord")
    @classmethod
    def _discord(cls, value: str | None) -> str | None:
        if value is not None and not _DISCORD_USER.match(value.strip()):
            raise ValueError(
                f"`{value}` is not a Discord user id; use the digits Developer Mode copies, "
                'e.g. discord = "123456789012345678"'
            )
        return None if value is None else value.strip()

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            person: Person | None = Person(value)
        except ValueError:
            person = None
        if person is None or person.platform != "email":
            raise ValueError(
                f'`{value}` is not an email address; use e.g. email = "ana@example.com"'
            )
        return person.id

    @field_validator("github")
    @classmethod
    def _github(cls, value: str | None) -> str | None:
        if value is not None and not _GITHUB_LOGIN.match(value.strip().removeprefix("@")):
            raise ValueError(f'`{value}` is not a GitHub login; use e.g. github = "ana-lima"')
        return None if value is None else value.strip().removeprefix("@")

    @field_validator("page_on")
    @classmethod
    def _page_on(cls, value: list[str] | None) -> list[str] | None:
        for platform in value or ():
            if platform not in PAGE_PLATFORMS:
                raise ValueError(
                    f"`{platform}` is not a platform to page on; use {', '.join(PAGE_PLATFORMS)}"
                )
        return value

    def identities(self) -> tuple[Person, ...]:
        """Slack, Discord, then email: the first one given is the canonical identity."""
        found = []
        if self.slack:
            found.append(Person.of("slack", self.slack))
        if self.discord:
            found.append(Person.of("discord", self.discord))
        if self.email:
            found.append(Person.of("email", self.email))
        return tuple(found)

    def to_entry(self) -> PersonEntry:
        """The core's entry; ValueError (a DirectoryError) when it cannot work."""
        return PersonEntry(
            name=self.name,
            identities=self.identities(),
            page_on=tuple(self.page_on or ()),
            github=self.github,
        )


class MirrorSettings(BaseModel):
    """`[mirror]`: every incident lives on these platforms, one channel on each."""

    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    platforms: list[str] = Field(default_factory=list)
    relay_messages: bool = False

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, value: list[str]) -> list[str]:
        for platform in value:
            if platform not in MIRROR_PLATFORMS:
                raise ValueError(
                    f"`{platform}` is not a chat platform; use {', '.join(MIRROR_PLATFORMS)}"
                )
        if len(set(value)) != len(value) or len(value) < 2:
            raise ValueError(
                "[mirror] platforms names two or more different platforms, e.g. "
                'platforms = ["slack", "discord"]'
            )
        return value


def directory_of(people: list[PersonSettings]) -> PeopleDirectory:
    """The people directory of the `[[person]]` tables (ValueError when they clash)."""
    return PeopleDirectory(person.to_entry() for person in people)


def check_default_platform(value: str | None) -> str | None:
    """`default_platform` is a chat platform's name (whether it runs is checked at start)."""
    if value is not None and value not in MIRROR_PLATFORMS:
        raise ValueError(f"`{value}` is not a chat platform; use {', '.join(MIRROR_PLATFORMS)}")
    return value


def resolve_people(data: Any) -> Any:
    """Settings as read, with each person a rotation or `[access]` names by `name` or by an
    identity of a `[[person]]` written as that person's canonical identity. Anything else
    is left for its own setting to accept or refuse."""
    if not isinstance(data, dict) or not data.get("person"):
        return data
    try:
        directory = directory_of(
            [
                p if isinstance(p, PersonSettings) else PersonSettings.model_validate(p)
                for p in data["person"]
            ]
        )
    except (ValidationError, ValueError, TypeError):
        return data  # `person` reports what is wrong with it
    resolved = dict(data)
    rotations = resolved.get("rotation")
    if isinstance(rotations, list):
        resolved["rotation"] = [_rotation(directory, r) for r in rotations]
    access = resolved.get("access")
    if isinstance(access, dict):
        resolved["access"] = _people_in(directory, access, ("admins", "declare"))
    return resolved


def _rotation(directory: PeopleDirectory, rotation: Any) -> Any:
    return (
        _people_in(directory, rotation, ("members", "backups"))
        if isinstance(rotation, dict)
        else rotation
    )


def _people_in(directory: PeopleDirectory, table: dict[str, Any], keys: tuple[str, ...]) -> Any:
    changed = dict(table)
    for key in keys:
        listed = changed.get(key)
        if isinstance(listed, list):
            changed[key] = [_canonical(directory, item) for item in listed]
    return changed


def _canonical(directory: PeopleDirectory, item: Any) -> Any:
    if not isinstance(item, str):
        return item
    entry = directory.entry(item)
    return str(entry.key) if entry is not None else item


__all__ = [
    "MirrorSettings",
    "PersonSettings",
    "check_default_platform",
    "directory_of",
    "resolve_people",
]
