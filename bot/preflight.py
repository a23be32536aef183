"""What `sevbot run` checks before it opens anything: settings each valid alone that do not
make a working whole. A problem is one line naming the settings and what would be valid, and
start-up stops at once (exit 1), before the database is touched or a port is taken."""

from __future__ import annotations

from bot.config import Settings


def slack_problem(settings: Settings) -> str | None:
    """Why the Slack settings cannot work, or None. A bot token needs a way in: the signing
    secret (requests over HTTP) or an app-level token (Socket Mode); either of those without
    a bot token would leave Slack silently off."""
    way_in = settings.slack_signing_secret is not None or settings.slack_app_token is not None
    if settings.slack_bot_token is not None and not way_in:
        return (
            "Slack needs SLACK_SIGNING_SECRET (requests over HTTP at /slack/events) "
            "or SLACK_APP_TOKEN (xapp-…, Socket Mode) besides SLACK_BOT_TOKEN"
        )
    if settings.slack_bot_token is None and way_in:
        given = "SLACK_SIGNING_SECRET" if settings.slack_signing_secret else "SLACK_APP_TOKEN"
        return (
            f"{given} is set but SLACK_BOT_TOKEN is not: set it to the bot token (xoxb-…, "
            f"OAuth & Permissions), or unset {given} to run without Slack"
        )
    return None


def chat_platforms(settings: Settings) -> list[str]:
    """The chat platforms these settings turn on, in order (the console without any other)."""
    found = ["console"] if settings.transcript_file else []
    if settings.slack_bot_token is not None:
        found.append("slack")
    if settings.discord_bot_token is not None:
        found.append("discord")
    return found or ["console"]


def mirror_problem(settings: Settings) -> str | None:
    """Why `[mirror]` or `default_platform` names a platform that does not run, or None."""
    running = chat_platforms(settings)
    tokens = {"slack": "SLACK_BOT_TOKEN", "discord": "DISCORD_BOT_TOKEN"}
    named = [
        ("[mirror] platforms", p) for p in (settings.mirror.platforms if settings.mirror else ())
    ]
    if settings.default_platform is not None:
        named.append(("default_platform", settings.default_platform))
    for setting, platform in named:
        if platform not in running:
            how = tokens.get(platform, "SEVBOT_TRANSCRIPT_FILE")
            return (
                f"{setting} names {platform}, which is not configured (set {how}); the chat "
                f"platforms configured are: {', '.join(running)}"
            )
    return None


def start_up_problem(settings: Settings) -> str | None:
    """The first reason these settings cannot run, or None."""
    return slack_problem(settings) or mirror_problem(settings)
