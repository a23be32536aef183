"""The Monday handoff lists the repository's open P0/P1 issues (age, assignees) and its open
pull requests labelled `urgent`, read from the GitHub stand-in just before it is posted; when
GitHub cannot be read the handoff still goes out, once, and says so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import App
from bot.clock import FakeClock
from tests.fakes import RecordingChat
from tests.github_standin import TOKEN, GitHubStandIn
from tests.service.conftest import tick
from tests.service.oncall_helpers import WEDNESDAY, in_channel, oncall_app

TOKEN_ENV = "SEVBOT_TEST_GITHUB_TOKEN"
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ANA = {"name": "Ana Lima", "email": "ana@example.com", "github": "ana-lima"}


@asynccontextmanager
async def handoff_app(
    tmp_path: Path,
    clock: FakeClock,
    chat: RecordingChat,
    monkeypatch: pytest.MonkeyPatch,
    standin: GitHubStandIn,
    **github: Any,
) -> AsyncIterator[App]:
    """The maintainers rotation with `[github]` on the stand-in."""
    url = await standin.start()
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    settings = {"api_url": url, "token_env": TOKEN_ENV, "repository": "acme/widgets", **github}
    app = await oncall_app(tmp_path / "h.db", clock, chat, github=settings, person=[ANA])
    try:
        yield app
    finally:
        await app.close()
        await standin.stop()


def backlog(standin: GitHubStandIn) -> None:
    """What people have open on GitHub: two P1s, a P0, a P2, an urgent PR, a closed P0."""
    standin.add("Flaky login on Safari", labels=["P1", "bug"], created_at="2026-12-01T09:00:00Z")
    standin.add(
        "Checkout 500s on retry",
        labels=["P0"],
        assignees=["ana-lima", "octocat"],
        created_at="2026-12-04T09:00:00Z",
    )
    standin.add("Docs typo", labels=["P2"])
    standin.add(
        "Hotfix the retry loop", labels=["urgent"], pull_request=True, assignees=["octocat"]
    )
    standin.add("An urgent issue is not a PR", labels=["urgent"])
    standin.add("Old P1", labels=["P1"], created_at="2026-11-07T09:00:00Z")
    standin.add("Fixed P0", labels=["P0"]).state = "closed"


async def test_the_handoff_lists_open_p0_p1_issues_and_urgent_prs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chat: RecordingChat
) -> None:
    """P0 before P1, oldest first within each; ages at the handoff; assignees by configured
    name; PRs labelled `urgent` apart (an urgent issue is not a PR); closed ones left out."""
    clock = FakeClock(WEDNESDAY)
    standin = GitHubStandIn()
    backlog(standin)
    async with handoff_app(tmp_path, clock, chat, monkeypatch, standin) as app:
        await tick(app, clock, seconds=(MONDAY_9 - clock.now()).total_seconds())
        [handoff] = in_channel(chat, "handoff")
        lines = handoff.plain_text().splitlines()
        start = lines.index("Open P0/P1 issues on acme/widgets (3):")
        assert lines[start:] == [
            "Open P0/P1 issues on acme/widgets (3):",
            "  P0 #2 Checkout 500s on retry · 3 d old · Ana Lima (@ana-lima), @octocat · "
            "https://github.com/acme/widgets/issues/2",
            "  P1 #6 Old P1 · 30 d old · unassigned · https://github.com/acme/widgets/issues/6",
            "  P1 #1 Flaky login on Safari · 6 d old · unassigned · "
            "https://github.com/acme/widgets/issues/1",
            "Open PRs labelled urgent (1):",
            "  #4 Hotfix the retry loop · 336 d 1 h old · @octocat · "
            "https://github.com/acme/widgets/pull/4",
        ]
        reads = [path for method, path in standin.requests if method == "GET"]
        assert len(reads) == 3  # one read per label (GitHub's filter means all labels)


async def test_labels_are_configurable_and_an_empty_list_leaves_the_section_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chat: RecordingChat
) -> None:
    """`handoff_issue_labels = ["P0"]`, `handoff_pr_labels = []`: only P0 issues, no PR list;
    both empty: the handoff has no GitHub section and GitHub is not read."""
    clock = FakeClock(WEDNESDAY)
    standin = GitHubStandIn()
    backlog(standin)
    async with handoff_app(
        tmp_path,
        clock,
        chat,
        monkeypatch,
        standin,
        handoff_issue_labels=["P0"],
        handoff_pr_labels=[],
    ) as app:
        await tick(app, clock, seconds=(MONDAY_9 - clock.now()).total_seconds())
        text = in_channel(chat, "handoff")[0].plain_text()
        assert "Open P0 issues on acme/widgets (1):" in text
        assert "PRs" not in text
    clock = FakeClock(WEDNESDAY)
    standin = GitHubStandIn()
    chat.clear()
    async with handoff_app(
        tmp_path / "none",
        clock,
        chat,
        monkeypatch,
        standin,
        handoff_issue_labels=[],
        handoff_pr_labels=[],
    ) as app:
        await tick(app, clock, seconds=(MONDAY_9 - clock.now()).total_seconds())
        assert "GitHub" not in in_channel(chat, "handoff")[0].plain_text()
        assert standin.requests == []


async def test_github_unreadable_the_handoff_goes_out_once_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chat: RecordingChat
) -> None:
    """GitHub rate limits every read: the handoff is posted on time, once, saying the list
    could not be read and why, instead of an empty list that reads as "nothing urgent"."""
    clock = FakeClock(WEDNESDAY)
    standin = GitHubStandIn()
    backlog(standin)
    standin.rate_limited = 1000
    async with handoff_app(tmp_path, clock, chat, monkeypatch, standin) as app:
        await tick(app, clock, seconds=(MONDAY_9 - clock.now()).total_seconds())
        await tick(app, clock, minutes=5)
        [handoff] = in_channel(chat, "handoff")
        text = handoff.plain_text()
        assert "⚠️ GitHub acme/widgets: the open P0/P1 issues and PRs labelled urgent could not" in (
            text
        )
        assert "secondary rate limit" in text
        assert "Checkout 500s" not in text


async def test_a_list_read_before_and_a_failing_read_now_shows_the_old_list_with_its_age(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chat: RecordingChat
) -> None:
    """The backlog read for one handoff, then GitHub down for the next: the second shows the
    week-old list, saying GitHub could not be read and how old the list is."""
    clock = FakeClock(WEDNESDAY)
    standin = GitHubStandIn()
    backlog(standin)
    async with handoff_app(tmp_path, clock, chat, monkeypatch, standin) as app:
        await tick(app, clock, seconds=(MONDAY_9 - clock.now()).total_seconds())
        standin.rate_limited = 1000
        await tick(app, clock, days=7)
        first, second = in_channel(chat, "handoff")
        assert "could not" not in first.plain_text()
        text = second.plain_text()
        assert "⚠️ GitHub acme/widgets could not be read just now (" in text
        assert "this list is from 7 d ago." in text
        assert "P0 #2 Checkout 500s on retry · 10 d old" in text
