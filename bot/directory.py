"""Where things live on each platform: on-call channels per rotation, announce channels.

Filled at start-up from settings and `sevbot.toml`; chat adapters ask it when an outbox
item is addressed to a role (the on-call channel of a rotation) rather than a channel id.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Directory:
    """Channel lookups by (rotation, platform) and platform."""

    oncall_channels: dict[tuple[str, str], str] = field(default_factory=dict)
    announce_channels: dict[str, str] = field(default_factory=dict)

    def oncall_channel(self, rotation: str | None, platform: str) -> str | None:
        """The rotation's on-call channel on `platform`, if configured."""
        if rotation is None:
            return None
        return self.oncall_channels.get((rotation, platform))

    def announce_channel(self, platform: str) -> str | None:
        """The channel where incidents are announced on `platform`, if configured."""
        return self.announce_channels.get(platform)
