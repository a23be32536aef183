"""`[status_page]` settings: the public page's name and look, which severities show, its
components and the title shown until someone publishes one."""

from __future__ import annotations

from typing import Any, ClassVar

from bot.settings_model import BaseModel, Field, field_validator
from incidents.components import DEFAULT_PUBLIC_TITLE, StatusPagePolicy
from incidents.errors import DomainError
from incidents.severity import Severity, parse_severity
from incidents.text import has_visible, strip_invisible

MAX_COMPONENT_NAME = 80


def _severity(text: str) -> Severity:
    try:
        return parse_severity(text)
    except DomainError as error:
        raise ValueError(error.message) from None


class StatusPageSettings(BaseModel):
    """The public status page: its name, logo text, display zone, which severities show, its
    components (in page order) and the neutral title of an incident nobody titled publicly."""

    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    title: str = "Service status"
    logo_text: str = "Status"
    timezone: str = "UTC"
    public_severities: list[str] = Field(default_factory=lambda: ["sev0", "sev1", "sev2"])
    components: list[str] = Field(default_factory=list)
    default_title: str = DEFAULT_PUBLIC_TITLE

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"`{value}` is not an IANA time zone, e.g. UTC or Europe/Oslo"
            ) from None
        return value

    @field_validator("public_severities")
    @classmethod
    def _severities(cls, value: list[str]) -> list[str]:
        for level in value:
            _severity(level)
        return value

    @field_validator("components")
    @classmethod
    def _components(cls, value: list[str]) -> list[str]:
        names = [" ".join(strip_invisible(name).split()) for name in value]
        for name in names:
            if not has_visible(name) or len(name) > MAX_COMPONENT_NAME:
                raise ValueError(
                    f"a component needs a name of 1 to {MAX_COMPONENT_NAME} characters, "
                    'e.g. components = ["API", "Checkout", "Dashboard"]'
                )
            if any(mark in name for mark in ',"“”'):
                raise ValueError(
                    f"`{name}`: a component's name has no commas or quotes (the commands "
                    'list components as `--component "API,Checkout"`)'
                )
        folded = [name.casefold() for name in names]
        twice = sorted({name for name in names if folded.count(name.casefold()) > 1})
        if twice:
            raise ValueError(f"component names must differ (ignoring case): {twice}")
        return names

    @field_validator("default_title")
    @classmethod
    def _default_title(cls, value: str) -> str:
        title = " ".join(strip_invisible(value).split())
        if not has_visible(title) or len(title) > 200:
            raise ValueError('a title of 1 to 200 characters, e.g. "Service disruption"')
        return title

    def severities(self) -> frozenset[Severity]:
        """The severities shown publicly."""
        return frozenset(_severity(level) for level in self.public_severities)

    def policy(self) -> StatusPagePolicy:
        """What the core needs of these settings."""
        return StatusPagePolicy(
            components=tuple(self.components),
            default_title=self.default_title,
            public_severities=self.severities(),
        )
