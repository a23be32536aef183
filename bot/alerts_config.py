"""`[[alert_source]]` and `[[heartbeat]]` in `sevbot.toml`: where alerts come from, their tokens
(kept in the environment), how their severities map and what they open. The rules that use
them are `incidents.alerts`.

```toml
[[alert_source]]
name = "prometheus"
kind = "alertmanager"                 # or "events"
token_env = "SEVBOT_ALERT_TOKEN_PROMETHEUS"
severity_label = "severity"
severities = { critical = "sev1", error = "sev2", warning = "sev3" }
open_incident = ["sev0", "sev1", "sev2"]
rotation = "maintainers"
auto_resolve = false
max_incidents_per_minute = 5
alertmanager_url = "http://alertmanager:9093"   # optional: silence on acknowledge

[[alert_source]]
name = "github"
kind = "github"                       # GitHub webhook deliveries at /hooks/github
secret_env = "SEVBOT_GITHUB_WEBHOOK_SECRET"
branches = ["main"]                   # default: each repository's default branch
severities = { critical = "sev0", high = "sev1", ci_failure = "sev2", medium = "digest:daily", low = "digest:weekly" }

[[heartbeat]]
name = "prometheus-watchdog"
token_env = "SEVBOT_HEARTBEAT_TOKEN"
expect_every = "5m"
grace = "2m"
severity = "sev1"
```
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

from bot.durations import parse_duration
from bot.settings_model import BaseModel, Field, ValidationInfo, field_validator, model_validator
from incidents.alerts.github import (
    DEFAULT_LEVELS,
    LEVELS,
    SECRET_SCANNING,
    GitHubRules,
    Route,
    parse_digest,
)
from incidents.alerts.heartbeat import HeartbeatRules
from incidents.alerts.model import DEFAULT_OPEN, DEFAULT_SEVERITIES, SourceRules
from incidents.errors import DomainError
from incidents.severity import Severity, parse_severity

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_NAME_HINT = "use letters, digits, `-`, `_` or `.` (it is part of the hook's URL), e.g. prometheus"


def _severity(text: str) -> Severity:
    try:
        return parse_severity(text)
    except DomainError as error:
        raise ValueError(error.message) from None


def _name(value: str, what: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"`{value}` is not {what} name; {_NAME_HINT}")
    return value


def _token(name: str, token_env: str, what: str, secret: str = "") -> str:
    value = os.environ.get(token_env, "").strip()
    if not value:
        if secret:
            raise ValueError(
                f"{what} `{name}`: the environment variable {token_env} (its secret_env) is not "
                f"set; set it to {secret} (the Secret of the repository's webhook)"
            )
        raise ValueError(
            f"{what} `{name}`: the environment variable {token_env} (its token_env) is not set; "
            "set it to the token the sender puts in `Authorization: Bearer …`"
        )
    return value


def _token_of(route: Route) -> str:
    return route.token if isinstance(route, Severity) else f"digest:{route.value}"


def _route(text: str) -> Route:
    """A GitHub level's destination: a severity, or `digest:daily` / `digest:weekly`."""
    try:
        cadence = parse_digest(text)
    except ValueError:
        raise ValueError(
            f"`{text}` is not a digest; use digest:daily or digest:weekly (or a severity)"
        ) from None
    return cadence if cadence is not None else _severity(text)


GITHUB_LEVELS = (*LEVELS, SECRET_SCANNING)


