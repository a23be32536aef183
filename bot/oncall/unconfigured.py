"""`/oncall` with no rotation configured: one answer on every chat, saying how to add one.

The composition root gives the chats this handler in place of the rotations' when there are
none, so Slack, Discord and the console answer alike (and no adapter has its own wording).
"""

from __future__ import annotations

from bot.chat import Outcome
from incidents.messages import Audience, Message, MessageKind
from incidents.people import Person

# Member ids as the asker's platform writes them (bot/oncall/config.py reads these forms).
_MEMBERS = {
    "slack": '"slack:U01ALICE", "slack:U02BOB"',
    "discord": '"discord:123456789012345678", "discord:234567890123456789"',
    "console": '"console:sam", "console:li"',
}


def no_rotation_text(platform: str) -> str:
    """How to configure a rotation, with member ids of `platform` in the example."""
    members = _MEMBERS.get(platform, '"slack:U01ALICE", "carol@example.com"')
    return (
        "No on-call rotation is configured, so `/oncall` has nothing to show (incidents work "
        "without one: `/incident help`). Add a `[[rotation]]` to sevbot.toml, e.g.\n"
        "```\n"
        "[[rotation]]\n"
        'name = "maintainers"\n'
        f"members = [{members}]\n"
        "start = 2026-01-05  # the first handoff (weekly, Monday 09:00 UTC by default)\n"
        "```\n"
        "and restart sevbot. Every setting is in the README (On-call rotations) and in "
        "sevbot.example.toml."
    )


class NoRotations:
    """The `/oncall` handler when no `[[rotation]]` is configured."""

    async def handle_text(
        self,
        text: str,
        *,
        actor: str | Person,
        platform: str,
        channel_id: str | None = None,
        request_key: str | None = None,
        groups: frozenset[str] = frozenset(),
    ) -> Outcome:
        """Whatever was asked: how to configure a rotation."""
        reply = Message(
            kind=MessageKind.ERROR, audience=Audience.REPLY, text=(no_rotation_text(platform),)
        )
        return Outcome(ok=False, reply=reply)
