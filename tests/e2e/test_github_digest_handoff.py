"""`sevbot run`, stopped over its 09:00: the MEDIUM findings that came in appear in one daily
digest when it is back (and a second restart posts none again), and the Monday handoff it owes
lists the repository's open P0/P1 issues and urgent PRs, read from the GitHub stand-in.

The digest and the handoff are jobs whose rows hold their next time; the test moves a row's
time into the past while the bot is down (as if it had been down at 09:00) rather than waiting
for a wall-clock 09:00."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.stores.codec import dump_time, load_time
from tests.e2e.conftest import free_port, sevbot, stop, transcript, until, wait_healthy
from tests.github_deliveries import SECRET, deliver, dependabot_alert
from tests.github_standin import TOKEN, GitHubStandIn, standin_in_thread

CONFIG = """
page = "maintainers"

[[rotation]]
name = "maintainers"
members = ["console:sam", "console:li", "console:ana"]
start = 2024-01-01
channel = {{ console = "#oncall" }}

[[person]]
name = "Ana Lima"
email = "ana@example.com"
github = "ana-lima"

[[alert_source]]
name = "github"
kind = "github"
secret_env = "SEVBOT_GITHUB_WEBHOOK_SECRET"
severities = {{ critical = "sev0", high = "sev1", medium = "digest:daily", low = "digest:weekly" }}

[github]
api_url = "{url}"
token_env = "SEVBOT_GITHUB_TOKEN"
repository = "acme/widgets"
"""


class Bot:
    """Starts and stops `sevbot run` on one SQLite file and transcript."""

    def __init__(self, tmp: Path, github: GitHubStandIn) -> None:
        self.tmp = tmp
        self.port = free_port()
        config = tmp / "sevbot.toml"
        config.write_text(CONFIG.format(url=github.url), encoding="utf-8")
        self.env = {
            "PORT": str(self.port),
            "SEVBOT_HOST": "127.0.0.1",
            "SEVBOT_DATABASE_URL": f"sqlite:///{tmp}/sevbot.db",
            "SEVBOT_TRANSCRIPT_FILE": str(tmp / "chat.jsonl"),
            "SEVBOT_CONFIG": str(config),
            "SEVBOT_GITHUB_WEBHOOK_SECRET": SECRET,
            "SEVBOT_GITHUB_TOKEN": TOKEN,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = sevbot("run", env=self.env, cwd=self.tmp)
        wait_healthy(self.port, self.process, self.tmp)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def owed(self, job: str) -> None:
        """While stopped: make `job` due 8 days before its time, as if the bot had been down
        then (a week-old handoff is posted late, once, for the latest shift)."""
        assert self.process is None
        with sqlite3.connect(self.tmp / "sevbot.db") as db:
            (due,) = db.execute("SELECT due_at FROM jobs WHERE name = ?", (job,)).fetchone()
            past = load_time(due)
            assert past is not None
            db.execute(
                "UPDATE jobs SET due_at = ? WHERE name = ?",
                (dump_time(past - timedelta(days=8)), job),
            )

    def said(self, kind: str) -> list[dict[str, Any]]:
        """Messages of `kind` in the transcript."""
        return [r for r in transcript(self.tmp / "chat.jsonl") if r["kind"] == kind]


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[tuple[Bot, GitHubStandIn]]:
    """The bot (started) and the GitHub stand-in it reads."""
    with standin_in_thread(GitHubStandIn()) as github:
        bot = Bot(tmp_path, github)
        bot.start()
        try:
            yield bot, github
        finally:
            bot.stop()


def test_medium_findings_appear_in_one_daily_digest(bot: tuple[Bot, GitHubStandIn]) -> None:
    """Two MEDIUM findings and a LOW one open nothing; after 09:00 passes (the bot down), one
    daily digest lists both MEDIUM ones with their links, not the LOW one (weekly); a restart
    after that posts no second digest."""
    sevbot, _ = bot
    for number in (4, 5):
        status, _ = deliver(
            sevbot.port, "dependabot_alert", dependabot_alert("created", number, "medium")
        )
        assert status == 200
    assert deliver(sevbot.port, "dependabot_alert", dependabot_alert("created", 6, "low"))[0] == 200
    sevbot.stop()
    sevbot.owed("alert-digest:github:daily")
    sevbot.start()
    [digest] = until("the daily digest", lambda: sevbot.said("alert_digest"))
    assert digest["title"] == "🗂 Daily digest from github: 2 finding(s) to triage"
    assert "security/dependabot/4" in digest["text"]
    assert "security/dependabot/5" in digest["text"]
    assert "security/dependabot/6" not in digest["text"]
    assert not sevbot.said("summary")  # a digest finding opens no incident
    sevbot.stop()
    sevbot.start()
    sevbot.stop()
    assert len(sevbot.said("alert_digest")) == 1


def test_the_owed_handoff_lists_open_p0_p1_issues_and_urgent_prs(
    bot: tuple[Bot, GitHubStandIn],
) -> None:
    """The handoff the bot owes on its return reads GitHub first: the P0 with its assignee's
    configured name, the P1, the urgent PR; a P2 and a closed P0 are left out."""
    sevbot, github = bot
    github.add("Checkout 500s on retry", labels=["P0"], assignees=["ana-lima"])
    github.add("Flaky login on Safari", labels=["P1"])
    github.add("Docs typo", labels=["P2"])
    github.add("Hotfix the retry loop", labels=["urgent"], pull_request=True)
    github.add("Fixed long ago", labels=["P0"]).state = "closed"
    sevbot.stop()
    sevbot.owed("handoff:maintainers")
    sevbot.start()
    [handoff] = until("the handoff", lambda: sevbot.said("handoff"))
    text = handoff["text"]
    assert "Open P0/P1 issues on acme/widgets (2):" in text
    assert "P0 #1 Checkout 500s on retry" in text
    assert "Ana Lima (@ana-lima)" in text
    assert "P1 #2 Flaky login on Safari" in text
    assert "Open PRs labelled urgent (1):" in text
    assert "https://github.com/acme/widgets/pull/4" in text
    assert "Docs typo" not in text
    assert "Fixed long ago" not in text
