"""Through the Slack stand-in: `@here`, `@channel`, `@everyone` and user groups are no people,
and a title of only invisible characters opens nothing."""

from __future__ import annotations

import pytest

from tests.adapters.slack.conftest import Slack


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("ic 1 <!here>", "`@\u2060here` is not a person; name one person, like @sam"),
        ("role 1 comms <!channel>", "`@\u2060channel` is not a person"),
        ("role 1 responder <!everyone|everyone>", "`@\u2060everyone` is not a person"),
        ("ic 1 <!subteam^S0SRE|@sre>", "`@slack-group:S0SRE` is a group, not a person"),
        ("action 1 Tell the team <!here>", "`@\u2060here` is not a person"),
    ],
)
async def test_broadcasts_and_user_groups_are_refused(
    slack: Slack, text: str, refusal: str
) -> None:
    """`/incident ic @here` (Slack sends `<!here>`) is answered at once, ephemerally, and the
    incident gets no commander, role or action item."""
    await slack.run("open sev1 Checkout is failing")
    before = await slack.app.service.load(1)
    reply = await slack.run(text, channel=slack.channel(1).id)
    assert reply.body["response_type"] == "ephemeral"
    assert refusal in reply.text
    assert await slack.app.service.load(1) == before


async def test_a_title_of_only_zero_width_characters_opens_nothing(slack: Slack) -> None:
    """`/incident open sev1 \u200b` is refused in the acknowledgement: no channel, no incident."""
    reply = await slack.run("open sev1 \u200b\u202e")
    assert reply.body["response_type"] == "ephemeral"
    assert "An incident needs a title" in reply.text
    assert await slack.app.service.load(1) is None
    assert not [c for c in slack.standin.channels.values() if c.name.startswith("inc-")]
