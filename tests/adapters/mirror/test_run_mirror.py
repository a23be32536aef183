"""`sevbot run` as a real process with Slack and Discord (their stand-ins) and `[mirror]`: one
incident, a channel on each side, everything posted once on each, across a SIGKILL."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.bootstrap import open_store
from incidents.model import EntryKind
from tests.adapters.discord.standin import StandIn
from tests.adapters.discord.standin.rest import Failure
from tests.adapters.discord.standin.server import Sent
from tests.adapters.slack import requests as r
from tests.adapters.slack.standin import BOT_TOKEN, SlackStandIn
from tests.e2e.conftest import free_port, sevbot

pytestmark = pytest.mark.e2e
POLL = 0.05  # polling another process for a result; no assertion depends on time
ESCALATES_AFTER = 6.0  # seconds: the backup step of the test policy, below
REMINDER = "no status update for"
ESCALATION = "No acknowledgement after"
STOPPED = "Escalation stopped"
RELAYED = "💬 "
RATE_LIMIT = 20.0  # seconds Discord answers 429 (and the retry_after it says)

CONFIG = """
status_interval = "3s"

[[person]]
name = "Ana Lima"
slack = "U0ANA"
discord = "{ana}"

[mirror]
platforms = ["slack", "discord"]
relay_messages = true

[[rotation]]
name = "maintainers"
members = ["Ana Lima"]
backups = ["slack:U0SAM"]
start = 2020-01-06
channel = {{ slack = "CONCALL", discord = "{oncall}" }}

[policy.escalation]
sev1 = ["0m primary", "6s backup", "8s everyone"]
"""


# Policy as documented (no 3 s reminders, escalation after minutes): only what opening and one
# status update post, so that what Discord catches up can be counted.
QUIET_CONFIG = """
[[person]]
name = "Ana Lima"
slack = "U0ANA"
discord = "{ana}"

[mirror]
platforms = ["slack", "discord"]
relay_messages = true

[[rotation]]
name = "maintainers"
members = ["Ana Lima"]
start = 2020-01-06
channel = {{ slack = "CONCALL", discord = "{oncall}" }}
"""


class Run:
    """One database, one `sevbot run` at a time, against both stand-ins."""

    def __init__(
        self, tmp_path: Path, slack: SlackStandIn, discord: StandIn, config: str = CONFIG
    ) -> None:
        self.tmp_path, self.slack, self.discord = tmp_path, slack, discord
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        config = config.format(ana=discord.uid("ana"), oncall=discord.oncall["id"])
        (tmp_path / "sevbot.toml").write_text(config, encoding="utf-8")

    async def start(self) -> None:
        """Start the process; wait until Slack's URL answers and Discord's gateway is joined."""
        identified = len(self.discord.gateway.identifies)
        self.process = sevbot(
            "run",
            env={
                "PORT": str(self.port),
                "SEVBOT_HOST": "127.0.0.1",
                "SEVBOT_DATABASE_URL": f"sqlite:///{self.tmp_path}/sevbot.db",
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": r.SECRET,
                "SLACK_API_URL": self.slack.api_url,
                "SEVBOT_SLACK_ANNOUNCE_CHANNEL": "#incidents",
                "DISCORD_BOT_TOKEN": self.discord.token,
                "DISCORD_API_URL": self.discord.api_url,
                "DISCORD_GATEWAY_URL": self.discord.gateway_url,
                "DISCORD_GUILD_ID": str(self.discord.guild_id),
                "SEVBOT_DISCORD_INCIDENT_CATEGORY": "Incidents",
                "SEVBOT_DISCORD_ANNOUNCE_CHANNEL": self.discord.announce["id"],
            },
            cwd=self.tmp_path,
        )
        await self.until(
            lambda: (
                len(self.discord.gateway.identifies) > identified
                and self.discord.gateway.socket is not None
            ),
            "the Discord gateway",
        )

    def log(self) -> str:
        """What the process wrote so far."""
        return (self.tmp_path / "sevbot.log").read_text(errors="replace")[-3000:]

    async def until(self, check: Any, what: str, rounds: int = 600) -> None:
        """Poll `check()` until it holds; fail with the log if the process died."""
        for _ in range(rounds):
            assert self.process is not None
            assert self.process.poll() is None, self.log()
            if check():
                return
            await asyncio.sleep(POLL)
        raise AssertionError(f"timed out waiting for {what}:\n{self.log()}")

    async def post(self, body: bytes, content_type: str) -> dict[str, Any]:
        """A signed request to /slack/events, as Slack sends it."""
        headers = {"Content-Type": content_type, **r.signature_headers(body)}
        url = f"http://127.0.0.1:{self.port}/slack/events"
        async with aiohttp.ClientSession() as http:
            for _ in range(200):  # the HTTP server may not listen yet
                try:
                    async with http.post(url, data=body, headers=headers) as response:
                        assert response.status == 200, await response.text()
                        text = await response.text()
                        return json.loads(text) if text else {}
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(POLL)
        raise AssertionError(self.log())

    async def slack_command(self, text: str, user: str = "U0SAM") -> None:
        """`/incident <text>` typed in Slack's #general."""
        body = r.slash_command(
            "/incident",
            text,
            user=user,
            channel="CGENERAL",
            response_url=self.slack.response_url(user),
        )
        await self.post(body, r.FORM)

    async def slack_says(self, channel: str, text: str, ts: str) -> None:
        """Someone writes in a Slack channel (the Events API's message event)."""
        event = {"type": "message", "channel": channel, "user": "U0SAM", "text": text, "ts": ts}
        await self.post(json.dumps(r.event_callback(event)).encode(), "application/json")

    def kill(self) -> None:
        """SIGKILL: no drain, no goodbye."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(15)

    def stop(self) -> int:
        """SIGTERM, then the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(20)


