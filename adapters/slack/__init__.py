"""The Slack adapter: slash commands, buttons, modals and events in; Block Kit out."""

from adapters.slack.adapter import SlackAdapter, build_adapter

__all__ = ["SlackAdapter", "build_adapter"]
