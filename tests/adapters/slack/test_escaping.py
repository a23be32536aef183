"""User text never pings @channel/@here/@everyone or forges links, end to end."""

from __future__ import annotations

import re
from typing import Any

from tests.adapters.slack.conftest import SAM, Slack

HOSTILE = "<!channel> @here <!everyone> <https://evil.example|click> <@U0LI> & @channel"
TOKEN = re.compile(r"<([^>]*)>")
ALLOWED = re.compile(r"^(@U[A-Z0-9]+|#C[A-Z0-9]+|!here)$")


def strings(value: Any) -> list[str]:
    """Every string inside a JSON-like value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def markup(slack: Slack) -> list[str]:
    """Every mrkdwn string the bot sent anywhere: posts, ephemerals, responses, acks."""
    sent: list[Any] = [m for c in slack.standin.channels.values() for m in c.posts()]
    sent += slack.standin.responses + slack.standin.ephemerals
    found: list[str] = []
    for message in sent:
        found += [
            s
            for block in message.get("blocks") or []
            if block.get("type") != "header"
            for s in strings(block)
        ]
        found.append(str(message.get("text", "")))
    return found


def assert_inert(texts: list[str]) -> None:
    """Only <@U…>, <#C…> and the bot's own <!here> are markup; no bare broadcast words."""
    for text in texts:
        for token in TOKEN.findall(text):
            assert ALLOWED.match(token), (token, text)
        assert not re.search(r"[@!](channel|everyone|here)\b", text.replace("<!here>", "")), text


async def test_hostile_titles_and_updates_are_inert(slack: Slack) -> None:
    """Title, status, note and resolution with broadcast markup and links: all escaped (Slack's
    `<!channel>` reads as the word `@channel` the person typed, defanged)."""
    reply = await slack.run(f"open sev1 {HOSTILE}")
    assert reply.status == 200
    channel = slack.channel(1)
    for command in (f"status {HOSTILE}", f"note {HOSTILE}", f"resolve {HOSTILE}", "timeline"):
        await slack.run(command, user=SAM, channel=channel.id)
    texts = markup(slack)
    assert len(texts) > 10
    assert_inert(texts)
    summary = channel.posts()[0]
    assert "@\u2060channel @\u2060here @\u2060everyone" in summary["text"]
    assert "&lt;https://evil.example|click&gt;" in channel.texts()[1]
    header = summary["blocks"][0]
    assert header["text"]["type"] == "plain_text"  # never parsed by Slack
    assert "@\u2060here" in header["text"]["text"]


async def test_a_parse_error_quoting_hostile_input_is_escaped(slack: Slack) -> None:
    """`/incident open <!channel> …`: the error quotes it as typed (`@channel`), defanged."""
    reply = await slack.command("open <!channel> DB down")
    assert reply.body["response_type"] == "ephemeral"
    assert "Unknown severity `@\u2060channel`" in reply.text
    assert_inert([reply.text])


async def test_the_bots_own_mentions_still_ping(slack: Slack) -> None:
    """Escaping leaves the bot's mentions alone: the page and the summary ping sam."""
    await slack.run("open sev1 Checkout is failing")
    assert "Paging <@U0SAM> (primary)." in slack.channel(1).texts()[0]
