"""The settings in words: the one-line summary `sevbot run` logs at start, and the effective
settings `sevbot config check` prints, as TOML, with every secret masked."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.config import IPNetwork, Settings
from bot.durations import format_duration
from bot.settings_model import SecretStr
from incidents.policy import Policy

MASK = "********"


def platforms(settings: Settings) -> list[str]:
    """The chat platforms these settings turn on, as the summary names them."""
    found = []
    if settings.transcript_file:
        found.append(f"transcript file {settings.transcript_file}")
    if settings.slack_bot_token is not None:
        how = "Socket Mode" if settings.slack_app_token else "HTTP at /slack/events"
        found.append(f"slack ({how})")
    if settings.discord_bot_token is not None:
        found.append("discord")
    return found


def summary_line(settings: Settings, store: str) -> str:
    """`platforms: slack (HTTP at /slack/events); store: SQLite file /srv/sevbot.db;
    rotations: 1 (maintainers); public URL: https://sevbot.example.com`."""
    names = [rotation.name for rotation in settings.rotation]
    rotations = f"{len(names)} ({', '.join(names)})" if names else "none"
    public = settings.public_url or "unset (links in chat are relative)"
    return (
        f"platforms: {', '.join(platforms(settings)) or 'none'}; store: {store}; "
        f"rotations: {rotations}; public URL: {public}"
    )


def masked_url(url: str) -> str:
    """A database URL with its password masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def effective_toml(settings: Settings) -> str:
    """Every setting as TOML, defaults included, secrets masked, and the response policy as it
    is in force (the defaults with the configured overrides)."""
    values = settings.model_dump(exclude={"policy"})
    values["database_url"] = masked_url(settings.database_url)
    values["policy"] = _policy(settings.domain_policy())
    return "\n".join(_table((), values)).strip() + "\n"


def _policy(policy: Policy) -> dict[str, Any]:
    """The policy in force, in the words of `[policy]`."""

    def sev(level: Any) -> str:
        return f"sev{int(level)}"

    targets = {
        sev(level): f"{target.business_days}bd"
        if target.duration is None
        else format_duration(target.duration)
        for level, target in policy.response_targets.items()
    }
    return {
        "warning_fraction": policy.warning_fraction,
        "holidays": sorted(policy.holidays),
        "business_hours": policy.business_hours.describe(),
        "response_targets": targets,
        "phase_windows": {
            phase.value: format_duration(window.end)
            for phase, window in policy.phase_windows.items()
        },
        "external_first_notice": {
            sev(k): format_duration(v) for k, v in policy.external_first_notice.items()
        },
        "external_interval": {
            sev(k): format_duration(v) for k, v in policy.external_interval.items()
        },
        "review_due": {
            sev(level): format_duration(policy.review_due[level])
            if level in policy.review_due
            else "none"
            for level in sorted(policy.response_targets)
        },
        "escalation": {
            sev(level): [f"{format_duration(step.after)} {step.target.value}" for step in steps]
            for level, steps in policy.escalation.items()
        },
    }


def _table(
    path: tuple[str, ...], values: Mapping[str, Any], *, nested: bool = True
) -> Iterator[str]:
    """A TOML table: its plain keys, then its sub-tables, then its arrays of tables. Within an
    array of tables (`nested=False`) a mapping is written inline."""
    tables = {k: v for k, v in values.items() if nested and isinstance(v, Mapping)}
    arrays = {k: v for k, v in values.items() if _is_table_array(v)}
    plain = {k: v for k, v in values.items() if k not in tables and k not in arrays}
    if path and (plain or not values):
        yield ""
        yield f"[{'.'.join(path)}]"
    for key, value in plain.items():
        yield f"# {key}: unset" if value is None else f"{key} = {_value(value)}"
    for key, value in tables.items():
        yield from _table((*path, key), value)
    for key, items in arrays.items():
        for item in items:
            yield ""
            yield f"[[{'.'.join((*path, key))}]]"
            yield from _table((), item, nested=False)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _value(value: Any) -> str:
    """One TOML value: strings quoted, durations as `30m`, secrets masked."""
    if isinstance(value, SecretStr):
        return json.dumps(MASK)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, timedelta):
        return json.dumps(format_duration(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, IPNetwork):
        return json.dumps(str(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value), ensure_ascii=False)
