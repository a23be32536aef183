"""Channel permission overwrites as Discord checks them: the request rules, and who sees what.

Each rule the stand-in enforces, once, with where Discord publishes it:

| rule | answer when broken | published in |
|---|---|---|
| at most 100 `permission_overwrites` when creating a channel | 400, 50035 | discord/discord-api-spec `specs/openapi.json`: `CreateGuildChannelRequest.permission_overwrites` has `maxItems: 100` |
| an overwrite's `type` is 0 (role) or 1 (member) | 400, 50035 | openapi.json `ChannelPermissionOverwrites` (`ROLE` 0, `MEMBER` 1); docs resources/channel#overwrite-object |
| `allow` and `deny` are permission bit sets: an integer (openapi.json `ChannelPermissionOverwriteRequest`, what discord.py sends on create) or its decimal string (the docs' overwrite object, what discord.py sends on edit); answers always carry strings (`ChannelPermissionOverwriteResponse`) | 400, 50035 | openapi.json; docs topics/permissions ("serialized into a string") |
| an overwrite's `id` is a snowflake | 400, 50035 | openapi.json `SnowflakeType` |
| creating a channel needs MANAGE_CHANNELS; its overwrites may allow or deny only permissions the bot has in the guild; MANAGE_ROLES in an overwrite only for administrators | 403, 50013 | docs resources/guild#create-guild-channel |
| editing an overwrite needs MANAGE_ROLES, and allows or denies only permissions the bot has in the guild (unless it has a MANAGE_ROLES overwrite in the channel) | 403, 50013 | docs resources/channel#edit-channel-permissions |
| any call on a channel the bot cannot view | 403, 50001 Missing Access | docs topics/opcodes-and-status-codes#json-json-error-codes |

Who can view is computed as the docs' topics/permissions#permission-overwrites describe: the
guild-level permissions, then the @everyone overwrite (its id is the guild's), then role
overwrites, then the member's own overwrite, each denying then allowing.
"""

from __future__ import annotations

import re
from typing import Any

ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
VIEW_CHANNEL = 1 << 10
MANAGE_ROLES = 1 << 28
EVERYTHING = (1 << 51) - 1  # every permission bit the stand-in knows (payloads.EVERYTHING)
EVERYONE_PERMISSIONS = 1071698660929  # the @everyone role's, as payloads.guild sends it
BOT_PERMISSIONS = EVERYTHING & ~ADMINISTRATOR  # a bot invited with broad rights, not admin
MAX_OVERWRITES = 100
ROLE, MEMBER = 0, 1
_SNOWFLAKE = re.compile(r"^(0|[1-9][0-9]*)$")


class FormError(Exception):
    """A 400 Invalid Form Body (50035), with Discord's `errors` tree."""

    def __init__(self, path: list[str | int], code: str, message: str) -> None:
        super().__init__(message)
        tree: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
        for key in reversed(path):
            tree = {str(key): tree}
        self.body = {"message": "Invalid Form Body", "code": 50035, "errors": tree}


class Refused(Exception):
    """A 403: 50013 Missing Permissions or 50001 Missing Access."""

    def __init__(self, code: int) -> None:
        message = {50001: "Missing Access", 50013: "Missing Permissions"}[code]
        super().__init__(message)
        self.body = {"message": message, "code": code}


def _bits(value: Any, path: list[str | int]) -> int:
    """A permission bit set given as an integer or a decimal string."""
    if value is None:  # left out: nothing allowed (or denied)
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _SNOWFLAKE.match(value):
        return int(value)
    raise FormError(path, "NUMBER_TYPE_COERCE", f"Value '{value}' is not int.")


def _snowflake(value: Any, path: list[str | int]) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _SNOWFLAKE.match(text):
        raise FormError(path, "NUMBER_TYPE_COERCE", f"Value '{value}' is not snowflake.")
    return text


def overwrite(raw: Any, path: list[str | int], target: str | None = None) -> dict[str, Any]:
    """One overwrite checked and as Discord stores it: id, type, allow and deny strings."""
    if not isinstance(raw, dict):
        raise FormError(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
    kind = raw.get("type")
    if isinstance(kind, bool) or kind not in (ROLE, MEMBER):
        raise FormError(
            [*path, "type"], "BASE_TYPE_CHOICES", f"Value must be one of {{{ROLE}, {MEMBER}}}."
        )
    ident = _snowflake(target if target is not None else raw.get("id"), [*path, "id"])
    allow = _bits(raw.get("allow"), [*path, "allow"])
    deny = _bits(raw.get("deny"), [*path, "deny"])
    return {"id": ident, "type": kind, "allow": str(allow), "deny": str(deny)}


def overwrites_of_create(raw: Any) -> list[dict[str, Any]]:
    """The `permission_overwrites` of a create-channel body, checked (absent or null: none)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise FormError(["permission_overwrites"], "LIST_TYPE_CONVERT", "Must be an array.")
    if len(raw) > MAX_OVERWRITES:
        raise FormError(
            ["permission_overwrites"],
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_OVERWRITES} or fewer in length.",
        )
    return [overwrite(item, ["permission_overwrites", i]) for i, item in enumerate(raw)]


def bits_used(overwrites: list[dict[str, Any]]) -> int:
    """Every permission an overwrite list allows or denies."""
    used = 0
    for item in overwrites:
        used |= int(item["allow"]) | int(item["deny"])
    return used


def check_create(bot_permissions: int, overwrites: list[dict[str, Any]]) -> None:
    """Create Guild Channel: MANAGE_CHANNELS; only the bot's own bits; MANAGE_ROLES if admin."""
    admin = bool(bot_permissions & ADMINISTRATOR)
    held = EVERYTHING if admin else bot_permissions
    used = bits_used(overwrites)
    if not held & MANAGE_CHANNELS or used & ~held or (used & MANAGE_ROLES and not admin):
        raise Refused(50013)


def check_edit(
    bot_permissions: int, channel: dict[str, Any], bot_id: str, item: dict[str, Any]
) -> None:
    """Edit Channel Permissions: MANAGE_ROLES, and only the bot's own bits unless it has a
    MANAGE_ROLES overwrite in the channel."""
    admin = bool(bot_permissions & ADMINISTRATOR)
    held = EVERYTHING if admin else bot_permissions
    if not held & MANAGE_ROLES:
        raise Refused(50013)
    own = next(
        (
            o
            for o in channel.get("permission_overwrites") or []
            if o["id"] == bot_id and o["type"] == MEMBER
        ),
        None,
    )
    manages_here = own is not None and int(own["allow"]) & MANAGE_ROLES
    if bits_used([item]) & ~held and not manages_here:
        raise Refused(50013)


def permissions_in(channel: dict[str, Any], guild_id: str, user_id: str, base: int) -> int:
    """What a member (no roles beyond @everyone) may do in a channel, overwrites applied."""
    if base & ADMINISTRATOR:
        return EVERYTHING
    allowed = base
    overwrites = {(o["type"], o["id"]): o for o in channel.get("permission_overwrites") or []}
    for target in ((ROLE, guild_id), (MEMBER, user_id)):  # @everyone's, then the member's own
        found = overwrites.get(target)
        if found is not None:
            allowed = (allowed & ~int(found["deny"])) | int(found["allow"])
    return allowed


def can_view(channel: dict[str, Any], guild_id: str, user_id: str, base: int) -> bool:
    """Whether the member sees the channel at all (VIEW_CHANNEL after overwrites)."""
    return bool(permissions_in(channel, guild_id, user_id, base) & VIEW_CHANNEL)
