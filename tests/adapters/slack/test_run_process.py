"""The real `sevbot run` process serving Slack over HTTP against the stand-in."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp
import pytest

from tests.adapters.slack import requests as r
from tests.adapters.slack.standin import BOT_TOKEN, SlackStandIn
from tests.e2e.conftest import free_port, sevbot

pytestmark = pytest.mark.e2e
POLL = 0.05  # polling a separate process for a result; no test logic depends on time


async def until(check: object, what: str, rounds: int = 400) -> None:
    """Poll `check()` (a callable returning bool or awaitable bool) until it holds."""
    for _ in range(rounds):
        result = check()  # type: ignore[operator]
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(POLL)
    raise AssertionError(f"timed out waiting for {what}")


async def test_sevbot_run_opens_an_incident_channel_from_a_signed_command(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    """SLACK_* env → /slack/events answers a signed /incident open with the ephemeral ack,
    the channel appears on the stand-in, a forged request gets 401, SIGTERM exits 0."""
    port = free_port()
    process = sevbot(
        "run",
        env={
            "PORT": str(port),
            "SEVBOT_HOST": "127.0.0.1",
            "SEVBOT_DATABASE_URL": f"sqlite:///{tmp_path}/sevbot.db",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": r.SECRET,
            "SLACK_API_URL": standin.api_url,
            "SEVBOT_SLACK_ANNOUNCE_CHANNEL": "#incidents",
        },
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:

            async def healthy() -> bool:
                assert process.poll() is None, (tmp_path / "sevbot.log").read_text()
                try:
                    async with http.get(f"{base}/healthz") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            await until(healthy, "/healthz")
            body = r.slash_command(
                "/incident",
                "open sev1 Database latency high",
                user="U0MARIA",
                channel="CGENERAL",
                response_url=standin.response_url("U0MARIA"),
            )
            headers = {"Content-Type": r.FORM, **r.signature_headers(body)}
            async with http.post(f"{base}/slack/events", data=body, headers=headers) as response:
                assert response.status == 200
                assert (await response.json())["text"] == "Opening incident…"
            await until(lambda: standin.named("inc-1-"), "the incident channel")
            [channel] = standin.named("inc-1-")
            assert channel.name == "inc-1-database-latency-high"
            await until(lambda: standin.channels["CINCIDENTS"].posts(), "the announcement")
            forged = {"Content-Type": r.FORM, **r.signature_headers(body, secret="guess")}
            async with http.post(f"{base}/slack/events", data=body, headers=forged) as response:
                assert response.status == 401
        process.send_signal(signal.SIGTERM)
        await until(lambda: process.poll() is not None, "exit after SIGTERM")
        assert process.returncode == 0
        assert len(standin.named("inc-")) == 1
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
