"""Discord API objects as the real API shapes them (v10), built for the stand-in."""

from __future__ import annotations

import itertools
import re
from typing import Any

TIMESTAMP = "2026-11-23T14:00:00.000000+00:00"
EVERYTHING = "2251799813685247"  # every permission bit, as Discord sends permissions
ATTACHMENT_LIMIT = 26_214_400
_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> int:
    """A new 19-digit id, increasing like Discord's."""
    return next(_ids)


def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    """A user object."""
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def member(person: dict[str, Any]) -> dict[str, Any]:
    """A guild member object around a user."""
    return {
        "user": person,
        "roles": [],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "permissions": EVERYTHING,
    }


def channel(
    channel_id: int,
    name: str,
    *,
    guild_id: int,
    kind: int = 0,
    parent_id: int | None = None,
    topic: str | None = None,
    position: int = 0,
    permission_overwrites: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A guild channel object: text (0) or category (4)."""
    return {
        "id": str(channel_id),
        "type": kind,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "parent_id": str(parent_id) if parent_id else None,
        "topic": topic,
        "nsfw": False,
        "permission_overwrites": permission_overwrites or [],
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "flags": 0,
    }


def dm_channel(channel_id: int, recipient: dict[str, Any]) -> dict[str, Any]:
    """A direct-message channel object."""
    return {"id": str(channel_id), "type": 1, "recipients": [recipient], "last_message_id": None}


def role(role_id: int, name: str) -> dict[str, Any]:
    """A role object (no permissions of its own: sevbot reads roles for `[access]` only)."""
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "hoist": False,
        "position": 1,
        "permissions": "0",
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def guild(
    guild_id: int, name: str, *, channels: list[dict[str, Any]], members: list[dict[str, Any]]
) -> dict[str, Any]:
    """A GUILD_CREATE payload."""
    return {
        "id": str(guild_id),
        "name": name,
        "icon": None,
        "owner_id": members[0]["user"]["id"],
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "system_channel_flags": 0,
        "roles": [
            {
                "id": str(guild_id),
                "name": "@everyone",
                "color": 0,
                "hoist": False,
                "position": 0,
                "permissions": "1071698660929",
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ],
        "emojis": [],
        "stickers": [],
        "features": [],
        "channels": [{k: v for k, v in c.items() if k != "guild_id"} for c in channels],
        "threads": [],
        "members": members,
        "member_count": len(members),
        "large": False,
        "unavailable": False,
        "joined_at": TIMESTAMP,
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "voice_states": [],
        "presences": [],
    }


def message(
    message_id: int,
    channel_id: int,
    author: dict[str, Any],
    body: dict[str, Any],
    *,
    guild_id: int | None,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A message object from what was sent."""
    data: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author,
        "content": body.get("content") or "",
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments or [],
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "pinned": False,
        "type": 0,
        "flags": body.get("flags") or 0,
        "nonce": body.get("nonce"),
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return data


_USER_MENTION = re.compile(r"<@!?([0-9]{17,20})>")
_ROLE_MENTION = re.compile(r"<@&([0-9]{17,20})>")
_EVERYONE = re.compile(r"@(everyone|here)\b")


def pings(content: str, allowed: dict[str, Any] | None) -> dict[str, Any]:
    """Who Discord would notify for `content` under `allowed_mentions` (embeds never ping)."""
    parse = ["users", "roles", "everyone"] if allowed is None else list(allowed.get("parse", []))
    users_listed = {str(u) for u in (allowed or {}).get("users", [])}
    roles_listed = {str(r) for r in (allowed or {}).get("roles", [])}
    users = [u for u in _USER_MENTION.findall(content) if "users" in parse or u in users_listed]
    roles = [r for r in _ROLE_MENTION.findall(content) if "roles" in parse or r in roles_listed]
    everyone = bool(_EVERYONE.search(content)) and "everyone" in parse
    return {"users": sorted(set(users)), "roles": sorted(set(roles)), "everyone": everyone}


def option(name: str, value: Any) -> dict[str, Any]:
    """A typed application-command option: str 3, int 4, bool 5, user 6 (`{"user": id}`)."""
    if isinstance(value, dict) and "user" in value:
        return {"name": name, "type": 6, "value": str(value["user"])}
    if isinstance(value, bool):
        return {"name": name, "type": 5, "value": value}
    if isinstance(value, int):
        return {"name": name, "type": 4, "value": value}
    return {"name": name, "type": 3, "value": str(value)}


def interaction(
    *,
    kind: int,
    data: dict[str, Any],
    application_id: int,
    guild_id: int,
    channel_data: dict[str, Any],
    person: dict[str, Any],
    message_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload from `person` in a guild channel."""
    interaction_id = snowflake()
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": kind,
        "data": data,
        "guild_id": str(guild_id),
        "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
        "channel_id": channel_data["id"],
        "channel": channel_data,
        "member": member(person),
        "token": f"token-{interaction_id}",
        "version": 1,
        "app_permissions": EVERYTHING,
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild_id)},
        "context": 0,
        "attachment_size_limit": ATTACHMENT_LIMIT,
    }
    if message_data is not None:
        payload["message"] = message_data
    return payload
