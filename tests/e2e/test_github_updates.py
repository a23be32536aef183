"""`sevbot run` with `[github]` on the GitHub stand-in: an external update of a public incident
opens its GitHub issue and the resolution closes it, even when GitHub's first answer is lost (a
502 after the issue was made: still one issue); an action item with `--issue` becomes an issue
and is done when GitHub's signed `issues` closed delivery arrives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (
    cli,
    free_port,
    http,
    sevbot,
    stop,
    transcript,
    until,
    wait_healthy,
)
from tests.github_deliveries import SECRET, deliver, repository
from tests.github_standin import TOKEN, GitHubStandIn, standin_in_thread

API_TOKEN = "ops-token"
REPO = "acme/widgets"


@dataclass
class Bot:
    """sevbot running with `[github]` on the stand-in."""

    tmp: Path
    port: int
    github: GitHubStandIn

    def command(self, text: str) -> dict[str, Any]:
        """A command through sevbot's API as the `ops` client."""
        url = f"http://127.0.0.1:{self.port}/api/commands"
        status, body = http("POST", url, {"text": text}, token=API_TOKEN)
        assert status == 200, body
        return dict(body)

    def deliver(self, event: str, body: Any) -> int:
        """POST a signed GitHub delivery; its status."""
        return deliver(self.port, event, body)[0]

    def said(self, kind: str) -> list[dict[str, Any]]:
        """Messages of `kind` in the transcript."""
        return [r for r in transcript(self.tmp / "chat.jsonl") if r["kind"] == kind]


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    """sevbot run on SQLite with the transcript chat, a GitHub source and `[github]`."""
    with standin_in_thread(GitHubStandIn()) as github:
        config = tmp_path / "conf" / "sevbot.toml"  # not in the store verbs' folder
        config.parent.mkdir()
        config.write_text(
            f"""
[[api_client]]
name = "ops"
token_env = "SEVBOT_TOKEN_OPS"
may = ["open", "status", "external", "ic", "action", "resolve"]

[[alert_source]]
name = "github"
kind = "github"
secret_env = "SEVBOT_GITHUB_WEBHOOK_SECRET"

[github]
api_url = "{github.url}"
token_env = "SEVBOT_GITHUB_TOKEN"
repository = "{REPO}"
""",
            encoding="utf-8",
        )
        port = free_port()
        env = {
            "PORT": str(port),
            "SEVBOT_HOST": "127.0.0.1",
            "SEVBOT_DATABASE_URL": f"sqlite:///{tmp_path}/sevbot.db",
            "SEVBOT_TRANSCRIPT_FILE": str(tmp_path / "chat.jsonl"),
            "SEVBOT_CONFIG": str(config),
            "SEVBOT_GITHUB_WEBHOOK_SECRET": SECRET,
            "SEVBOT_GITHUB_TOKEN": TOKEN,
            "SEVBOT_TOKEN_OPS": API_TOKEN,
        }
        process = sevbot("run", env=env, cwd=tmp_path)
        try:
            wait_healthy(port, process, tmp_path)
            yield Bot(tmp=tmp_path, port=port, github=github)
        finally:
            stop(process)


def test_an_external_update_opens_the_issue_once_and_the_resolution_closes_it(bot: Bot) -> None:
    """GitHub makes the issue but the answer is a 502: the retry finds it (one issue); the next
    update comments; the resolution comments and closes it."""
    bot.command("/incident open sev1 Deploy 8812 broke checkout")
    bot.github.fail_after_write = 1
    bot.command('/incident status 1 --external --title "Checkout errors" Card payments fail')
    until("the issue", lambda: bot.github.all_issues())
    bot.command("/incident status 1 --external A fix is rolling out")
    until("the comment", lambda: bot.github.all_issues()[0].comments)
    bot.command("/incident resolve 1 Rolled back 8812")
    until("the issue closed", lambda: bot.github.all_issues()[0].state == "closed")
    (issue,) = bot.github.all_issues()
    assert issue.title == "Checkout errors"
    assert "Card payments fail" in issue.body
    assert len(issue.comments) == 2
    assert bot.said("external_update")  # the chat heard it too


def test_a_github_post_held_by_a_rate_limit_shows_in_sevbot_outbox(bot: Bot) -> None:
    """While GitHub rate limits, its post waits in the outbox (platform `github`, with GitHub's
    reason) and `sevbot outbox` lists it; the chat's copy went out meanwhile."""
    bot.github.rate_limited = 1_000_000
    bot.command("/incident open sev1 Checkout is failing")
    bot.command("/incident status 1 --external Card payments fail")
    until("the chat's copy", lambda: bot.said("external_update"))

    def waiting() -> list[dict[str, Any]]:
        listed = cli("outbox", "--format", "json", db=bot.tmp / "sevbot.db")
        rows = json.loads(listed.stdout or "{}").get("items", [])
        return [r for r in rows if r["platform"] == "github" and r["rate_limits"]]

    (row,) = until("the GitHub post waiting in the outbox", waiting)
    assert (row["kind"], row["state"]) == ("external_update", "pending")
    assert "secondary rate limit" in row["last_error"]
    assert bot.github.all_issues() == []


def test_an_action_item_with_issue_is_done_when_its_issue_closes(bot: Bot) -> None:
    """`--issue` opens an issue; the signed `issues` closed delivery marks the item done."""
    bot.command("/incident open sev2 Search is slow")
    bot.command("/incident action 1 Shard the index --issue")
    (issue,) = until("the action item's issue", lambda: bot.github.all_issues())
    assert issue.title == "Shard the index"
    until("the link in the channel", lambda: bot.said("action_added")[1:])
    body = {
        "action": "closed",
        "issue": {"number": issue.number, "html_url": issue.html_url, "state": "closed"},
        "repository": repository(),
    }
    assert bot.deliver("issues", body) == 200
    (done,) = until("the action item done", lambda: bot.said("action_done"))
    assert "Shard the index" in done["text"]
