"""`[access]` and `[[api_client]]` in `sevbot.toml`: who is an admin, who may declare, and the
named API tokens with their verbs. The rules that use them are `incidents.access`."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from bot.settings_model import BaseModel, Field, field_validator
from incidents.access import DEFAULT_API_VERBS, Verb, is_group
from incidents.people import Person

_PRINCIPAL_HINT = (
    "use a person (slack:U01ALICE, discord:1234, console:sam, carol@example.com), "
    "a Slack user group (slack-group:S0SRE) or a Discord role (discord-role:1234)"
)


def _principal(text: str) -> str:
    """A person or a group, as `[access]` lists them; ValueError naming the valid forms."""
    value = text.strip()
    if is_group(value):
        kind, _, ident = value.partition(":")
        if not ident or not ident.replace("_", "").isalnum():
            raise ValueError(f"`{text}` is not a {kind}; {_PRINCIPAL_HINT}")
        return value
    try:
        return str(Person(value))
    except ValueError:
        raise ValueError(f"`{text}` is not a person or group; {_PRINCIPAL_HINT}") from None


class AccessSettings(BaseModel):
    """`[access]`: admins, and who may declare incidents (unset: everyone)."""

    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    admins: list[str] = Field(default_factory=list)
    declare: list[str] | None = None

    @field_validator("admins", "declare")
    @classmethod
    def _principals(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [_principal(item) for item in value]


class ApiClientSettings(BaseModel):
    """`[[api_client]]`: a named API token (kept in the environment) and the verbs it may use."""

    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    name: str
    token_env: str
    may: list[str] = Field(default_factory=lambda: sorted(v.value for v in DEFAULT_API_VERBS))

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value or not all(ch.isalnum() or ch in "-_." for ch in value) or len(value) > 64:
            raise ValueError(
                f"`{value}` is not an API client name; use letters, digits, `-`, `_` or `.`, "
                "e.g. alertmanager"
            )
        return value

    @field_validator("may")
    @classmethod
    def _verbs(cls, value: list[str]) -> list[str]:
        valid = {verb.value for verb in Verb}
        for verb in value:
            if verb not in valid:
                raise ValueError(
                    f"`{verb}` is not a verb an API client may use; use some of: "
                    + ", ".join(sorted(valid))
                )
        return value

    def token(self) -> str:
        """The token, from the environment variable `token_env`; ValueError when unset."""
        value = os.environ.get(self.token_env, "").strip()
        if not value:
            raise ValueError(
                f"API client `{self.name}`: the environment variable {self.token_env} "
                "(its token_env) is not set; set it to the client's token"
            )
        return value
