"""The handoff's GitHub section from the pure core: lists, counts that are "at least", an old
list, a list never read, and what an empty label list leaves out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incidents.oncall.backlog import Backlog, TrackedItem, backlog_text

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
P0 = TrackedItem(
    number=7,
    title="Checkout 500s",
    url="https://github.com/acme/widgets/issues/7",
    labels=("bug", "P0"),
    assignees=("ana-lima",),
    created_at=NOW - timedelta(days=2, hours=3),
)
EMPTY = Backlog(repository="acme/widgets", issue_labels=("P0", "P1"), pr_labels=("urgent",))


def text(backlog: Backlog) -> list[str]:
    return "".join(str(p) for p in backlog_text(backlog, NOW, lambda login: f"@{login}")).split(
        "\n"
    )[1:]


def test_a_fresh_read_lists_with_the_priority_label_first_and_says_none() -> None:
    """Only the configured labels prefix the line; an empty list says `none.`"""
    backlog = Backlog(
        repository="acme/widgets",
        issue_labels=("P0", "P1"),
        pr_labels=("urgent",),
        issues=(P0,),
        read_at=NOW,
    )
    assert text(backlog) == [
        "Open P0/P1 issues on acme/widgets (1):",
        "  P0 #7 Checkout 500s · 2 d 3 h old · @ana-lima · https://github.com/acme/widgets/issues/7",
        "Open PRs labelled urgent: none.",
    ]


def test_a_capped_read_counts_at_least_and_an_old_one_says_its_age() -> None:
    """A label with a full page: `(1+)`; read 2 h before the handoff: said."""
    backlog = Backlog(
        repository="acme/widgets",
        issue_labels=("P0",),
        pr_labels=(),
        issues=(P0,),
        read_at=NOW - timedelta(hours=2),
        issues_capped=True,
    )
    assert text(backlog)[:2] == [
        "GitHub acme/widgets as read 2 h ago.",
        "Open P0 issues on acme/widgets (1+):",
    ]


def test_never_read_says_what_could_not_be_read_and_why() -> None:
    """No list at all: one warning line naming the lists and the reason, nothing that reads
    as "no urgent issues"."""
    failed = Backlog(
        repository="acme/widgets", issue_labels=("P0", "P1"), pr_labels=(), error="GitHub 401"
    )
    assert text(failed) == [
        "⚠️ GitHub acme/widgets: the open P0/P1 issues could not be read (GitHub 401)."
    ]
    assert text(EMPTY) == [
        "⚠️ GitHub acme/widgets: the open P0/P1 issues and PRs labelled urgent could not be "
        "read (not read yet)."
    ]
