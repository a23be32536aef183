"""Sync the application commands at start-up, only when their definitions changed.

What Discord already has (GET …/commands) is compared with the tree's payload, both reduced to
the fields that define a command; an upload (PUT, which Discord rate-limits hard) happens only
when they differ. With `DISCORD_GUILD_ID` the commands go to that server (instant); without it
they are global.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger(__name__)

_COMMAND_KEYS = ("name", "description", "type", "default_member_permissions", "nsfw")
_OPTION_KEYS = ("type", "name", "description", "min_value", "max_value", "min_length", "max_length")


def _option(option: Mapping[str, Any]) -> dict[str, Any]:
    reduced: dict[str, Any] = {key: option.get(key) for key in _OPTION_KEYS}
    reduced["required"] = bool(option.get("required", False))
    reduced["choices"] = [
        {"name": choice["name"], "value": choice["value"]} for choice in option.get("choices") or []
    ]
    reduced["options"] = [_option(inner) for inner in option.get("options") or []]
    reduced["channel_types"] = sorted(option.get("channel_types") or [])
    return reduced


def normalize(commands: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The fields that define commands, with Discord's omitted defaults filled in, by name."""
    reduced = []
    for command in commands:
        entry: dict[str, Any] = {key: command.get(key) for key in _COMMAND_KEYS}
        entry["type"] = entry["type"] or 1
        entry["nsfw"] = bool(entry["nsfw"])
        entry["options"] = [_option(option) for option in command.get("options") or []]
        entry["contexts"] = sorted(command.get("contexts") or [])
        entry["integration_types"] = sorted(command.get("integration_types") or [])
        reduced.append(entry)
    return sorted(reduced, key=lambda entry: (entry["name"], entry["type"]))


def tree_payload(tree: app_commands.CommandTree[Any]) -> list[dict[str, Any]]:
    """What the tree would upload."""
    return [command.to_dict(tree) for command in tree.get_commands()]


async def sync_commands(
    client: discord.Client, tree: app_commands.CommandTree[Any], guild_id: int | None
) -> bool:
    """Upload the commands if Discord's differ; True when an upload happened."""
    application_id = client.application_id
    if application_id is None:
        log.warning("discord: no application id yet; application commands not synced")
        return False
    payload = tree_payload(tree)
    http = client.http
    if guild_id is not None:
        current = await http.get_guild_commands(application_id, guild_id)
    else:
        current = await http.get_global_commands(application_id)
    where = f"server {guild_id}" if guild_id is not None else "all servers (global)"
    if normalize(current) == normalize(payload):
        log.info("discord: application commands for %s are up to date", where)
        return False
    if guild_id is not None:
        await http.bulk_upsert_guild_commands(application_id, guild_id, payload=payload)
    else:
        await http.bulk_upsert_global_commands(application_id, payload=payload)
    log.info("discord: synced %d application commands to %s", len(payload), where)
    return True
