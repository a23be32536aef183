"""The Discord chat adapter (discord.py over the gateway): parse, the platform app, render."""

from adapters.discord.adapter import DiscordAdapter, build_adapter

__all__ = ["DiscordAdapter", "build_adapter"]
