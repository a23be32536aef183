"""What `sevbot run` says when no chat platform is configured: three ways to talk to it."""

from __future__ import annotations

from bot.config import Settings

_ANY_ADDRESS = ("", "0.0.0.0", "::")  # listening everywhere: this machine reaches it locally


def no_platform_hints(settings: Settings) -> list[str]:
    """Three short lines (the console, the command API, a scenario file) when neither Slack
    nor Discord is configured; none when one is."""
    if settings.slack_bot_token is not None or settings.discord_bot_token is not None:
        return []
    host = "127.0.0.1" if settings.host in _ANY_ADDRESS else settings.host
    host = f"[{host}]" if ":" in host else host
    api = f"http://{host}:{settings.port}/api/commands"
    post = f'POST {{"text": "open sev2 DB down"}} to {api}'
    api_line = (
        f"or {post} with `Authorization: Bearer <token>` (SEVBOT_API_TOKEN),"
        if settings.api_tokens()
        else f"or set SEVBOT_API_TOKEN (the command API is off), restart, and {post},"
    )
    return [
        "No chat platform (SLACK_BOT_TOKEN, DISCORD_BOT_TOKEN); to talk to this sevbot: "
        "`sevbot console` types /incident commands on the same store,",
        api_line,
        "or `sevbot simulate FILE` plays a scenario file with a simulated clock "
        "(README: Rehearse your policy).",
    ]
