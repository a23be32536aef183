"""On-call settings: `[[rotation]]` tables and `page` in sevbot.toml, checked at start-up.

```toml
page = "maintainers"            # or per severity: page = { sev0 = "sre", sev1 = "maintainers" }

[[rotation]]
name = "maintainers"
members = ["slack:U01ALICE", "slack:U02BOB", "discord:123456789012345678", "carol@example.com"]
length = "1w"                   # 1d, 2w …
handoff = "MON 09:00 UTC"       # weekday + time + IANA zone
start = 2026-01-05              # the first handoff date
channel = { slack = "C0ONCALL", discord = "123456789012345678" }
backups = []                    # a separate backup list (default: the next member)
reminder = "1h"                 # DM the incoming primary this long before ("none": no DM)
feed_token = "…"                # optional: GET /oncall/maintainers.ics?token=…
```
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, ClassVar, TypeVar

from bot.durations import parse_duration
from bot.settings_model import (
    BaseModel,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from incidents.errors import DomainError
from incidents.oncall.rotation import (
    DAY,
    Rotation,
    RotationError,
    member_identity,
    parse_handoff,
)
from incidents.people import Person
from incidents.severity import Severity, parse_severity

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
PLATFORMS = ("slack", "discord", "console")
T = TypeVar("T")


def _domain(call: Callable[..., T], *args: Any) -> T:
    """Run a core parser, its error becoming the ValueError that names the setting."""
    try:
        return call(*args)
    except DomainError as error:
        raise ValueError(error.message) from None


class RotationSettings(BaseModel):
    """One `[[rotation]]` table."""

    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    name: str
    members: list[str] = Field(min_length=1)
    start: date
    length: str = "1w"
    handoff: str = "MON 09:00 UTC"
    backups: list[str] = Field(default_factory=list)
    channel: dict[str, str | int] = Field(default_factory=dict)
    reminder: str = "1h"
    feed_token: SecretStr | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                f"`{value}` is not a rotation name; use letters, digits, - and _ "
                "(it appears in /oncall commands and the calendar URL), e.g. `maintainers`"
            )
        return value

    @field_validator("members", "backups")
    @classmethod
    def _people(cls, value: list[str]) -> list[str]:
        return [_domain(member_identity, person) for person in value]  # Person values

    @field_validator("length")
    @classmethod
    def _length(cls, value: str) -> str:
        span = parse_duration(value)
        if span < DAY or span % DAY:
            raise ValueError(f"`{value}` is not a shift length; use whole days: 1d, 1w, 2w …")
        return value

    @field_validator("handoff")
    @classmethod
    def _handoff(cls, value: str) -> str:
        _domain(parse_handoff, value)
        return value

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: dict[str, str | int]) -> dict[str, str | int]:
        for platform in value:
            if platform not in PLATFORMS:
                raise ValueError(
                    f"`{platform}` is not a chat platform; use "
                    f'{", ".join(PLATFORMS)}, e.g. channel = {{ slack = "C0ONCALL" }}'
                )
        return value

    @field_validator("reminder")
    @classmethod
    def _reminder(cls, value: str) -> str:
        if value.strip().lower() not in ("none", "off", "0"):
            parse_duration(value)
        return value

    @model_validator(mode="after")
    def _whole(self) -> RotationSettings:
        self.to_rotation()
        return self

    def to_rotation(self) -> Rotation:
        """The core's rotation; a RotationError becomes a ValueError naming the problem."""
        off = self.reminder.strip().lower() in ("none", "off", "0")
        return _domain(
            lambda: Rotation(
                name=self.name,
                members=tuple(Person(member) for member in self.members),
                start=self.start,
                length=parse_duration(self.length),
                handoff=parse_handoff(self.handoff),
                backups=tuple(Person(backup) for backup in self.backups),
                channels={platform: str(ident) for platform, ident in self.channel.items()},
                reminder=None if off else parse_duration(self.reminder),
            )
        )


def check_page(value: str | dict[str, str] | None, info: ValidationInfo) -> None:
    """`page` names configured rotations (per severity, if a table)."""
    if value is None or "rotation" not in info.data:
        return  # a bad [[rotation]] is reported on its own
    names = [r.name for r in info.data["rotation"]]
    if not names:
        raise ValueError("`page` names a rotation, but no [[rotation]] is configured")
    targets = value.values() if isinstance(value, dict) else [value]
    if isinstance(value, dict):
        for level in value:
            _domain(parse_severity, level)
    for target in targets:
        if target not in names:
            raise ValueError(
                f"`{target}` is not a configured rotation; use one of: {', '.join(names)}"
            )


def page_map(
    rotations: Sequence[RotationSettings], page: str | Mapping[str, str] | None
) -> dict[Severity, str]:
    """Which rotation each severity pages: as configured, else the first rotation."""
    if not rotations:
        return {}
    default = page if isinstance(page, str) else rotations[0].name
    mapping = {severity: default for severity in Severity}
    if isinstance(page, Mapping):
        for level, name in page.items():
            mapping[parse_severity(level)] = name
    return mapping


def names_unique(rotations: Sequence[RotationSettings]) -> None:
    """Two rotations may not share a name."""
    seen: set[str] = set()
    for rotation in rotations:
        if rotation.name in seen:
            raise ValueError(f"two [[rotation]] tables are named `{rotation.name}`; rename one")
        seen.add(rotation.name)


__all__ = [
    "RotationError",
    "RotationSettings",
    "check_page",
    "names_unique",
    "page_map",
]