class AlertSourceSettings(BaseModel):
    """One `[[alert_source]]`: a monitoring tool posting to `/hooks/alertmanager` (Alertmanager,
    Grafana) or `/hooks/events` (the Events API shape) with its own token, or GitHub posting
    signed deliveries to `/hooks/github` (`kind = "github"`, `secret_env`, `branches`)."""

    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    name: str
    kind: Literal["alertmanager", "events", "github"] = "alertmanager"
    token_env: str | None = None
    secret_env: str | None = None  # github: the webhook secret's variable
    branches: list[str] | None = None  # github: whose workflows count (default branch)
    severity_label: str = "severity"
    severities: dict[str, str] = Field(
        default_factory=lambda: {k: v.token for k, v in DEFAULT_SEVERITIES.items()}
    )
    open_incident: list[str] = Field(
        default_factory=lambda: [s.token for s in sorted(DEFAULT_OPEN)]
    )
    rotation: str | None = None
    auto_resolve: bool = False
    max_incidents_per_minute: int | None = Field(default=None, ge=1)
    alertmanager_url: str | None = None

    @field_validator("name")
    @classmethod
    def _source_name(cls, value: str) -> str:
        return _name(value, "an alert source")

    @field_validator("severities")
    @classmethod
    def _severities(cls, value: dict[str, str]) -> dict[str, str]:
        for level in value.values():
            _route(level)
        return value

    @model_validator(mode="after")
    def _by_kind(self) -> AlertSourceSettings:
        """A GitHub source has a secret, levels of its own and resolves by itself; others
        have a token and map severities only."""
        if self.kind == "github":
            if self.secret_env is None:
                raise ValueError(
                    f'alert source `{self.name}` (kind = "github") needs secret_env, the '
                    "environment variable holding the webhook's secret"
                )
            if "severities" not in self.model_fields_set:
                self.severities = {key: _token_of(to) for key, to in DEFAULT_LEVELS.items()}
            unknown = sorted(set(self.severities) - set(GITHUB_LEVELS))
            if unknown:
                raise ValueError(
                    f"alert source `{self.name}`: severities has no level {', '.join(unknown)}; "
                    f"use {', '.join(GITHUB_LEVELS)}"
                )
            if "auto_resolve" not in self.model_fields_set:
                self.auto_resolve = True  # the next green run resolves a CI failure
            return self
        if self.token_env is None:
            raise ValueError(f"alert source `{self.name}` needs token_env")
        for key in ("secret_env", "branches"):
            if getattr(self, key) is not None:
                raise ValueError(f'alert source `{self.name}`: {key} is for kind = "github"')
        for level in self.severities.values():
            if parse_digest(level) is not None:
                raise ValueError(
                    f'alert source `{self.name}`: {level} is for kind = "github"; map to a severity'
                )
        return self

    @field_validator("open_incident")
    @classmethod
    def _open(cls, value: list[str]) -> list[str]:
        for level in value:
            _severity(level)
        return value

    @field_validator("alertmanager_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(
                f"`{value}` is not Alertmanager's address; use e.g. http://alertmanager:9093"
            )
        return value.rstrip("/") if value else value

    def token(self) -> str:
        """The source's token (a GitHub source's webhook secret), from `token_env` (or
        `secret_env`); ValueError when unset."""
        if self.kind == "github":
            assert self.secret_env is not None
            return _token(self.name, self.secret_env, "Alert source", "the webhook's secret")
        assert self.token_env is not None
        return _token(self.name, self.token_env, "Alert source")

    def github_rules(self) -> GitHubRules:
        """A GitHub source's branches and where each level goes."""
        return GitHubRules(
            name=self.name,
            branches=tuple(self.branches or ()),
            levels={key: _route(level) for key, level in self.severities.items()},
        )

    def rules(self) -> SourceRules:
        """The domain's rules for this source."""
        severities = {
            key: level
            for key, level in ((k, _route(v)) for k, v in self.severities.items())
            if isinstance(level, Severity)
        }
        return SourceRules(
            name=self.name,
            severity_label=self.severity_label,
            severities=severities,
            open_incident=frozenset(_severity(level) for level in self.open_incident),
            rotation=self.rotation,
            auto_resolve=self.auto_resolve,
            max_incidents_per_minute=self.max_incidents_per_minute,
            silences=self.alertmanager_url is not None,
        )


class HeartbeatSettings(BaseModel):
    """One `[[heartbeat]]`: a dead man's switch pinging `/hooks/heartbeat/<name>`."""

    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    name: str
    token_env: str
    expect_every: str = "5m"
    grace: str = "2m"
    severity: str = "sev1"
    rotation: str | None = None

    @field_validator("name")
    @classmethod
    def _heartbeat_name(cls, value: str) -> str:
        return _name(value, "a heartbeat")

    @field_validator("expect_every", "grace")
    @classmethod
    def _span(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("severity")
    @classmethod
    def _level(cls, value: str) -> str:
        _severity(value)
        return value

    def token(self) -> str:
        """The heartbeat's token, from `token_env`; ValueError when unset."""
        return _token(self.name, self.token_env, "Heartbeat")

    def rules(self) -> HeartbeatRules:
        """The domain's rules for this heartbeat."""
        return HeartbeatRules(
            name=self.name,
            expect_every=parse_duration(self.expect_every),
            grace=parse_duration(self.grace),
            severity=_severity(self.severity),
            rotation=self.rotation,
        )


def check_alert_settings(
    sources: Sequence[AlertSourceSettings],
    heartbeats: Sequence[HeartbeatSettings],
    info: ValidationInfo,
) -> None:
    """Names are unique across sources and heartbeats (each is an actor, `alerts:<name>`), and
    a `rotation` names a configured `[[rotation]]`."""
    items: list[AlertSourceSettings | HeartbeatSettings] = [*sources, *heartbeats]
    names = [item.name for item in items]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(
            f"[[alert_source]] and [[heartbeat]] names must be unique (each acts as "
            f"alerts:<name>): {', '.join(twice)}"
        )
    rotations = [r.name for r in info.data.get("rotation", ())]
    for item in items:
        if item.rotation is not None and item.rotation not in rotations:
            valid = ", ".join(rotations) or "none is configured"
            raise ValueError(
                f"`{item.name}`: rotation `{item.rotation}` is not a configured [[rotation]] "
                f"({valid})"
            )


__all__ = ["AlertSourceSettings", "HeartbeatSettings", "check_alert_settings"]