def slack_incident_posts(slack: SlackStandIn) -> list[dict[str, Any]]:
    """The bot's posts in the Slack incident channel (none before it exists)."""
    found = slack.named("inc-1-")
    return found[0].posts() if found else []


def discord_incident_posts(discord: StandIn) -> list[Sent]:
    """The bot's posts in the Discord incident channel (none before it exists)."""
    found = [c for c in discord.channels.values() if str(c.get("name", "")).startswith("inc-1-")]
    return discord.posts(found[0]) if found else []


async def reminders_fired(database_url: str) -> int:
    """How many status reminders incident #1's timeline says fired (each should be posted
    once on each side), read from the store the process left."""
    store = await open_store(database_url)
    try:
        async with store.transaction() as unit:
            incident = await unit.load(1)
    finally:
        await store.close()
    assert incident is not None
    return sum(
        entry.kind is EntryKind.REMINDER and entry.text.startswith("Status reminder")
        for entry in incident.timeline
    )


def on_slack(slack: SlackStandIn, words: str) -> int:
    """How many of the bot's Slack incident posts say `words`."""
    return sum(
        words in json.dumps(post, ensure_ascii=False) for post in slack_incident_posts(slack)
    )


def on_discord(discord: StandIn, words: str) -> int:
    """How many of the bot's Discord incident posts say `words`."""
    return sum(words in sent.text for sent in discord_incident_posts(discord))


async def test_one_incident_on_slack_and_discord_in_one_process(
    tmp_path: Path, standin: SlackStandIn, discord: StandIn
) -> None:
    """Open in Slack → a channel on both; acknowledge with the Discord button → escalation
    stops on both; a status update in Discord → posted in both; a relay pings nobody; a
    SIGKILL and a restart mid-incident double nothing; reminders come once on each side."""
    run = Run(tmp_path, standin, discord)
    await run.start()
    try:
        opened = time.monotonic()
        await run.slack_command("open sev1 Checkout is failing")
        await run.until(
            lambda: on_slack(standin, "Checkout is failing") and on_discord(discord, "Checkout"),
            "the incident's channel on both platforms",
        )
        summary = next(
            s for s in discord_incident_posts(discord) if "sevbot:ack:1" in s.custom_ids()
        )
        await discord.click(summary, "sevbot:ack:1", as_user="ana")
        await run.until(
            lambda: on_slack(standin, STOPPED) and on_discord(discord, STOPPED),
            "the acknowledgement on both",
        )
        channel = discord.channel_named("inc-1-")
        await discord.slash("status", channel=channel, as_user="ana", text="Rolled back 8812")
        await run.until(
            lambda: on_slack(standin, "Rolled back 8812") and on_discord(discord, "Rolled back"),
            "the status update on both",
        )
        assert on_slack(standin, "(Discord)") >= 1
        # Kill the process right after Discord hears a note acknowledged, then start again.
        await discord.slash("note", channel=channel, as_user="li", text="Paused the batch")
        run.kill()
        await run.start()
        await run.until(
            lambda: on_slack(standin, "Paused the batch") and on_discord(discord, "Paused the"),
            "the note on both after the restart",
        )
        slack_channel = standin.named("inc-1-")[0].id
        await run.slack_says(slack_channel, "<!everyone> look at <@U0LI> @here", ts="1800.1")
        await discord.say(channel, "@everyone see <@U0SAM>", as_user="li")
        await run.until(
            lambda: on_slack(standin, RELAYED) and on_discord(discord, RELAYED),
            "the relays",
        )
        await run.until(
            lambda: on_slack(standin, REMINDER) and on_discord(discord, REMINDER), "a reminder"
        )
        await asyncio.sleep(max(0.0, ESCALATES_AFTER + 2.5 - (time.monotonic() - opened)))
        await run.slack_command("resolve 1 Rolled back deploy 8812")
        await run.until(
            lambda: on_slack(standin, "Resolved by") and on_discord(discord, "Resolved by"),
            "the resolution on both",
        )
        await asyncio.sleep(0.5)  # anything still in flight lands before the count
        assert run.stop() == 0
    finally:
        if run.process is not None and run.process.poll() is None:
            run.process.kill()
            run.process.wait()
    slack_posts = slack_incident_posts(standin)
    discord_posts = discord_incident_posts(discord)
    for words in ("SEV-1 · Checkout is failing", STOPPED, "Rolled back 8812", "Paused the"):
        assert (on_slack(standin, words), on_discord(discord, words)) == (1, 1), words
    fired = await reminders_fired(f"sqlite:///{tmp_path}/sevbot.db")
    assert fired >= 1
    assert (on_slack(standin, REMINDER), on_discord(discord, REMINDER)) == (fired, fired)
    assert on_slack(standin, ESCALATION) == on_discord(discord, ESCALATION) == 0
    outbox_ids = Counter(str(p["metadata"]["event_payload"]["outbox_id"]) for p in slack_posts)
    assert max(outbox_ids.values()) == 1
    nonces = Counter(sent.body.get("nonce") for sent in discord_posts)
    assert max(nonces.values()) == 1
    assert len(standin.channels["CINCIDENTS"].posts()) == 2  # declared, resolved
    assert len(discord.posts(discord.announce)) == 2
    [relayed_to_discord] = [s for s in discord_posts if RELAYED in s.text]
    assert relayed_to_discord.pinged == {"users": [], "roles": [], "everyone": False}
    [relayed_to_slack] = [p for p in slack_posts if RELAYED in p["text"]]
    said = json.dumps([relayed_to_slack["text"], relayed_to_slack["blocks"]])
    assert "<@" not in said
    assert "<!" not in said
    assert len(standin.named("inc-")) == 1
    assert len([c for c in discord.channels.values() if str(c.get("name")).startswith("inc-")]) == 1


