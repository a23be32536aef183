"""The GitHub digest (`alert_digest`) renders on every renderer: Slack, Discord, the console and
the transcript file, with its title and every finding's link."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from adapters.console.chat import TranscriptFileChat
from adapters.console.render import render_lines
from adapters.discord.render import render_message
from adapters.slack.render import render
from incidents.alerts.github import Cadence, DigestItem, digest_message
from incidents.ports import OutboxItem

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LINK = "https://github.com/acme/widgets/security/dependabot/4"
DIGEST = digest_message(
    [
        DigestItem(
            source="github",
            cadence=Cadence.DAILY,
            key="github:acme/widgets:dependabot_alert:4",
            level="medium",
            title="Dependabot medium: Jinja2 sandbox breakout in jinja2 (acme/widgets#4)",
            url=LINK,
            received_at=AT,
        )
    ],
    Cadence.DAILY,
    "github",
    "maintainers",
)


def test_slack_renders_the_digest() -> None:
    """Block Kit blocks carrying the title and the link."""
    slack = render(DIGEST)
    rendered = slack.text + json.dumps(slack.blocks)
    assert "Daily digest from github" in rendered
    assert LINK in rendered


def test_discord_renders_the_digest() -> None:
    """An embed (or content) carrying the title and the link."""
    post = render_message(DIGEST)
    shown = (post.content or "") + json.dumps(post.embed.to_dict() if post.embed else {})
    assert "Daily digest from github" in shown
    assert LINK in shown


def test_the_console_renders_the_digest() -> None:
    """Lines in the console and the simulate transcript."""
    shown = "\n".join(render_lines(DIGEST, AT, {}))
    assert "Daily digest from github" in shown
    assert LINK in shown


async def test_the_transcript_file_records_the_digest(tmp_path: Path) -> None:
    """One JSON line of kind `alert_digest`."""
    path = tmp_path / "chat.jsonl"
    item = OutboxItem(
        id=1, platform="console", message=DIGEST, created_at=AT, attempts=0, next_attempt_at=AT
    )
    await TranscriptFileChat(str(path)).deliver(item)
    (record,) = [json.loads(line) for line in path.read_text().splitlines() if line]
    assert record["kind"] == "alert_digest"
    assert LINK in record["text"]