async def test_a_rate_limited_discord_delays_only_its_own_copies_in_one_process(
    tmp_path: Path, standin: SlackStandIn, discord: StandIn
) -> None:
    """Discord answers every message post with 429 (retry after 20 s) for 20 real seconds:
    Slack has the incident and its status update while Discord still refuses; afterwards
    Discord has each message (channel, announcement, Ana's page) exactly once."""
    limited = Failure(429, retry_after=RATE_LIMIT, seconds=RATE_LIMIT)
    discord.fail("POST", "/channels/{channel}/messages", limited)
    run = Run(tmp_path, standin, discord, config=QUIET_CONFIG)
    await run.start()
    try:
        await run.slack_command("open sev1 Checkout is failing")
        await run.slack_command("status 1 Rolled back deploy 8812")
        await run.until(
            lambda: on_slack(standin, "Checkout is failing") and on_slack(standin, "8812"),
            "the incident and its status update on Slack",
        )
        # Slack did not wait for Discord: nothing of it is on Discord yet.
        assert discord_incident_posts(discord) == []
        assert discord.posts(discord.announce) == []
        assert discord.dms("ana") == []
        await run.until(
            lambda: on_discord(discord, "Checkout is failing") and on_discord(discord, "8812"),
            "Discord catching up",
            rounds=int(3 * RATE_LIMIT / POLL),
        )
        assert not limited.holds()  # Discord took the message only once its 20 s were over
        await run.until(
            lambda: len(discord.posts(discord.announce)) and discord.dms("ana"),
            "the announcement and the page on Discord",
        )
        await asyncio.sleep(0.5)  # anything still in flight lands before the count
        assert run.stop() == 0
    finally:
        if run.process is not None and run.process.poll() is None:
            run.process.kill()
            run.process.wait()
    for words in ("SEV-1 · Checkout is failing", "Rolled back deploy 8812"):
        assert (on_slack(standin, words), on_discord(discord, words)) == (1, 1), words
    assert len(discord.posts(discord.announce)) == len(standin.channels["CINCIDENTS"].posts()) == 1
    assert len(discord.dms("ana")) == 1
    nonces = Counter(sent.body.get("nonce") for sent in discord.sent)
    assert max(nonces.values()) == 1
    # Asked once, then left alone for the 20 s it said (not slept through in the call and cut
    # off by the delivery timeout, then retried into the same limit).
    assert limited.answered == 1
    slack_posts = slack_incident_posts(standin)
    outbox_ids = Counter(str(p["metadata"]["event_payload"]["outbox_id"]) for p in slack_posts)
    assert max(outbox_ids.values()) == 1
